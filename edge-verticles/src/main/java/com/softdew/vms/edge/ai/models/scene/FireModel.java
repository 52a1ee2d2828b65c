package com.softdew.vms.edge.ai.models.scene;

import static org.bytedeco.opencv.global.opencv_core.CV_16S;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.bitwise_and;
import static org.bytedeco.opencv.global.opencv_core.bitwise_not;
import static org.bytedeco.opencv.global.opencv_core.bitwise_xor;
import static org.bytedeco.opencv.global.opencv_core.convertScaleAbs;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_core.multiply;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.Laplacian;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_CLOSE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_ELLIPSE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_OPEN;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.TM_CCOEFF_NORMED;
import static org.bytedeco.opencv.global.opencv_imgproc.accumulateWeighted;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
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
import com.softdew.vms.platform.config.ConfigKey;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Fire and smoke. A per-pixel stage ({@link FireSmokeClassifier}, shipped: {@link ColourRules}) marks
 * flame-coloured and greyish pixels; a temporal stage decides. <b>Fire</b>: flame-coloured blobs are
 * tracked; a blob whose outline flickers (share of its pixels that change membership between frames,
 * single-pixel noise removed) is fire when it also grows over {@code windowSeconds}, or keeps flickering
 * for {@code sustainSeconds}. A static orange object or a steadily lit wall has colour but no flicker.
 * <b>Smoke</b>: greyish pixels that differ from a slowly learnt background, as tracked blobs through
 * which the background still shows (positive correlation with it) and which veils it (edges weakened, or
 * the background's contrast showing through reduced: regression slope of frame on background), for
 * {@code smokePersistSeconds} while not shrinking. Alarms "fire" and "smoke" with the track as key.
 */
public final class FireModel implements AnalyticsModel {
  public static final String ID = "fire";

  private static final ModelParams PARAMS = new ModelParams(ID, List.of(
      ConfigKey.integer("fireMinAreaPx", 120, 1, 10_000_000, "smallest flame-coloured blob considered, pixels of the analysed frame"),
      ConfigKey.decimal("flickerMin", 0.08, 0, 1, "share of a blob's pixels that change flame membership per frame (smoothed) above which it flickers"),
      ConfigKey.decimal("growthMin", 1.2, 1, 100, "area ratio over the window above which a flickering blob is growing"),
      ConfigKey.decimal("windowSeconds", 2.0, 0.2, 60, "window of the growth measure"),
      ConfigKey.decimal("minAgeSeconds", 1.0, 0, 60, "a flame blob must be tracked this long before the alarm"),
      ConfigKey.decimal("sustainSeconds", 4.0, 0, 3600, "a blob that flickers this long is fire even without growing"),
      ConfigKey.integer("fireMaxHue", 25, 0, 180, "flame colour: hue at most (OpenCV 0..180; 25 = 50 degrees, orange-yellow)"),
      ConfigKey.integer("fireMinSaturation", 90, 0, 255, "flame colour: saturation at least"),
      ConfigKey.integer("fireMinValue", 170, 0, 255, "flame colour: brightness at least"),
      ConfigKey.integer("smokeMaxSaturation", 45, 0, 255, "smoke colour: saturation at most"),
      ConfigKey.integer("smokeMinValue", 80, 0, 255, "smoke colour: brightness at least"),
      ConfigKey.integer("smokeMaxValue", 235, 0, 255, "smoke colour: brightness at most"),
      ConfigKey.integer("smokeMinDiff", 12, 1, 255, "a smoke pixel differs from the learnt background by at least this grey level"),
      ConfigKey.integer("smokeMinAreaPx", 400, 1, 10_000_000, "smallest smoke blob considered, pixels of the analysed frame"),
      ConfigKey.decimal("smokeEdgeRatio", 0.9, 0.05, 10, "smoke veils: edge energy inside a smoke blob at most this fraction of the background's there"),
      ConfigKey.decimal("smokeMaxTransmission", 0.85, 0.05, 1, "smoke veils (second test, either suffices): the background shows through with at most this contrast (regression slope of frame on background inside the blob)"),
      ConfigKey.decimal("smokeMinCorrelation", 0.3, -1, 1, "smoke is translucent: the blob still correlates with the background at least this much"),
      ConfigKey.decimal("smokePersistSeconds", 2.0, 0, 3600, "a smoke blob must hold this long before the alarm"),
      ConfigKey.integer("backgroundFrames", 10, 1, 10_000, "frames averaged into the smoke background before smoke is looked for"),
      ConfigKey.decimal("backgroundRate", 0.01, 0, 1, "per-frame weight of the current frame in the smoke background (where no smoke candidate is)"),
      ConfigKey.integer("analysisWidth", 320, 80, 4096, "frames wider than this are shrunk for analysis")));

  @Override
  public String id() { return ID; }

  @Override
  public ModelParams params() { return PARAMS; }

  @Override
  public boolean needsEveryFrame() { return true; }

  @Override
  public ModelSession open(CameraContext camera) {
    JsonObject p = camera.params();
    return new Session(camera, new ColourRules(p.getInteger("fireMaxHue"), p.getInteger("fireMinSaturation"), p.getInteger("fireMinValue"),
        p.getInteger("smokeMaxSaturation"), p.getInteger("smokeMinValue"), p.getInteger("smokeMaxValue")));
  }

  /** A session with another per-pixel stage (an ONNX segmenter, a test double); the session closes it. */
  public ModelSession open(CameraContext camera, FireSmokeClassifier classifier) {
    return new Session(camera, classifier);
  }

  static final class Session extends SceneSession {
    /** Share of the frame differing from the smoke background at once that is a global light change. */
    private static final double GLOBAL_CHANGE = 0.5;
    /** Longest gap in the smoke evidence that does not restart its persistence timer. */
    private static final long SMOKE_GRACE_MS = 500;
    private final FireSmokeClassifier classifier;
    private final int fireMinArea, smokeMinArea, smokeMinDiff, backgroundFrames, analysisWidth;
    private final double flickerMin, growthMin, minAgeMs, sustainMs, smokeEdgeRatio, smokeMaxT, smokeMinCorr, smokePersistMs, bgRate;
    private final Mat small = new Mat(), gray = new Mat(), fire = new Mat(), prevFire = new Mat(), xor = new Mat(), smoke = new Mat();
    private final Mat bg32 = new Mat(), bg8 = new Mat(), diff = new Mat(), changed = new Mat(), notSmoke = new Mat();
    private final Mat smooth = new Mat(), lap = new Mat(), edges = new Mat(), bgLap = new Mat(), bgEdges = new Mat(), corr = new Mat();
    private final Mat k3, k5;
    private final Size blur5 = new Size(5, 5);
    private final BlobTracker flames, plumes;
    private double scale = 1;
    private long frames;

    Session(CameraContext camera, FireSmokeClassifier classifier) {
      super(ID, camera);
      this.classifier = classifier;
      JsonObject p = camera.params();
      fireMinArea = p.getInteger("fireMinAreaPx");
      smokeMinArea = p.getInteger("smokeMinAreaPx");
      smokeMinDiff = p.getInteger("smokeMinDiff");
      backgroundFrames = p.getInteger("backgroundFrames");
      analysisWidth = p.getInteger("analysisWidth");
      flickerMin = p.getDouble("flickerMin");
      growthMin = p.getDouble("growthMin");
      minAgeMs = p.getDouble("minAgeSeconds") * 1000;
      sustainMs = p.getDouble("sustainSeconds") * 1000;
      smokeEdgeRatio = p.getDouble("smokeEdgeRatio");
      smokeMaxT = p.getDouble("smokeMaxTransmission");
      smokeMinCorr = p.getDouble("smokeMinCorrelation");
      smokePersistMs = p.getDouble("smokePersistSeconds") * 1000;
      bgRate = p.getDouble("backgroundRate");
      long windowMs = Math.round(p.getDouble("windowSeconds") * 1000);
      flames = new BlobTracker("fire.flames", 5, 32, windowMs);
      plumes = new BlobTracker("fire.smoke", 5, 32, windowMs);
      try (Size s3 = new Size(3, 3); Size s5 = new Size(5, 5)) {
        k3 = getStructuringElement(MORPH_ELLIPSE, s3);
        k5 = getStructuringElement(MORPH_ELLIPSE, s5);
      }
    }

    @Override
    protected FrameResult step(FrameView f) {
      scale = Cv.shrink(f.bgr(), small, analysisWidth);
      cvtColor(small, gray, COLOR_BGR2GRAY);
      classifier.classify(small, fire, smoke);
      List<Detection> dets = new ArrayList<>();
      List<Alarm> alarms = new ArrayList<>();
      fireStage(f, dets, alarms);
      smokeStage(f, dets, alarms);
      frames++;
      return new FrameResult(ID, f.index(), f.ptsMs(), dets.size(), dets, alarms, false);
    }

    private void fireStage(FrameView f, List<Detection> dets, List<Alarm> alarms) {
      morphologyEx(fire, fire, MORPH_CLOSE, k3);
      boolean hasPrev = !prevFire.empty();
      if (hasPrev) {
        bitwise_xor(fire, prevFire, xor);
        morphologyEx(xor, xor, MORPH_OPEN, k3); // one-pixel flips on a still outline are noise, not flicker
      }
      fire.copyTo(prevFire);
      int minArea = (int) Math.max(1, Math.ceil(fireMinArea * scale * scale));
      for (BlobTracker.Track t : flames.update(Cv.blobs(fire, minArea), f.ptsMs())) {
        Cv.Blob b = t.blob;
        double flicker = 0;
        if (hasPrev) {
          try (Rect r = new Rect(b.x(), b.y(), b.w(), b.h()); Mat roi = new Mat(xor, r)) {
            flicker = countNonZero(roi) / (double) b.area();
          }
        }
        t.score = t.areas.size() <= 1 ? flicker : 0.7 * t.score + 0.3 * flicker;
        boolean flickers = t.score >= flickerMin;
        if (!flickers) t.since = -1;
        else if (t.since < 0) t.since = f.ptsMs();
        double growth = t.growth();
        double age = f.ptsMs() - t.firstPts, flickering = t.since < 0 ? 0 : f.ptsMs() - t.since;
        boolean isFire = flickers && age >= minAgeMs && (growth >= growthMin || flickering >= sustainMs);
        double conf = isFire ? Cv.clamp01(0.55 + 0.25 * Math.min(1, t.score / (3 * flickerMin)) + 0.2 * Math.min(1, (growth - 1) / (growthMin - 1 + 1e-9)))
            : Cv.clamp01(0.2 * Math.min(1, t.score / flickerMin));
        dets.add(new Detection("fire", conf, b.box(1 / scale), "f" + t.id, null, new JsonObject()
            .put("flicker", r3(t.score)).put("growth", r3(growth)).put("areaPx", Math.round(b.area() / (scale * scale)))
            .put("confirmed", isFire).put("stage", classifier.name())));
        if (isFire) {
          alarms.add(new Alarm("fire", null, "f" + t.id, conf, String.format("flame-coloured region flickering %.0f %% per frame for %.1f s, grew x%.2f in %.1f s",
              t.score * 100, flickering / 1000, growth, windowSeconds(t))));
        }
      }
    }

    private void smokeStage(FrameView f, List<Detection> dets, List<Alarm> alarms) {
      gray.convertTo(diff, CV_32F);
      if (frames < backgroundFrames) {
        if (frames == 0) diff.copyTo(bg32);
        else accumulateWeighted(diff, bg32, 1.0 / (frames + 1));
        return;
      }
      bg32.convertTo(bg8, CV_8U);
      absdiff(gray, bg8, diff);
      threshold(diff, changed, smokeMinDiff - 0.5, 255, THRESH_BINARY);
      changed.convertTo(changed, CV_8U);
      if (countNonZero(changed) > GLOBAL_CHANGE * changed.total()) { // lights dimmed or switched: not smoke, re-learn
        gray.convertTo(bg32, CV_32F);
        dets.add(new Detection("illumination", 1, new com.softdew.vms.edge.ai.Box(0, 0, f.width(), f.height()), null, null,
            new JsonObject().put("reason", "most of the frame changed at once: smoke background re-learnt")));
        return;
      }
      bitwise_and(smoke, changed, smoke);
      morphologyEx(smoke, smoke, MORPH_OPEN, k3);
      morphologyEx(smoke, smoke, MORPH_CLOSE, k5);
      // edge energy of the smoothed pictures: the background is an average (noise-free), the frame is not
      GaussianBlur(gray, smooth, blur5, 0);
      Laplacian(smooth, lap, CV_16S);
      convertScaleAbs(lap, edges);
      GaussianBlur(bg8, smooth, blur5, 0);
      Laplacian(smooth, bgLap, CV_16S);
      convertScaleAbs(bgLap, bgEdges);
      int minArea = (int) Math.max(1, Math.ceil(smokeMinArea * scale * scale));
      for (BlobTracker.Track t : plumes.update(Cv.blobs(smoke, minArea), f.ptsMs())) {
        Cv.Blob b = t.blob;
        double edgeRatio, correlation, transmission;
        try (Rect r = new Rect(b.x(), b.y(), b.w(), b.h()); Mat e = new Mat(edges, r); Mat be = new Mat(bgEdges, r); Mat m = new Mat(smoke, r);
            Mat g = new Mat(gray, r); Mat bgr = new Mat(bg8, r)) {
          double cur = Cv.meanStd(e, m)[0], ref = Cv.meanStd(be, m)[0];
          edgeRatio = cur / Math.max(1, ref);
          matchTemplate(g, bgr, corr, TM_CCOEFF_NORMED);
          try (FloatIndexer i = corr.createIndexer()) {
            correlation = i.get(0, 0);
          }
          // translucency: frame = (1 - a) * background + a * smoke, so the regression slope of the frame on
          // the background inside the blob is about 1 - a (the smoke's own texture does not bias it)
          try (Mat g32 = new Mat(); Mat b32 = new Mat(); Mat prod = new Mat()) {
            g.convertTo(g32, CV_32F);
            bgr.convertTo(b32, CV_32F);
            multiply(g32, b32, prod);
            double[] sg = Cv.meanStd(g32, m), sb = Cv.meanStd(b32, m);
            double cov = Cv.meanStd(prod, m)[0] - sg[0] * sb[0];
            transmission = sb[1] < 2 ? Double.NaN : cov / (sb[1] * sb[1]); // a flat background cannot show it
          }
        }
        boolean veiled = edgeRatio <= smokeEdgeRatio || (transmission > 0.05 && transmission <= smokeMaxT);
        boolean veil = veiled && correlation >= smokeMinCorr && t.growth() >= 0.9;
        // the measures of a thin, moving plume hover around their thresholds: a gap shorter than SMOKE_GRACE_MS
        // does not restart the persistence timer
        if (veil) {
          if (t.since < 0) t.since = f.ptsMs();
          t.lastTrue = f.ptsMs();
        } else if (t.since >= 0 && f.ptsMs() - t.lastTrue > SMOKE_GRACE_MS) {
          t.since = -1;
        }
        double held = t.since < 0 ? 0 : f.ptsMs() - t.since;
        boolean isSmoke = t.since >= 0 && held >= smokePersistMs;
        double conf = isSmoke ? Cv.clamp01(0.5 + 0.3 * (1 - edgeRatio) + 0.2 * Math.min(1, t.growth() - 1)) : 0.2;
        dets.add(new Detection("smoke", conf, b.box(1 / scale), "s" + t.id, null, new JsonObject()
            .put("edgeRatio", r3(edgeRatio)).put("transmission", Double.isNaN(transmission) ? null : r3(transmission)).put("backgroundCorrelation", r3(correlation)).put("growth", r3(t.growth()))
            .put("areaPx", Math.round(b.area() / (scale * scale))).put("confirmed", isSmoke).put("stage", classifier.name())));
        if (isSmoke) {
          alarms.add(new Alarm("smoke", null, "s" + t.id, conf, String.format("greyish translucent region veiling the background (edges %.0f %%, shows through at %.0f %%, correlation %.2f) for %.1f s, grew x%.2f",
              edgeRatio * 100, transmission * 100, correlation, held / 1000, t.growth())));
        }
      }
      if (bgRate > 0) {
        bitwise_not(smoke, notSmoke);
        gray.convertTo(diff, CV_32F);
        accumulateWeighted(diff, bg32, bgRate, notSmoke);
      }
    }

    private static double windowSeconds(BlobTracker.Track t) {
      return t.areas.isEmpty() ? 0 : (t.lastPts - t.areas.peekFirst()[0]) / 1000.0;
    }

    private static double r3(double v) {
      return Math.round(v * 1000) / 1000.0;
    }

    @Override
    public void close() {
      for (Mat m : new Mat[] {small, gray, fire, prevFire, xor, smoke, bg32, bg8, diff, changed, notSmoke, smooth, lap, edges, bgLap, bgEdges, corr, k3, k5}) m.close();
      blur5.close();
      classifier.close();
    }
  }
}
