package com.softdew.vms.edge.ai.models.people;

import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_imgproc.CC_STAT_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.CC_STAT_HEIGHT;
import static org.bytedeco.opencv.global.opencv_imgproc.CC_STAT_LEFT;
import static org.bytedeco.opencv.global.opencv_imgproc.CC_STAT_TOP;
import static org.bytedeco.opencv.global.opencv_imgproc.CC_STAT_WIDTH;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_CLOSE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_ELLIPSE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_OPEN;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.connectedComponentsWithStats;
import static org.bytedeco.opencv.global.opencv_imgproc.getStructuringElement;
import static org.bytedeco.opencv.global.opencv_imgproc.morphologyEx;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;
import static org.bytedeco.opencv.global.opencv_video.createBackgroundSubtractorMOG2;

import com.softdew.vms.edge.ai.Alarm;
import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.Zone;
import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelParams;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.platform.config.ConfigKey;
import io.vertx.core.json.JsonObject;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.indexer.IntIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_video.BackgroundSubtractorMOG2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fallen person: a tracked person seen upright (box aspect w/h below {@code uprightRatio}) on at least
 * {@code minUprightFrames} frames whose box then turns horizontal (w/h above {@code aspectRatio}) and
 * stays so for {@code minDownSeconds}. Alarm key: the track id; it lasts while the person stays down.
 * Standing up again (upright box) re-arms the track.
 *
 * <p>Pixel fallback (for detectors that only find upright people, like OpenCV's HOG, with which a fall
 * ends the track instead of turning its box): the session keeps an OpenCV MOG2 background model of the
 * downscaled grey frames. When a track that was upright on {@code minUprightFrames} frames disappears
 * away from the frame border, the background picture of a window around its last upright box (sideways
 * and downward by one box height) is kept as reference; for {@code lostSearchSeconds} every frame's
 * difference to it is searched for a connected blob wider than tall (w/h >= {@code aspectRatio}), of at
 * least {@code minBlobFraction} of the upright box area, at most {@code maxBlobLength} box heights long,
 * whose bottom is near the lost foot point. Found: the person is down there (detection "person" with
 * the lost track id, attributes pose=lying, source=foreground), followed frame by frame (unseen for
 * more than {@code missToleranceSeconds}: dropped); down for {@code minDownSeconds} → alarm. An upright
 * person detected over the spot (getting up), or the track coming back, cancels it.
 */
public final class FallenModel implements AnalyticsModel {
  public static final String ID = "fallen";

  private static final ModelParams PARAMS = new ModelParams(ID, List.of(
      ConfigKey.decimal("aspectRatio", 1.2, 0.5, 10, "box width/height above which a person is lying"),
      ConfigKey.decimal("uprightRatio", 0.8, 0.1, 2, "box width/height below which a person is upright"),
      ConfigKey.integer("minUprightFrames", 3, 1, 1000, "frames a track must have been upright before a fall counts"),
      ConfigKey.decimal("minDownSeconds", 2, 0, 3600, "seconds a person must stay down before the alarm"),
      ConfigKey.decimal("minConfidence", 0.3, 0, 1, "detections below are ignored"),
      ConfigKey.decimal("lostSearchSeconds", 3, 0, 60, "pixel fallback: seconds after an upright track is lost during which a lying body is searched near its last box"),
      ConfigKey.decimal("minBlobFraction", 0.3, 0.05, 5, "pixel fallback: smallest lying foreground blob, as a fraction of the last upright box area"),
      ConfigKey.decimal("maxBlobLength", 1.8, 0.5, 5, "pixel fallback: widest lying blob, in last upright box heights"),
      ConfigKey.decimal("missToleranceSeconds", 0.5, 0, 10, "pixel fallback: a person down may be unseen this long before it is dropped"),
      ConfigKey.integer("bgHistoryFrames", 300, 10, 10_000, "pixel fallback: frames of the MOG2 background model (fixed learning rate 1/history)"),
      ConfigKey.decimal("bgVarThreshold", 16, 1, 400, "pixel fallback: MOG2 squared Mahalanobis distance of a foreground pixel"),
      ConfigKey.integer("diffThreshold", 25, 1, 255, "pixel fallback: grey difference to the background snapshot taken when the track was lost that makes a pixel foreground"),
      ConfigKey.decimal("edgeMargin", 0.03, 0, 0.5, "pixel fallback: tracks lost with their last box within this fraction of the frame size from a border left the view (no search)"),
      ConfigKey.integer("analysisWidth", 320, 80, 4096, "pixel fallback: frames wider than this are shrunk for the background model"),
      ConfigKey.bool("pixelFallback", true, "search the foreground for a lying body when an upright track is lost (detectors that only find upright people, e.g. HOG)")));

  @Override
  public String id() { return ID; }

  @Override
  public ModelParams params() { return PARAMS; }

  @Override
  public boolean usesObjects() { return true; }

  @Override
  public ModelSession open(CameraContext camera) {
    return new Session(camera);
  }

  private static final Logger log = LoggerFactory.getLogger(FallenModel.class);
  /** Most people searched or followed by the pixel fallback at once per camera. */
  static final int MAX_CANDIDATES = 32;

  private static final class Pose {
    int uprightFrames;
    long downSince = -1;
    Box lastUpright;
  }

  /** A lost upright track searched for (and, once found, followed) on the foreground. */
  private static final class Candidate implements AutoCloseable {
    final String trackId;
    final Box upright; // last upright box, frame pixels
    final long lostPts;
    final Rect window; // analysis pixels
    final Mat reference; // background of the window when the track was lost
    long downSince = -1, lastFound = -1;
    Box down; // frame pixels
    double aspect;

    Candidate(String trackId, Box upright, long lostPts, Rect window, Mat reference) {
      this.trackId = trackId;
      this.upright = upright;
      this.lostPts = lostPts;
      this.window = window;
      this.reference = reference;
    }

    @Override
    public void close() {
      reference.close();
      window.close();
    }
  }

  private static final class Session extends PeopleSession {
    private final double lying, upright, minDownMs;
    private final int minUpright;
    private final TrackMemory<Pose> poses = new TrackMemory<>(ID, 1024, 30_000);
    // pixel fallback
    private final boolean fallback;
    private final double searchMs, minBlobFraction, maxBlobLength, missMs, learningRate, edgeMargin;
    private final int diffThreshold, analysisWidth;
    private final BackgroundSubtractorMOG2 mog;
    private final Mat small = new Mat(), fg = new Mat(), bg = new Mat();
    private final Mat open, close;
    private final Size blurSize = new Size(5, 5);
    private double scale = -1;
    private Set<String> previous = Set.of();
    private final Map<String, Candidate> candidates = new LinkedHashMap<>();
    private final Counter dropped;

    Session(CameraContext c) {
      super(ID, c, Set.of("person"), c.params().getDouble("minConfidence"));
      JsonObject p = c.params();
      lying = p.getDouble("aspectRatio");
      upright = p.getDouble("uprightRatio");
      minUpright = p.getInteger("minUprightFrames");
      minDownMs = p.getDouble("minDownSeconds") * 1000;
      fallback = p.getBoolean("pixelFallback");
      searchMs = p.getDouble("lostSearchSeconds") * 1000;
      minBlobFraction = p.getDouble("minBlobFraction");
      maxBlobLength = p.getDouble("maxBlobLength");
      missMs = p.getDouble("missToleranceSeconds") * 1000;
      learningRate = 1.0 / p.getInteger("bgHistoryFrames");
      edgeMargin = p.getDouble("edgeMargin");
      diffThreshold = p.getInteger("diffThreshold");
      analysisWidth = p.getInteger("analysisWidth");
      mog = fallback ? createBackgroundSubtractorMOG2(p.getInteger("bgHistoryFrames"), p.getDouble("bgVarThreshold"), false) : null;
      try (Size k3 = new Size(3, 3); Size k7 = new Size(7, 7)) {
        open = getStructuringElement(MORPH_ELLIPSE, k3);
        close = getStructuringElement(MORPH_ELLIPSE, k7);
      }
      dropped = Counter.builder("vms.ai.model.fallen.candidates.dropped").tag("model", ID).register(Metrics.globalRegistry);
    }

    @Override
    protected FrameResult step(FrameView f, List<Detection> objects) {
      List<Detection> out = new ArrayList<>();
      List<Alarm> alarms = new ArrayList<>();
      Set<String> present = new HashSet<>();
      for (Detection d : objects) {
        present.add(d.trackId());
        Pose p = poses.get(d.trackId(), f.ptsMs(), Pose::new);
        double ratio = d.box().h() > 0 ? d.box().w() / d.box().h() : 0;
        String state;
        if (ratio < upright) {
          p.uprightFrames++;
          p.downSince = -1;
          p.lastUpright = d.box();
          state = "upright";
        } else if (ratio > lying && p.uprightFrames >= minUpright) {
          if (p.downSince < 0) p.downSince = f.ptsMs();
          state = "down";
        } else {
          state = p.downSince >= 0 ? "down" : "unsure"; // between the thresholds: keep what it was
        }
        JsonObject attrs = new JsonObject().put("aspect", Math.round(ratio * 100) / 100.0).put("pose", state);
        if (p.downSince >= 0) {
          double downS = (f.ptsMs() - p.downSince) / 1000.0;
          attrs.put("downSeconds", Math.round(downS * 10) / 10.0);
          if (f.ptsMs() - p.downSince >= minDownMs) {
            double conf = Math.min(1, d.confidence() * Math.min(1, 0.5 + (ratio - lying) / lying));
            alarms.add(new Alarm(ID, d.zone(), d.trackId(), Math.max(0.05, conf), "person " + d.trackId() + " down (w/h "
                + String.format(Locale.ROOT, "%.2f", ratio) + ") for " + seconds(downS) + " >= " + seconds(minDownMs / 1000)));
          }
        }
        out.add(new Detection(d.objectClass(), d.confidence(), d.box(), d.trackId(), d.zone(), attrs));
      }
      if (fallback) fallback(f, objects, present, out, alarms);
      previous = present;
      poses.prune(f.ptsMs());
      return FrameResult.of(ID, f, out, alarms);
    }

    /** The pixel fallback on one new frame: background update, new lost tracks, search and follow. */
    private void fallback(FrameView f, List<Detection> objects, Set<String> present, List<Detection> out, List<Alarm> alarms) {
      boolean first = scale < 0;
      scale = shrink(f.gray(), small, analysisWidth);
      GaussianBlur(small, small, blurSize, 0);
      if (!first) {
        // tracks lost on this frame: searched from the background as it was before they went down
        for (String id : previous) {
          if (present.contains(id) || candidates.containsKey(id)) continue;
          Pose p = poses.peek(id);
          if (p == null || p.uprightFrames < minUpright || p.downSince >= 0 || p.lastUpright == null || nearEdge(p.lastUpright, f)) continue;
          startSearch(id, p.lastUpright, f);
        }
      }
      // the background learns after the snapshot, at a fixed rate (MOG2's default rate is fast while young)
      mog.apply(small, fg, first ? -1 : learningRate);
      for (Iterator<Candidate> it = candidates.values().iterator(); it.hasNext(); ) {
        Candidate c = it.next();
        String cancel = cancelled(c, objects, present);
        if (cancel == null) cancel = follow(c, f, out, alarms);
        if (cancel != null) {
          log.debug("{} camera {}: {} ({})", ID, camera.cameraId(), c.trackId, cancel);
          c.close();
          it.remove();
        }
      }
    }

    private void startSearch(String id, Box last, FrameView f) {
      if (candidates.size() >= MAX_CANDIDATES) {
        Iterator<Candidate> it = candidates.values().iterator();
        Candidate victim = it.next();
        it.remove();
        victim.close();
        dropped.increment();
        log.warn("{} camera {}: more than {} lost people searched at once, dropping {}", ID, camera.cameraId(), MAX_CANDIDATES, victim.trackId);
      }
      double h = last.h();
      int x0 = clamp((int) Math.floor((last.x() - h) * scale), small.cols()), x1 = clamp((int) Math.ceil((last.x() + last.w() + h) * scale), small.cols());
      int y0 = clamp((int) Math.floor(last.y() * scale), small.rows()), y1 = clamp((int) Math.ceil((last.footY() + h) * scale), small.rows());
      if (x1 - x0 < 3 || y1 - y0 < 3) return;
      mog.getBackgroundImage(bg);
      Rect window = new Rect(x0, y0, x1 - x0, y1 - y0);
      Mat reference;
      try (Mat roi = new Mat(bg, window)) {
        reference = roi.clone();
      }
      candidates.put(id, new Candidate(id, last, f.ptsMs(), window, reference));
    }

    /** Why the candidate ends because of the tracks on this frame, or null. */
    private String cancelled(Candidate c, List<Detection> objects, Set<String> present) {
      if (present.contains(c.trackId)) return "track is back";
      Box spot = c.down != null ? c.down : c.upright;
      for (Detection d : objects) {
        Box b = d.box();
        if (b.h() <= 0 || b.w() / b.h() >= upright) continue;
        double ix = Math.max(0, Math.min(b.x() + b.w(), spot.x() + spot.w()) - Math.max(b.x(), spot.x()));
        double iy = Math.max(0, Math.min(b.y() + b.h(), spot.y() + spot.h()) - Math.max(b.y(), spot.y()));
        if (ix * iy >= 0.3 * Math.min(b.area(), spot.area())) return "upright person " + d.trackId() + " over the spot";
      }
      return null;
    }

    /** Searches the candidate's window; reports it while down. Returns why it ends, or null. */
    private String follow(Candidate c, FrameView f, List<Detection> out, List<Alarm> alarms) {
      long now = f.ptsMs();
      Box found = search(c);
      if (found != null) {
        if (c.downSince < 0) c.downSince = now;
        c.lastFound = now;
        c.down = found;
        c.aspect = found.w() / found.h();
      } else if (c.downSince < 0) {
        return now - c.lostPts > searchMs ? "no lying body within " + seconds(searchMs / 1000) : null;
      } else if (now - c.lastFound > missMs) {
        return "lying body unseen for " + seconds((now - c.lastFound) / 1000.0);
      }
      Box b = c.down;
      Zone z = camera.zoneAt(b.footX(), b.footY());
      String zone = z == null ? null : z.name();
      double downS = (now - c.downSince) / 1000.0;
      JsonObject attrs = new JsonObject().put("aspect", Math.round(c.aspect * 100) / 100.0).put("pose", "lying").put("source", "foreground")
          .put("downSeconds", Math.round(downS * 10) / 10.0).put("seen", found != null);
      double conf = Math.max(0.05, Math.min(1, 0.5 + 0.5 * Math.min(1, (c.aspect - lying) / lying)));
      out.add(new Detection("person", conf, b, c.trackId, zone, attrs));
      if (now - c.downSince >= minDownMs) {
        alarms.add(new Alarm(ID, zone, c.trackId, conf, "person " + c.trackId + " lost by the detector, lying body on the foreground (w/h "
            + String.format(Locale.ROOT, "%.2f", c.aspect) + ") for " + seconds(downS) + " >= " + seconds(minDownMs / 1000)));
      }
      return null;
    }

    /** The largest lying blob of the window's difference to its reference, in frame pixels, or null. */
    private Box search(Candidate c) {
      Box up = c.upright;
      double s2 = scale * scale;
      double minArea = minBlobFraction * up.area() * s2;
      double maxLen = maxBlobLength * up.h() * scale;
      double footY = up.footY() * scale, tol = 0.5 * up.h() * scale;
      Box best = null;
      int bestArea = 0;
      try (Mat roi = new Mat(small, c.window); Mat diff = new Mat(); Mat mask = new Mat();
          Mat labels = new Mat(); Mat stats = new Mat(); Mat centroids = new Mat()) {
        absdiff(roi, c.reference, diff);
        threshold(diff, mask, diffThreshold, 255, THRESH_BINARY);
        morphologyEx(mask, mask, MORPH_OPEN, open);
        morphologyEx(mask, mask, MORPH_CLOSE, close);
        int n = connectedComponentsWithStats(mask, labels, stats, centroids, 8, org.bytedeco.opencv.global.opencv_core.CV_32S);
        try (IntIndexer st = stats.createIndexer()) {
          for (int i = 1; i < n; i++) {
            int area = st.get(i, CC_STAT_AREA), w = st.get(i, CC_STAT_WIDTH), h = st.get(i, CC_STAT_HEIGHT);
            int x = st.get(i, CC_STAT_LEFT) + c.window.x(), y = st.get(i, CC_STAT_TOP) + c.window.y();
            if (area < minArea || h <= 0 || (double) w / h < lying || w > maxLen) continue;
            if (Math.abs(y + h - footY) > tol) continue; // its bottom must be near where the feet were
            if (area > bestArea) {
              bestArea = area;
              best = new Box(x / scale, y / scale, w / scale, h / scale);
            }
          }
        }
      }
      return best;
    }

    private boolean nearEdge(Box b, FrameView f) {
      double mx = edgeMargin * f.width(), my = edgeMargin * f.height();
      return b.x() <= mx || b.y() <= my || b.x() + b.w() >= f.width() - mx || b.y() + b.h() >= f.height() - my;
    }

    private static int clamp(int v, int max) {
      return Math.max(0, Math.min(max, v));
    }

    /** {@code src} shrunk (INTER_AREA) to at most {@code maxWidth} wide into {@code dst}; the scale applied. */
    private static double shrink(Mat src, Mat dst, int maxWidth) {
      if (src.cols() <= maxWidth) {
        src.copyTo(dst);
        return 1;
      }
      double s = (double) maxWidth / src.cols();
      try (Size size = new Size(maxWidth, (int) Math.round(src.rows() * s))) {
        resize(src, dst, size, 0, 0, INTER_AREA);
      }
      return s;
    }

    @Override
    public void close() {
      candidates.values().forEach(Candidate::close);
      candidates.clear();
      if (mog != null) mog.close();
      small.close();
      fg.close();
      bg.close();
      open.close();
      close.close();
      blurSize.close();
    }
  }
}
