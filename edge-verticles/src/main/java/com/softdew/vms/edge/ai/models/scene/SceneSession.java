package com.softdew.vms.edge.ai.models.scene;

import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelSession;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the four scene models' sessions share: frames strictly after the last one analysed advance the
 * per-camera state ({@link #step}); a frame seen again (segment overlap) gets the result it had the first
 * time from a bounded cache of recent results, so timers and background models never run twice. A
 * repeated frame older than the cache holds is returned as skipped, counted
 * ({@code vms.ai.scene.replay.miss}) and logged.
 */
abstract class SceneSession implements ModelSession {
  private static final Logger LOG = LoggerFactory.getLogger(SceneSession.class);
  /** 2 s of overlap at 30 fps, with margin. */
  static final int REPLAY_CACHE = 128;

  protected final String model;
  protected final CameraContext camera;
  private final Counter replayMiss;
  private long lastPts = Long.MIN_VALUE;
  private long misses;
  private final Map<Long, FrameResult> recent = new LinkedHashMap<>(REPLAY_CACHE * 2, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, FrameResult> e) {
      return size() > REPLAY_CACHE;
    }
  };

  SceneSession(String model, CameraContext camera) {
    this.model = model;
    this.camera = camera;
    this.replayMiss = Metrics.counter("vms.ai.scene.replay.miss", "model", model);
  }

  @Override
  public final List<FrameResult> analyze(List<FrameView> frames) {
    List<FrameResult> out = new ArrayList<>(frames.size());
    for (FrameView f : frames) {
      if (f.ptsMs() <= lastPts) {
        FrameResult seen = recent.get(f.ptsMs());
        if (seen != null) {
          out.add(new FrameResult(model, f.index(), f.ptsMs(), seen.count(), seen.detections(), seen.alarms(), seen.skipped()));
        } else {
          replayMiss.increment();
          if (misses++ % 100 == 0) {
            LOG.warn("{} tenant {} camera {}: frame {} at {} ms is older than the last analysed ({} ms) and not among the last {} results; skipped ({} so far)",
                model, camera.tenantId(), camera.cameraId(), f.index(), f.ptsMs(), lastPts, REPLAY_CACHE, misses);
          }
          out.add(FrameResult.skipped(model, f));
        }
        continue;
      }
      lastPts = f.ptsMs();
      FrameResult r = step(f);
      recent.put(f.ptsMs(), r);
      out.add(r);
    }
    return out;
  }

  /** Analyses a new frame and advances the camera's state. */
  protected abstract FrameResult step(FrameView f);

  /** Seconds between two capture times. */
  static double seconds(long fromMs, long toMs) {
    return (toMs - fromMs) / 1000.0;
  }
}
