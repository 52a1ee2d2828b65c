package com.softdew.vms.edge.bench;

import com.softdew.vms.edge.ingest.CameraIngestLoop;
import com.softdew.vms.edge.normalize.FrameNormalizer;
import com.softdew.vms.edge.normalize.NormalizedFrame;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Measures the ingest path for {@code scripts/bench/ingest.sh} (which runs the ffmpeg CLI baseline on
 * the same file). Modes:
 * <ul>
 *   <li>{@code decode FILE}: decode + normalise every frame of FILE to 640x480 RGB, one decoder thread,
 *       no frame dropped (target fps = source fps): prints {@code frames seconds fps};</li>
 *   <li>{@code cameras N SECONDS MEDIA_DIR [record]}: N simulated cameras (1080p main, 640x360 sub) in this JVM,
 *       with {@code record} each main stream also recorded by remux ({@code MainStreamRecorder}),
 *       N ingest loops on their sub streams at 15 fps; prints {@code cameras cpu_percent_of_one_core
 *       normalized_fps p99_latency_ms} (process CPU includes the simulator's RTP sending).</li>
 * </ul>
 */
public final class IngestBenchmark {
  private IngestBenchmark() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "decode" -> decode(args[1]);
      case "cameras" -> cameras(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Path.of(args[3]), args.length > 4 && "record".equals(args[4]));
      default -> throw new IllegalArgumentException("decode FILE | cameras N SECONDS MEDIA_DIR");
    }
    System.exit(0);
  }

  static void decode(String file) throws Exception {
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file)) {
      g.setImageMode(FrameGrabber.ImageMode.RAW);
      g.setVideoOption("threads", "1");
      g.start();
      double fps = g.getFrameRate();
      FrameNormalizer n = new FrameNormalizer("bench", "file", FrameNormalizer.Config.DEFAULT.withFps(fps));
      long frames = 0;
      long t0 = System.nanoTime();
      Frame f;
      while ((f = g.grabImage()) != null) {
        frames += n.accept(f, Instant.now(), "receive").size();
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf("RESULT %d %.3f %.1f%n", frames, secs, frames / secs);
      n.close();
    }
  }

  static void cameras(int count, int seconds, Path media, boolean record) throws Exception {
    Vertx vertx = Vertx.vertx();
    CameraSimulator sim = new CameraSimulator(vertx, media);
    List<CameraSimulator.Descriptor> cams = sim.start(count, Codec.H264, 19000).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    AtomicLong frames = new AtomicLong();
    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    List<CameraIngestLoop> loops = new ArrayList<>();
    for (CameraSimulator.Descriptor d : cams) {
      loops.add(new CameraIngestLoop(vertx, reg, new CameraIngestLoop.Options().tenantId("bench").cameraId("cam" + d.index())
          .url(d.rtspSub()).credentials(d.user(), d.password()), (NormalizedFrame f) -> {
            frames.incrementAndGet();
            latencies.add(java.time.Duration.between(f.captureTime(), Instant.now()).toMillis());
          }).start());
    }
    // with "record": each camera's 1080p main stream is also recorded by remux (no decode, no re-encode)
    List<com.softdew.vms.edge.record.MainStreamRecorder> recorders = new ArrayList<>();
    Path recDir = java.nio.file.Files.createTempDirectory("vms-bench-rec");
    AtomicLong recorded = new AtomicLong();
    if (record) {
      for (CameraSimulator.Descriptor d : cams) {
        recorders.add(new com.softdew.vms.edge.record.MainStreamRecorder(vertx, reg, new com.softdew.vms.edge.record.MainStreamRecorder.Options()
            .tenantId("bench").cameraId("cam" + d.index()).url(d.rtspMain()).credentials(d.user(), d.password()).dataDir(recDir)
            .segmentLength(java.time.Duration.ofSeconds(4)), seg -> recorded.addAndGet(seg.bytes())).start());
      }
    }
    // connect and first key frame: JavaCV opens one grabber at a time (a JVM-wide lock), so N loops plus
    // N recorders need about a second each; wait until every camera delivers frames (bounded)
    long warmDeadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(Math.max(8, 3L * count * (record ? 2 : 1)));
    Thread.sleep(4000);
    while (System.nanoTime() < warmDeadline) {
      long before = frames.get();
      Thread.sleep(1000);
      if (frames.get() - before >= count * 15L * 0.9) break;
    }
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long f0 = frames.get();
    latencies.clear();
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    double wall = (System.nanoTime() - t0) / 1e9;
    double cpuPct = (os.getProcessCpuTime() - cpu0) / 1e9 / wall * 100;
    long got = frames.get() - f0;
    List<Long> sorted = new ArrayList<>(latencies);
    sorted.sort(Long::compare);
    long p99 = sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99)));
    System.out.printf("RESULT %d %.1f %.1f %d %d%n", count, cpuPct, got / wall, p99, recorded.get());
    loops.forEach(CameraIngestLoop::close);
    recorders.forEach(com.softdew.vms.edge.record.MainStreamRecorder::close);
    sim.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
