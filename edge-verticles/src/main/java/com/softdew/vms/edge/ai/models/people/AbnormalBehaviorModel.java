package com.softdew.vms.edge.ai.models.people;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_video.calcOpticalFlowFarneback;

import com.softdew.vms.edge.ai.Alarm;
import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelParams;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.platform.config.ConfigKey;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Abnormal behaviour from the shared tracks, three kinds (alarm key = the kind, one alarm per kind per
 * frame naming the tracks):
 * <ul>
 *   <li><b>running</b>: a track's foot point moves faster than {@code runSpeed} box-heights per second
 *       (measured over the last second; walking is ~0.5-0.9, running 1.5-3) for {@code runSeconds};
 *   <li><b>loitering</b>: a track present for {@code loiterSeconds} whose foot point stayed, over that
 *       time, within a square of area below {@code loiterArea} box-heights² (4 = a square 2 box-heights wide);
 *   <li><b>fighting</b>: two or more people closer than {@code fightDistance} box-heights (centre to
 *       centre) whose union box (upper 60 %: heads, arms, torsos; legs move in plain walking too) shows motion their tracks do not explain: the Farneback optical flow
 *       (OpenCV) between the previous and this frame, of the pixels that move, minus the pair's tracked
 *       velocity (walking together moves with the boxes), averaged over the box, above {@code fightEnergy}
 *       box-heights per second on average over the last {@code fightSeconds}.
 * </ul>
 * Speeds are relative to the person's box height, so they hold at any distance from the camera.
 */
public final class AbnormalBehaviorModel implements AnalyticsModel {
  public static final String ID = "abnormalBehavior";
  public static final String RUNNING = "running", LOITERING = "loitering", FIGHTING = "fighting";

  private static final ModelParams PARAMS = new ModelParams(ID, List.of(
      ConfigKey.decimal("runSpeed", 1.5, 0.1, 50, "box-heights per second above which a person runs"),
      ConfigKey.decimal("runSeconds", 0.5, 0, 60, "seconds of running before the alarm"),
      ConfigKey.decimal("loiterSeconds", 30, 1, 86_400, "seconds a person must stay to loiter"),
      ConfigKey.decimal("loiterArea", 4, 0.01, 10_000, "largest square (box-heights²) the foot point may wander in while loitering"),
      ConfigKey.decimal("fightDistance", 1.0, 0.1, 10, "centre distance (box-heights) under which two people are close"),
      ConfigKey.decimal("fightEnergy", 0.2, 0.01, 100, "mean fight-like motion energy (box-heights per second) over fightSeconds"),
      ConfigKey.decimal("fightSeconds", 1.0, 0, 60, "window over which the fight energy is averaged"),
      ConfigKey.decimal("minConfidence", 0.3, 0, 1, "detections below are ignored")));

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

  /** Foot point and box height at one instant. */
  private record Sample(long pts, double x, double y, double h) {}

  private static final class History {
    static final int MAX = 4096;
    final Deque<Sample> samples = new ArrayDeque<>();
    long firstPts = -1;
    long runningSince = -1;

    void add(Sample s, long keepMs) {
      if (firstPts < 0) firstPts = s.pts();
      samples.addLast(s);
      while (samples.size() > MAX || s.pts() - samples.peekFirst().pts() > keepMs) samples.removeFirst();
    }

    /** Foot speed in box-heights per second over the last {@code windowMs}, or -1 when too short. */
    double speed(long windowMs) {
      Sample last = samples.peekLast();
      Sample first = null;
      double hSum = 0;
      int n = 0;
      for (var it = samples.descendingIterator(); it.hasNext(); ) {
        Sample s = it.next();
        if (last.pts() - s.pts() > windowMs) break;
        first = s;
        hSum += s.h();
        n++;
      }
      if (first == null || last.pts() - first.pts() < windowMs * 0.4) return -1;
      double dist = Math.hypot(last.x() - first.x(), last.y() - first.y());
      return dist / (hSum / n) / ((last.pts() - first.pts()) / 1000.0);
    }

    /** Area (box-heights²) of the smallest square holding the foot points of the last {@code windowMs}. */
    double area(long windowMs) {
      Sample last = samples.peekLast();
      double x0 = Double.MAX_VALUE, y0 = Double.MAX_VALUE, x1 = -Double.MAX_VALUE, y1 = -Double.MAX_VALUE, hSum = 0;
      int n = 0;
      for (Sample s : samples) {
        if (last.pts() - s.pts() > windowMs) continue;
        x0 = Math.min(x0, s.x()); y0 = Math.min(y0, s.y()); x1 = Math.max(x1, s.x()); y1 = Math.max(y1, s.y());
        hSum += s.h();
        n++;
      }
      double h = hSum / n;
      double side = Math.max(x1 - x0, y1 - y0);
      return side * side / (h * h);
    }
  }

  private static final class Session extends PeopleSession {
    private final double runSpeed, runMs, loiterMs, loiterArea, fightDistance, fightEnergy, fightMs;
    private final TrackMemory<History> histories = new TrackMemory<>(ID, 1024, 10_000);
    private Mat prevGray;
    private long prevPts = Long.MIN_VALUE;
    private final Deque<double[]> fightSamples = new ArrayDeque<>(); // [pts, energy] of the last fightSeconds

    Session(CameraContext c) {
      super(ID, c, Set.of("person"), c.params().getDouble("minConfidence"));
      JsonObject p = c.params();
      runSpeed = p.getDouble("runSpeed");
      runMs = p.getDouble("runSeconds") * 1000;
      loiterMs = p.getDouble("loiterSeconds") * 1000;
      loiterArea = p.getDouble("loiterArea");
      fightDistance = p.getDouble("fightDistance");
      fightEnergy = p.getDouble("fightEnergy");
      fightMs = p.getDouble("fightSeconds") * 1000;
    }

    @Override
    protected FrameResult step(FrameView f, List<Detection> objects) {
      long now = f.ptsMs();
      long keepMs = (long) Math.max(loiterMs, 2000);
      List<String> running = new ArrayList<>(), loitering = new ArrayList<>();
      Map<String, JsonObject> attrs = new LinkedHashMap<>();
      double runConf = 0;
      for (Detection d : objects) {
        History h = histories.get(d.trackId(), now, History::new);
        h.add(new Sample(now, d.box().footX(), d.box().footY(), Math.max(1, d.box().h())), keepMs);
        JsonObject a = new JsonObject();
        double v = h.speed(1000);
        if (v >= 0) a.put("speed", Math.round(v * 100) / 100.0);
        if (v > runSpeed) {
          if (h.runningSince < 0) h.runningSince = now;
          if (now - h.runningSince >= runMs) {
            running.add(d.trackId());
            runConf = Math.max(runConf, Math.min(1, 0.5 + 0.5 * (v / runSpeed - 1)));
          }
        } else if (v >= 0) {
          h.runningSince = -1;
        }
        if (now - h.firstPts >= loiterMs) {
          double area = h.area((long) loiterMs);
          a.put("presentSeconds", Math.round((now - h.firstPts) / 100.0) / 10.0).put("area", Math.round(area * 100) / 100.0);
          if (area < loiterArea) loitering.add(d.trackId());
        }
        attrs.put(d.trackId(), a);
      }
      histories.prune(now);

      List<Alarm> alarms = new ArrayList<>();
      if (!running.isEmpty()) {
        alarms.add(new Alarm(ID, null, RUNNING, runConf, "running: " + String.join(", ", running) + " faster than "
            + runSpeed + " box-heights/s for " + seconds(runMs / 1000)));
      }
      if (!loitering.isEmpty()) {
        alarms.add(new Alarm(ID, null, LOITERING, 0.7, "loitering: " + String.join(", ", loitering) + " present > "
            + seconds(loiterMs / 1000) + " within " + loiterArea + " box-heights²"));
      }
      fight(f, objects, attrs, alarms);

      List<Detection> out = new ArrayList<>();
      for (Detection d : objects) {
        out.add(new Detection(d.objectClass(), d.confidence(), d.box(), d.trackId(), d.zone(), attrs.get(d.trackId())));
      }
      return FrameResult.of(ID, f, out, alarms);
    }

    private void fight(FrameView f, List<Detection> people, Map<String, JsonObject> attrs, List<Alarm> alarms) {
      long now = f.ptsMs();
      double best = 0;
      String pair = null;
      if (prevGray != null && prevGray.cols() == f.width() && prevGray.rows() == f.height() && now - prevPts <= 500) {
        for (int i = 0; i < people.size(); i++) {
          for (int j = i + 1; j < people.size(); j++) {
            Box a = people.get(i).box(), b = people.get(j).box();
            double h = (a.h() + b.h()) / 2;
            if (Math.hypot(a.cx() - b.cx(), a.cy() - b.cy()) > fightDistance * h) continue;
            JsonObject va = people.get(i).attributes(), vb = people.get(j).attributes();
            double ex = (va.getDouble("vx", 0.0) + vb.getDouble("vx", 0.0)) / 2, ey = (va.getDouble("vy", 0.0) + vb.getDouble("vy", 0.0)) / 2;
            double e = residualFlow(prevGray, f.gray(), union(a, b, f.width(), f.height()), h, (now - prevPts) / 1000.0, ex, ey);
            attrs.get(people.get(i).trackId()).put("fightEnergy", Math.round(e * 100) / 100.0);
            attrs.get(people.get(j).trackId()).put("fightEnergy", Math.round(e * 100) / 100.0);
            if (e > best) {
              best = e;
              pair = people.get(i).trackId() + " and " + people.get(j).trackId();
            }
          }
        }
      }
      // the energy flickers frame to frame (a punch, a pause): average it over the last fightSeconds
      if (prevGray != null) fightSamples.addLast(new double[] {now, best});
      while (!fightSamples.isEmpty() && (now - fightSamples.peekFirst()[0] > fightMs || fightSamples.size() > 4096)) fightSamples.removeFirst();
      double sum = 0;
      for (double[] e : fightSamples) sum += e[1];
      double avg = fightSamples.isEmpty() ? 0 : sum / fightSamples.size();
      boolean covered = !fightSamples.isEmpty() && now - fightSamples.peekFirst()[0] >= fightMs * 0.8;
      if (pair != null && covered && avg > fightEnergy) {
        alarms.add(new Alarm(ID, null, FIGHTING, Math.min(1, 0.5 + 0.5 * (avg / fightEnergy - 1)), String.format(Locale.ROOT,
            "fight-like motion: %s close together, motion energy %.2f box-heights/s > %.2f over %s", pair, avg, fightEnergy,
            seconds(fightMs / 1000))));
      }
      if (prevGray == null) prevGray = new Mat();
      f.gray().copyTo(prevGray);
      prevPts = now;
    }

    /** Upper 60 % of the union of the two boxes: heads, arms, torsos (legs move in plain walking too). */
    private static Rect union(Box a, Box b, int w, int h) {
      double x0 = Math.min(a.x(), b.x()), y0 = Math.min(a.y(), b.y());
      double x1 = Math.max(a.x() + a.w(), b.x() + b.w()), y1 = y0 + 0.6 * (Math.max(a.y() + a.h(), b.y() + b.h()) - y0);
      int ix0 = (int) Math.max(0, Math.floor(x0)), iy0 = (int) Math.max(0, Math.floor(y0));
      int ix1 = (int) Math.min(w, Math.ceil(x1)), iy1 = (int) Math.min(h, Math.ceil(y1));
      return new Rect(ix0, iy0, Math.max(1, ix1 - ix0), Math.max(1, iy1 - iy0));
    }

    /**
     * Fight-like motion energy inside {@code roi}, in box-heights per second: the Farneback optical flow
     * (OpenCV) of the pixels that move, minus the motion the tracker expects of the pair ({@code ex, ey}
     * px/s: people walking together move with their boxes), summed and divided by the ROI's pixel count.
     * Static background contributes nothing; limbs and bodies moving against their tracks do. The ROI is
     * downscaled to at most 96 px high first (cost; the flow window then spans a limb).
     */
    static double residualFlow(Mat prev, Mat cur, Rect roi, double boxH, double dtSeconds, double ex, double ey) {
      double s = Math.min(1.0, 96.0 / roi.height());
      int w = Math.max(8, (int) Math.round(roi.width() * s)), h = Math.max(8, (int) Math.round(roi.height() * s));
      try (roi; Mat p0 = new Mat(prev, roi); Mat c0 = new Mat(cur, roi); Mat p = new Mat(); Mat c = new Mat(); Size size = new Size(w, h);
          Mat flow = new Mat()) {
        resize(p0, p, size, 0, 0, INTER_AREA);
        resize(c0, c, size, 0, 0, INTER_AREA);
        calcOpticalFlowFarneback(p, c, flow, 0.5, 2, 9, 3, 5, 1.1, 0);
        float[] v = new float[w * h * 2];
        try (FloatPointer data = new FloatPointer(flow.data())) {
          data.get(v);
        }
        double dt = Math.max(1e-3, dtSeconds);
        double mx = ex * dt * s, my = ey * dt * s; // expected px per frame at scale s
        double still = Math.max(0.3, 0.5 * Math.hypot(mx, my));
        int n = v.length / 2;
        double res = 0;
        for (int i = 0; i < v.length; i += 2) {
          if (Math.hypot(v[i], v[i + 1]) > still) res += Math.hypot(v[i] - mx, v[i + 1] - my);
        }
        // px per frame at scale s → px per second at full size → box-heights per second
        return res / n / s / dt / boxH;
      }
    }

    @Override
    public void close() {
      if (prevGray != null) prevGray.close();
      prevGray = null;
    }
  }
}
