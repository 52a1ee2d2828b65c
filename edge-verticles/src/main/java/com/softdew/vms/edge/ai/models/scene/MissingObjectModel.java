package com.softdew.vms.edge.ai.models.scene;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.add;
import static org.bytedeco.opencv.global.opencv_core.bitwise_and;
import static org.bytedeco.opencv.global.opencv_core.bitwise_not;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_core.magnitude;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_CLOSE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_ELLIPSE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_OPEN;
import static org.bytedeco.opencv.global.opencv_imgproc.Sobel;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.TM_CCOEFF_NORMED;
import static org.bytedeco.opencv.global.opencv_imgproc.accumulateWeighted;
import static org.bytedeco.opencv.global.opencv_imgproc.dilate;
import static org.bytedeco.opencv.global.opencv_imgproc.getStructuringElement;
import static org.bytedeco.opencv.global.opencv_imgproc.matchTemplate;
import static org.bytedeco.opencv.global.opencv_imgproc.morphologyEx;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;

import com.softdew.vms.edge.ai.Alarm;
import com.softdew.vms.edge.ai.AnalyticsModel;
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
import java.util.List;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Missing and abandoned objects.
 *
 * <p><b>Missing</b> (runs when the camera has zones: each zone marks an object): the zone's reference
 * structure, the gradient magnitude of the smoothed grey picture averaged over the first
 * {@code referenceFrames} frames, is compared with the current one by zero-mean normalised correlation
 * over the zone's bounding box (insensitive to brightness and contrast changes). Alarm
 * "missingObject" in the zone once the similarity has stayed below {@code minSimilarity} for
 * {@code missingSeconds} (a person passing in front is shorter).
 *
 * <p><b>Abandoned</b> (always): a long-term background (light-normalised grey, learnt over the first
 * frames, then updated very slowly where nothing differs) against the current frame gives foreground;
 * foreground pixels outside moving areas (frame difference, dilated) age frame by frame; components of
 * pixels older than {@code abandonedSeconds} of at least {@code abandonedMinAreaPx} are abandoned
 * objects, tracked, alarm "abandonedObject" with the track as key. A static change inside a zone
 * whose object is reported missing is not also reported abandoned.
 */
public final class MissingObjectModel implements AnalyticsModel {
  public static final String ID = "missingObject";

  private static final ModelParams PARAMS = new ModelParams(ID, List.of(
      ConfigKey.integer("referenceFrames", 15, 1, 10_000, "frames averaged into the zones' reference and the long-term background"),
      ConfigKey.decimal("minSimilarity", 0.5, -1, 1, "a zone differs from its reference when the structural similarity falls below this"),
      ConfigKey.decimal("missingSeconds", 5.0, 0, 86_400, "a zone must differ this long before the missing-object alarm"),
      ConfigKey.decimal("abandonedSeconds", 5.0, 0, 86_400, "a new object must stay still this long before the abandoned-object alarm"),
      ConfigKey.integer("abandonedMinAreaPx", 200, 1, 10_000_000, "smallest abandoned object, pixels of the analysed frame"),
      ConfigKey.integer("diffThreshold", 15, 1, 255, "grey difference (after light normalisation) from the long-term background that is foreground"),
      ConfigKey.integer("motionThreshold", 10, 1, 255, "grey difference between consecutive frames that is motion"),
      ConfigKey.decimal("backgroundRate", 0.002, 0, 1, "per-frame weight of the current frame in the long-term background where nothing differs"),
      ConfigKey.decimal("lightChangeFraction", 0.5, 0.05, 1, "more than this fraction of the frame foreground at once re-learns the background"),
      ConfigKey.integer("analysisWidth", 320, 80, 4096, "frames wider than this are shrunk for analysis")));

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

  /** One watched zone. */
  private static final class Watch implements AutoCloseable {
    final Zone zone;
    final Rect roi;
    final Mat ref = new Mat();
    long differsSince = -1;
    boolean missing;

    Watch(Zone zone, Rect roi) {
      this.zone = zone;
      this.roi = roi;
    }

    @Override
    public void close() {
      roi.close();
      ref.close();
    }
  }

  static final class Session extends SceneSession {
    private final int referenceFrames, abandonedMinArea, analysisWidth;
    private final double minSimilarity, missingMs, abandonedFrames, diffThreshold, motionThreshold, bgRate, lightFraction;
    private final Mat small = new Mat(), norm = new Mat(), prev = new Mat(), f32 = new Mat(), bg = new Mat(), bg8 = new Mat();
    private final Mat diff = new Mat(), fg = new Mat(), moving = new Mat(), notFg = new Mat(), still = new Mat(), notStill = new Mat(), age = new Mat();
    private final Mat old = new Mat(), dx = new Mat(), dy = new Mat(), grad = new Mat(), ncc = new Mat();
    private final Mat k3, k7, k15;
    private final Size blur5 = new Size(5, 5);
    private final BlobTracker abandoned = new BlobTracker("missingObject.abandoned", 3, 32, 1000);
    private final List<Watch> watches = new ArrayList<>();
    private double scale = -1, mean0, std0;
    private long frames;

    Session(CameraContext camera) {
      super(ID, camera);
      JsonObject p = camera.params();
      referenceFrames = p.getInteger("referenceFrames");
      abandonedMinArea = p.getInteger("abandonedMinAreaPx");
      analysisWidth = p.getInteger("analysisWidth");
      minSimilarity = p.getDouble("minSimilarity");
      missingMs = p.getDouble("missingSeconds") * 1000;
      abandonedFrames = Math.max(1, p.getDouble("abandonedSeconds") * camera.fps());
      diffThreshold = p.getInteger("diffThreshold");
      motionThreshold = p.getInteger("motionThreshold");
      bgRate = p.getDouble("backgroundRate");
      lightFraction = p.getDouble("lightChangeFraction");
      try (Size s3 = new Size(3, 3); Size s7 = new Size(7, 7); Size s15 = new Size(15, 15)) {
        k3 = getStructuringElement(MORPH_ELLIPSE, s3);
        k7 = getStructuringElement(MORPH_ELLIPSE, s7);
        k15 = getStructuringElement(MORPH_ELLIPSE, s15);
      }
    }

    @Override
    protected FrameResult step(FrameView f) {
      double s = Cv.shrink(f.gray(), small, analysisWidth);
      GaussianBlur(small, small, blur5, 0);
      if (scale < 0) {
        scale = s;
        double[] ms = Cv.meanStd(small, null);
        mean0 = ms[0];
        std0 = Math.max(1, ms[1]);
        for (Zone z : camera.zones()) {
          Box b = clip(z.bounds(), s, small.cols(), small.rows());
          if (b != null) watches.add(new Watch(z, new Rect(b.x, b.y, b.w, b.h)));
        }
      }
      gradient(small);
      Cv.normaliseLight(small, norm, mean0, std0);
      norm.convertTo(f32, CV_32F);
      List<Detection> dets = new ArrayList<>();
      List<Alarm> alarms = new ArrayList<>();
      if (frames < referenceFrames) {
        double rate = 1.0 / (frames + 1);
        if (frames == 0) {
          f32.copyTo(bg);
          age.create(small.rows(), small.cols(), CV_32F);
          try (Scalar zero = new Scalar(0)) {
            age.put(zero);
          }
          for (Watch w : watches) try (Mat g = new Mat(grad, w.roi)) { g.copyTo(w.ref); }
        } else {
          accumulateWeighted(f32, bg, rate);
          for (Watch w : watches) try (Mat g = new Mat(grad, w.roi)) { accumulateWeighted(g, w.ref, rate); }
        }
        norm.copyTo(prev);
        frames++;
        return FrameResult.of(ID, f, dets, alarms);
      }
      frames++;
      missing(f, dets, alarms);
      abandoned(f, dets, alarms);
      norm.copyTo(prev);
      return new FrameResult(ID, f.index(), f.ptsMs(), alarms.size(), dets, alarms, false);
    }

    private void gradient(Mat gray) {
      Sobel(gray, dx, CV_32F, 1, 0);
      Sobel(gray, dy, CV_32F, 0, 1);
      magnitude(dx, dy, grad);
    }

    private void missing(FrameView f, List<Detection> dets, List<Alarm> alarms) {
      for (Watch w : watches) {
        double sim;
        try (Mat g = new Mat(grad, w.roi)) {
          matchTemplate(g, w.ref, ncc, TM_CCOEFF_NORMED);
          try (FloatIndexer i = ncc.createIndexer()) {
            sim = i.get(0, 0);
          }
        }
        if (Double.isNaN(sim)) sim = 1; // a structureless zone and reference: nothing to compare
        boolean differs = sim < minSimilarity;
        if (!differs) w.differsSince = -1;
        else if (w.differsSince < 0) w.differsSince = f.ptsMs();
        double held = differs ? f.ptsMs() - w.differsSince : 0;
        w.missing = differs && held >= missingMs;
        if (differs) {
          double conf = Cv.clamp01(0.5 + 0.5 * (minSimilarity - sim) / (1 + minSimilarity));
          dets.add(new Detection("region", conf, w.zone.bounds(), null, w.zone.name(), new JsonObject()
              .put("similarity", Math.round(sim * 1000) / 1000.0).put("differsSeconds", held / 1000).put("missing", w.missing)));
          if (w.missing) {
            alarms.add(new Alarm(ID, w.zone.name(), null, conf, String.format("zone %s differs from its reference (similarity %.2f < %.2f) for %.1f s",
                w.zone.name(), sim, minSimilarity, held / 1000)));
          }
        }
      }
    }

    private void abandoned(FrameView f, List<Detection> dets, List<Alarm> alarms) {
      bg.convertTo(bg8, CV_8U);
      absdiff(norm, bg8, diff);
      threshold(diff, fg, diffThreshold - 0.5, 255, THRESH_BINARY);
      morphologyEx(fg, fg, MORPH_OPEN, k3);
      if (countNonZero(fg) > lightFraction * fg.total()) { // the light changed beyond what normalisation absorbs
        f32.copyTo(bg);
        try (Scalar zero = new Scalar(0)) {
          age.put(zero);
        }
        dets.add(new Detection("illumination", 1, new com.softdew.vms.edge.ai.Box(0, 0, f.width(), f.height()), null, null,
            new JsonObject().put("reason", "most of the frame changed at once: background re-learnt")));
        return;
      }
      absdiff(norm, prev, diff);
      threshold(diff, moving, motionThreshold - 0.5, 255, THRESH_BINARY);
      morphologyEx(moving, moving, MORPH_OPEN, k3);
      dilate(moving, moving, k15);
      bitwise_not(moving, still);
      bitwise_and(still, fg, still); // foreground that is not moving
      bitwise_not(fg, notFg);
      try (Scalar one = new Scalar(1); Scalar zero = new Scalar(0); Size size = age.size(); Mat ones = new Mat(size, CV_32F, one); Mat zeroM = new Mat(zero)) {
        add(age, ones, age, still, -1);
        age.setTo(zeroM, notFg);
      }
      // the long-term background follows slow changes where nothing is in front of it
      if (bgRate > 0) accumulateWeighted(f32, bg, bgRate, notFg);
      threshold(age, old, abandonedFrames - 0.5, 255, THRESH_BINARY);
      old.convertTo(old, CV_8U);
      morphologyEx(old, old, MORPH_CLOSE, k7); // parts of one object that differ from the background by different amounts
      int minArea = (int) Math.max(1, Math.ceil(abandonedMinArea * scale * scale));
      for (BlobTracker.Track t : abandoned.update(Cv.blobs(old, minArea), f.ptsMs())) {
        Cv.Blob b = t.blob;
        double cx = b.cx() / scale, cy = b.cy() / scale;
        boolean ghostOfMissing = watches.stream().anyMatch(w -> w.differsSince >= 0 && w.zone.contains(cx, cy));
        if (ghostOfMissing) continue;
        Zone z = camera.zoneAt(cx, cy);
        double conf = Cv.clamp01(0.6 + 0.4 * Math.min(1, b.area() / (4.0 * minArea)));
        String key = "a" + t.id;
        dets.add(new Detection("abandonedObject", conf, b.box(1 / scale), key, z == null ? null : z.name(),
            new JsonObject().put("areaPx", Math.round(b.area() / (scale * scale)))));
        alarms.add(new Alarm("abandonedObject", z == null ? null : z.name(), key, conf,
            String.format("new still object of %d px for more than %.1f s", Math.round(b.area() / (scale * scale)), abandonedFrames / camera.fps())));
      }
    }

    private record Box(int x, int y, int w, int h) {}

    private static Box clip(com.softdew.vms.edge.ai.Box b, double s, int w, int h) {
      int x0 = Math.max(0, (int) Math.floor(b.x() * s)), y0 = Math.max(0, (int) Math.floor(b.y() * s));
      int x1 = Math.min(w, (int) Math.ceil((b.x() + b.w()) * s)), y1 = Math.min(h, (int) Math.ceil((b.y() + b.h()) * s));
      return x1 - x0 < 4 || y1 - y0 < 4 ? null : new Box(x0, y0, x1 - x0, y1 - y0);
    }

    @Override
    public void close() {
      for (Mat m : new Mat[] {small, norm, prev, f32, bg, bg8, diff, fg, moving, notFg, still, notStill, age, old, dx, dy, grad, ncc, k3, k7, k15}) m.close();
      blur5.close();
      watches.forEach(Watch::close);
    }
  }
}
