package com.softdew.vms.edge.ai.models.scene;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Zone;
import com.softdew.vms.edge.ai.scenes.ObjectScenes;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Prints ms/frame of each scene model on 640x480 on the calling thread (one thread, OpenCV's own
 * thread pool set to 1). A measurement, not a gate: skipped unless {@code -Dvms.bench=true}
 * (scripts/bench/scene-models.sh), and it asserts only that every frame got a result.
 */
@Tag("bench")
class SceneModelsBenchTest {
  @Test
  void msPerFrameAt640x480() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Boolean.getBoolean("vms.bench"), "benchmark: run with -Dvms.bench=true");
    int threads = org.bytedeco.opencv.global.opencv_core.getNumThreads();
    org.bytedeco.opencv.global.opencv_core.setNumThreads(1);
    try {
      measure();
    } finally {
      org.bytedeco.opencv.global.opencv_core.setNumThreads(threads);
    }
  }

  private void measure() {
    java.lang.management.ThreadMXBean tmx = java.lang.management.ManagementFactory.getThreadMXBean();
    long g0 = System.nanoTime();
    SyntheticClip clip = ObjectScenes.objectRemoved(11, 640, 480);
    double genMs = (System.nanoTime() - g0) / 1e6 / clip.frames().size();
    System.out.printf("scene generation 640x480: %.2f ms/frame%n", genMs);
    List<Zone> zones = clip.zones().stream().map(Zone::parse).toList();
    for (AnalyticsModel m : List.<AnalyticsModel>of(new MotionModel(), new TamperingModel(), new FireModel(), new MissingObjectModel())) {
      CameraContext ctx = new CameraContext("t", "bench", zones, m.params().defaults(), FrameGeometry.identity(640, 480), clip.fps());
      List<FrameView> views = clip.views();
      try (ModelSession s = m.open(ctx)) {
        s.analyze(views.subList(0, 10)); // warm-up: native load, JIT
        long t0 = System.nanoTime(), c0 = tmx.getCurrentThreadCpuTime();
        List<FrameResult> out = s.analyze(views.subList(10, views.size()));
        double ms = (System.nanoTime() - t0) / 1e6 / out.size();
        double cpu = (tmx.getCurrentThreadCpuTime() - c0) / 1e6 / out.size();
        assertEquals(views.size() - 10, out.size());
        System.out.printf("%-14s 640x480 one thread (OpenCV setNumThreads(1)): %.2f ms/frame CPU, %.2f ms/frame wall, over %d frames (grey/BGR conversion included); load average %.1f%n",
            m.id(), cpu, ms, out.size(), java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      } finally {
        views.forEach(FrameView::close);
      }
    }
  }
}
