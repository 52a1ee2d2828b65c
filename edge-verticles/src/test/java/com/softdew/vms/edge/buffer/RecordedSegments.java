package com.softdew.vms.edge.buffer;

import com.softdew.vms.edge.record.MainStreamRecorder;
import com.softdew.vms.edge.record.RecordingSegment;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import com.softdew.vms.sim.SimCameras;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real recorded segments for the sync tests: the camera simulator (H.264 1280x720, 15 fps, GOP 1 s) recorded
 * by {@link MainStreamRecorder} (remux, fragmented MP4) into 2 s segments, once per test JVM, under
 * {@code target/edge-sync-recordings}.
 */
final class RecordedSegments {
  static final Path DIR = Path.of("target", "edge-sync-recordings").toAbsolutePath();
  private static List<RecordingSegment> cached;

  private RecordedSegments() {}

  /** At least {@code n} closed segments of tenant t1, camera cam-sync (recorded on first use, ~2 s each). */
  static synchronized List<RecordingSegment> get(int n) throws Exception {
    if (cached != null && cached.size() >= n) return cached;
    Vertx vertx = Vertx.vertx(); // its own instance: the recorder publishes on the bus, the tests' sync must not see these
    CameraSimulator sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
    List<RecordingSegment> segs = Collections.synchronizedList(new ArrayList<>());
    Path data = DIR.resolve(Long.toString(System.currentTimeMillis()));
    try {
      CameraSimulator.Descriptor d = sim.start(1, Codec.H264, SimCameras.freePort()).map(l -> l.get(0)).toCompletionStage().toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
      MainStreamRecorder r = new MainStreamRecorder(null, new SimpleMeterRegistry(), new MainStreamRecorder.Options().tenantId("t1")
          .cameraId("cam-sync").url(d.rtspMain()).credentials(d.user(), d.password()).dataDir(data).segmentLength(Duration.ofSeconds(2)),
          segs::add).start();
      try {
        long t0 = System.nanoTime();
        while (segs.size() < n && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60)) Thread.sleep(100);
      } finally {
        r.close();
      }
      if (segs.size() < n) throw new IllegalStateException("recorded " + segs.size() + " segments of " + n + ": " + r.stats());
    } finally {
      sim.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    cached = List.copyOf(segs);
    return cached;
  }

  /**
   * A copy of a recorded segment under {@code dataDir}/recordings as if recorded by {@code tenant}/{@code camera}
   * at {@code start} (same content and checksum, its own file).
   */
  static RecordingSegment copy(RecordingSegment s, Path dataDir, String tenant, String camera, Instant start) throws IOException {
    Instant end = start.plus(Duration.between(s.start(), s.end()));
    Path f = dataDir.resolve("recordings").resolve(tenant).resolve(camera).resolve(CloudTier.DAY.format(start))
        .resolve(start.toEpochMilli() + ".mp4").toAbsolutePath();
    Files.createDirectories(f.getParent());
    Files.copy(s.path(), f, StandardCopyOption.REPLACE_EXISTING);
    return new RecordingSegment(tenant, camera, s.stream(), start, end, s.bytes(), s.codec(), s.resolution(), s.sha256(), f, s.source(),
        s.trigger(), s.eventType());
  }
}
