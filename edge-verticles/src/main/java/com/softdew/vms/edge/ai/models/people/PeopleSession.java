package com.softdew.vms.edge.ai.models.people;

import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Zone;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Common frame loop of the people models: reads the shared perception's tracked objects, labels each
 * with the zone of its foot point, and protects the model's timers from segment overlap. A frame whose
 * ptsMs is not after the last one analysed gets the result computed the first time (the last
 * {@value #CACHE} frames are kept) or, when that is gone, its detections without alarms; either way
 * {@link #step} is not called, so no timer or counter advances twice.
 */
abstract class PeopleSession implements ModelSession {
  static final int CACHE = 256;

  protected final String model;
  protected final CameraContext camera;
  private final Set<String> classes;
  private final double minConfidence;
  private long lastPts = Long.MIN_VALUE;
  private final LinkedHashMap<Long, FrameResult> done = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, FrameResult> e) {
      return size() > CACHE;
    }
  };

  PeopleSession(String model, CameraContext camera, Set<String> classes, double minConfidence) {
    this.model = model;
    this.camera = camera;
    this.classes = classes;
    this.minConfidence = minConfidence;
  }

  @Override
  public final List<FrameResult> analyze(List<FrameView> frames) {
    List<FrameResult> out = new ArrayList<>(frames.size());
    for (FrameView f : frames) {
      if (f.objects() == null) {
        throw new IllegalStateException(model + " reads the shared perception's objects, but frame " + f.index() + " of camera "
            + camera.cameraId() + " was not annotated (Perception.annotate must run first)");
      }
      List<Detection> objs = objects(f);
      FrameResult r;
      if (f.ptsMs() <= lastPts) {
        FrameResult cached = done.get(f.ptsMs());
        r = cached != null
            ? new FrameResult(model, f.index(), f.ptsMs(), cached.count(), cached.detections(), cached.alarms(), false)
            : FrameResult.of(model, f, objs, List.of());
      } else {
        r = step(f, objs);
        lastPts = f.ptsMs();
        done.put(f.ptsMs(), r);
      }
      out.add(r);
    }
    return out;
  }

  /** The frame's tracked objects of the model's classes and confidence, with their zone. */
  protected List<Detection> objects(FrameView f) {
    List<Detection> out = new ArrayList<>();
    for (Detection d : f.objects()) {
      if (d.trackId() == null || !classes.contains(d.objectClass()) || d.confidence() < minConfidence) continue;
      Zone z = camera.zoneAt(d.box().footX(), d.box().footY());
      out.add(z != null ? d.withZone(z.name()) : d);
    }
    return out;
  }

  /** One new frame (strictly after the previous one): update the state, report. */
  protected abstract FrameResult step(FrameView f, List<Detection> objects);

  protected static String seconds(double s) {
    return String.format(java.util.Locale.ROOT, "%.1f s", s);
  }
}
