package com.softdew.vms.edge.ai.models.scene;

import static org.bytedeco.opencv.global.opencv_core.bitwise_and;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_CLOSE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_ELLIPSE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_OPEN;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.getStructuringElement;
import static org.bytedeco.opencv.global.opencv_imgproc.morphologyEx;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;
import static org.bytedeco.opencv.global.opencv_video.createBackgroundSubtractorMOG2;

import com.softdew.vms.edge.ai.Alarm;
import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelParams;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Zone;
import com.softdew.vms.platform.config.ConfigKey;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_video.BackgroundSubtractorMOG2;

/**
 * Advanced motion detection: light-normalised grey frames into an OpenCV MOG2 background subtractor,
 * morphology (open, close), connected components of at least {@code minAreaPx}; a frame where a large
 * part of the picture changes at once or the mean brightness jumps is an illumination change (the
 * background is re-learnt from it, no motion is reported, an "illumination" detection says why). With
 * zones only motion inside them counts, per zone. Alarm "motion" (per zone, or for the frame) while the
 * moving area is at least {@code alarmAreaPx} for {@code alarmFrames} consecutive frames.
 */
public final class MotionModel implements AnalyticsModel {
  public static final String ID = "motion";

  private static final ModelParams PARAMS = new ModelParams(ID, List.of(
      ConfigKey.integer("history", 300, 10, 10_000, "frames the MOG2 background model remembers"),
      ConfigKey.decimal("varThreshold", 16, 1, 400, "MOG2 squared Mahalanobis distance above which a pixel is foreground"),
      ConfigKey.integer("minAreaPx", 150, 1, 10_000_000, "smallest moving region reported, pixels of the analysed frame"),
      ConfigKey.integer("alarmAreaPx", 400, 1, 10_000_000, "moving area (per zone, or in the whole frame without zones) that makes a frame a motion frame, pixels"),
      ConfigKey.integer("alarmFrames", 3, 1, 1000, "consecutive motion frames before the alarm is raised"),
      ConfigKey.decimal("lightChangeFraction", 0.4, 0.05, 1, "a frame with more than this fraction of its pixels foreground is an illumination change"),
      ConfigKey.decimal("brightnessJump", 30, 1, 255, "a change of the mean grey level between two frames larger than this is an illumination change"),
      ConfigKey.integer("warmupFrames", 10, 0, 10_000, "frames the background learns before any alarm"),
      ConfigKey.bool("normaliseLight", true, "map every frame's grey mean and contrast to the first frame's before background subtraction (cancels gain/offset light changes)"),
      ConfigKey.integer("analysisWidth", 320, 80, 4096, "frames wider than this are shrunk for analysis (boxes and areas stay in frame pixels)")));

  @Override
  public String id() { return ID; }

  @Override
  public ModelParams params() { return PARAMS; }

  @Override
  public boolean needsEveryFrame() { return true; }

  @Override
  public ModelSession open(CameraContext camera) {
    return new Session(camera);
  }

  static final class Session extends SceneSession {
    private final JsonObject p;
    private final double lightFraction, jump;
    private final int alarmFrames, warmup, analysisWidth, minAreaPx, alarmAreaPx;
    private final boolean normalise;
    private final BackgroundSubtractorMOG2 mog;
    private final Mat small = new Mat(), fg = new Mat();
    private final Mat open, close;
    private final Size blurSize = new Size(5, 5);
    private Mat zoneMask;
    private double scale = -1, mean0, std0, prevMean = Double.NaN;
    private long frames;
    private final Map<String, Integer> runs = new HashMap<>();

    Session(CameraContext camera) {
      super(ID, camera);
      p = camera.params();
      lightFraction = p.getDouble("lightChangeFraction");
      jump = p.getDouble("brightnessJump");
      alarmFrames = p.getInteger("alarmFrames");
      warmup = p.getInteger("warmupFrames");
      analysisWidth = p.getInteger("analysisWidth");
      minAreaPx = p.getInteger("minAreaPx");
      alarmAreaPx = p.getInteger("alarmAreaPx");
      normalise = p.getBoolean("normaliseLight");
      mog = createBackgroundSubtractorMOG2(p.getInteger("history"), p.getDouble("varThreshold"), false);
      try (Size k3 = new Size(3, 3); Size k7 = new Size(7, 7)) {
        open = getStructuringElement(MORPH_ELLIPSE, k3);
        close = getStructuringElement(MORPH_ELLIPSE, k7);
      }
    }

    @Override
    protected FrameResult step(FrameView f) {
      double s = Cv.shrink(f.gray(), small, analysisWidth);
      if (scale < 0) {
        scale = s;
        zoneMask = Cv.unionMask(camera.zones(), small.cols(), small.rows(), s);
      }
      GaussianBlur(small, small, blurSize, 0);
      double[] ms = Cv.meanStd(small, null);
      if (frames == 0) {
        mean0 = ms[0];
        std0 = Math.max(1, ms[1]);
      }
      if (normalise) Cv.normaliseLight(small, small, mean0, std0);
      double delta = Double.isNaN(prevMean) ? 0 : ms[0] - prevMean;
      prevMean = ms[0];
      mog.apply(small, fg, -1);
      frames++;
      if (frames == 1) return FrameResult.of(ID, f, List.of(), List.of()); // MOG2 marks its first frame all foreground
      double changed = countNonZero(fg) / (double) small.total();
      if ((Math.abs(delta) > jump || changed > lightFraction)) {
        mog.apply(small, fg, 1.0); // re-learn the background from this frame
        runs.clear();
        String reason = Math.abs(delta) > jump
            ? String.format("mean brightness jumped by %.1f (> %.1f)", delta, jump)
            : String.format("%.0f %% of the frame changed at once (> %.0f %%)", changed * 100, lightFraction * 100);
        Detection ill = new Detection("illumination", Cv.clamp01(Math.max(changed, Math.abs(delta) / 255)),
            new Box(0, 0, f.width(), f.height()), null, null,
            new JsonObject().put("reason", reason).put("changedFraction", round(changed)).put("brightnessDelta", round(delta)).put("backgroundRelearnt", true));
        return new FrameResult(ID, f.index(), f.ptsMs(), 0, List.of(ill), List.of(), false);
      }
      threshold(fg, fg, 127, 255, THRESH_BINARY);
      morphologyEx(fg, fg, MORPH_OPEN, open);
      morphologyEx(fg, fg, MORPH_CLOSE, close);
      if (zoneMask != null) bitwise_and(fg, zoneMask, fg);
      double px = 1 / (scale * scale); // frame pixels per analysis pixel
      List<Detection> dets = new ArrayList<>();
      Map<String, Double> area = new LinkedHashMap<>();
      for (Cv.Blob b : Cv.blobs(fg, (int) Math.max(1, Math.ceil(minAreaPx * scale * scale)))) {
        Box box = b.box(1 / scale);
        String zone = zoneOf(b.cx() / scale, b.cy() / scale, box);
        double a = b.area() * px;
        area.merge(zone == null ? "" : zone, a, Double::sum);
        double fill = b.area() / (double) (b.w() * b.h());
        dets.add(new Detection("motion", Cv.clamp01(0.5 + 0.5 * Math.min(1, a / alarmAreaPx) * fill), box, null, zone,
            new JsonObject().put("areaPx", Math.round(a))));
      }
      List<Alarm> alarms = new ArrayList<>();
      List<String> keys = camera.zones().isEmpty() ? List.of("") : camera.zones().stream().map(Zone::name).toList();
      for (String k : keys) {
        double a = area.getOrDefault(k, 0.0);
        int run = a >= alarmAreaPx ? runs.getOrDefault(k, 0) + 1 : 0;
        runs.put(k, run);
        if (run >= alarmFrames && frames > warmup) {
          String zone = k.isEmpty() ? null : k;
          alarms.add(new Alarm("motion", zone, null, Cv.clamp01(0.5 + 0.5 * Math.min(1, a / (4.0 * alarmAreaPx))),
              String.format("moving area %d px%s for %d frames (>= %d px for %d)", Math.round(a), zone == null ? "" : " in zone " + zone, run, alarmAreaPx, alarmFrames)));
        }
      }
      return new FrameResult(ID, f.index(), f.ptsMs(), dets.size(), dets, alarms, false);
    }

    private String zoneOf(double cx, double cy, Box box) {
      if (camera.zones().isEmpty()) return null;
      Zone z = camera.zoneAt(cx, cy);
      if (z == null) z = camera.zoneAt(box.cx(), box.cy());
      return z == null ? camera.zones().get(0).name() : z.name();
    }

    private static double round(double v) {
      return Math.round(v * 1000) / 1000.0;
    }

    @Override
    public void close() {
      mog.close();
      small.close();
      fg.close();
      open.close();
      close.close();
      blurSize.close();
      if (zoneMask != null) zoneMask.close();
    }
  }
}
