package com.softdew.vms.edge.ai.perception;

import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.Perception;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared perception: per camera a {@link MotionGate} decides which frames the detector must see
 * (all of them when gating is off), the detector runs once over the selected frames of every camera of
 * the batch (one batched call), and a per-camera {@link IouTracker} turns detections into tracks; frames
 * the detector skipped get the tracks carried forward by prediction. Every frame of the batch ends up
 * with {@link FrameView#objects} set.
 *
 * <p>Thread-safe. Per camera state (gate, tracker) is kept for at most {@code maxCameras} cameras
 * (least recently used evicted, counted in {@code vms.ai.perception.cameras.evicted} and logged). Frames
 * of one camera must come in capture order; frames not after the camera's last pts (segment overlap)
 * never advance its tracker.
 *
 * <p>Metrics: {@code vms.ai.perception.frames{result=detected|gated|replayed}},
 * {@code vms.ai.perception.tracks.overflow}, {@code vms.ai.perception.cameras.evicted}.
 */
public final class DefaultPerception implements Perception {
  private static final Logger log = LoggerFactory.getLogger(DefaultPerception.class);

  /**
   * @param motionGating run the detector only on frames with motion (plus every {@code refreshMs})
   * @param refreshMs    longest time a camera goes without a detector run while gated (still people stay confirmed)
   * @param maxCameras   cameras whose state is kept (LRU)
   */
  public record Options(boolean motionGating, long refreshMs, int maxCameras, MotionGate.Options gate, IouTracker.Options tracker) {
    public Options {
      if (refreshMs < 0) throw new IllegalArgumentException("refreshMs must be >= 0");
      if (maxCameras < 1) throw new IllegalArgumentException("maxCameras must be >= 1");
      Objects.requireNonNull(gate, "gate");
      Objects.requireNonNull(tracker, "tracker");
    }

    public static Options defaults() {
      return new Options(true, 1000, 256, MotionGate.Options.defaults(), IouTracker.Options.defaults());
    }

    public Options withMotionGating(boolean on) {
      return new Options(on, refreshMs, maxCameras, gate, tracker);
    }

    public Options withTracker(IouTracker.Options t) {
      return new Options(motionGating, refreshMs, maxCameras, gate, t);
    }

    public Options withMaxCameras(int n) {
      return new Options(motionGating, refreshMs, n, gate, tracker);
    }
  }

  private static final class CameraState implements AutoCloseable {
    final MotionGate gate;
    final IouTracker tracker;
    long lastDetectPts = Long.MIN_VALUE;

    CameraState(Options o, Runnable overflow) {
      gate = new MotionGate(o.gate());
      tracker = new IouTracker(o.tracker(), overflow);
    }

    @Override
    public synchronized void close() {
      gate.close();
    }
  }

  private enum Plan { DETECT, COAST, REPLAY }

  private final ObjectDetector detector;
  private final Options options;
  private final Map<String, CameraState> cameras;
  private final Counter detected, gated, replayed, overflow, evicted;

  public DefaultPerception(ObjectDetector detector) {
    this(detector, Options.defaults(), Metrics.globalRegistry);
  }

  public DefaultPerception(ObjectDetector detector, Options options, MeterRegistry registry) {
    this.detector = Objects.requireNonNull(detector, "detector");
    this.options = Objects.requireNonNull(options, "options");
    MeterRegistry r = registry != null ? registry : Metrics.globalRegistry;
    detected = Counter.builder("vms.ai.perception.frames").tag("result", "detected").register(r);
    gated = Counter.builder("vms.ai.perception.frames").tag("result", "gated").register(r);
    replayed = Counter.builder("vms.ai.perception.frames").tag("result", "replayed").register(r);
    overflow = Counter.builder("vms.ai.perception.tracks.overflow").description("detections not tracked: too many tracks").register(r);
    evicted = Counter.builder("vms.ai.perception.cameras.evicted").description("camera states dropped (LRU)").register(r);
    int max = options.maxCameras();
    cameras = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, CameraState> e) {
        if (size() <= max) return false;
        evicted.increment();
        log.warn("perception keeps at most {} cameras: forgetting the tracks of {}", max, e.getKey());
        e.getValue().close();
        return true;
      }
    };
  }

  public ObjectDetector detector() { return detector; }

  public Options options() { return options; }

  private CameraState state(CameraFrames cf) {
    String key = cf.camera().tenantId() + "/" + cf.camera().cameraId();
    synchronized (cameras) {
      return cameras.computeIfAbsent(key, k -> new CameraState(options, overflow::increment));
    }
  }

  @Override
  public void annotate(List<CameraFrames> batch) {
    // 1. per camera, in capture order: which frames the detector must see
    List<CameraState> states = new ArrayList<>(batch.size());
    List<List<Plan>> plans = new ArrayList<>(batch.size());
    List<FrameView> toDetect = new ArrayList<>();
    for (CameraFrames cf : batch) {
      CameraState s = state(cf);
      states.add(s);
      List<Plan> plan = new ArrayList<>(cf.frames().size());
      synchronized (s) {
        long last = s.tracker.lastPts();
        for (FrameView f : cf.frames()) {
          Plan p;
          if (f.objects() != null) p = null;
          else if (f.ptsMs() <= last) p = Plan.REPLAY;
          else if (!options.motionGating()) p = Plan.DETECT;
          else {
            boolean moved = s.gate.moved(f);
            boolean stale = s.lastDetectPts == Long.MIN_VALUE || f.ptsMs() - s.lastDetectPts >= options.refreshMs();
            p = moved || stale ? Plan.DETECT : Plan.COAST;
            if (p == Plan.DETECT) s.lastDetectPts = f.ptsMs();
          }
          if (p != null && f.ptsMs() > last) last = f.ptsMs();
          if (p == Plan.DETECT) toDetect.add(f);
          plan.add(p);
        }
      }
      plans.add(plan);
    }
    // 2. one detector call for the whole batch (outside the camera locks); replays need detections too
    // when they are too old to be cached, so they are detected lazily below
    Map<FrameView, List<Detection>> found = new java.util.IdentityHashMap<>();
    if (!toDetect.isEmpty()) {
      List<List<Detection>> res = detector.detect(toDetect);
      if (res.size() != toDetect.size()) {
        throw new IllegalStateException(detector.describe() + " returned " + res.size() + " results for " + toDetect.size() + " frames");
      }
      for (int i = 0; i < toDetect.size(); i++) found.put(toDetect.get(i), res.get(i));
    }
    // 3. per camera, in capture order: track
    for (int c = 0; c < batch.size(); c++) {
      CameraState s = states.get(c);
      List<FrameView> frames = batch.get(c).frames();
      List<Plan> plan = plans.get(c);
      synchronized (s) {
        for (int i = 0; i < frames.size(); i++) {
          FrameView f = frames.get(i);
          Plan p = plan.get(i);
          if (p == null) continue;
          List<Detection> objs;
          switch (p) {
            case DETECT -> {
              objs = s.tracker.update(found.get(f), f.ptsMs());
              detected.increment();
            }
            case COAST -> {
              if (s.tracker.hasTentative()) {
                // something new waits to be born: confirm it now rather than at the next refresh
                objs = s.tracker.update(detector.detect(List.of(f)).get(0), f.ptsMs());
                s.lastDetectPts = f.ptsMs();
                detected.increment();
              } else {
                objs = s.tracker.coast(f.ptsMs());
                gated.increment();
              }
            }
            default -> {
              objs = s.tracker.cached(f.ptsMs());
              // too old to be cached (rare: a long re-feed): detect, label with the current tracks, change nothing
              if (objs == null) objs = s.tracker.update(detector.detect(List.of(f)).get(0), f.ptsMs());
              replayed.increment();
            }
          }
          f.objects(objs);
        }
      }
    }
  }

  @Override
  public String describe() {
    return detector.describe() + (options.motionGating() ? " +motion-gate" : "") + " +iou-tracker";
  }

  /** Cameras with state. */
  public int cameraCount() {
    synchronized (cameras) {
      return cameras.size();
    }
  }

  @Override
  public void close() {
    synchronized (cameras) {
      cameras.values().forEach(CameraState::close);
      cameras.clear();
    }
    detector.close();
  }
}
