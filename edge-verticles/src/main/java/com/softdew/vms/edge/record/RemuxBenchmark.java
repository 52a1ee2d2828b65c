package com.softdew.vms.edge.record;

import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Not a test, not in CI ({@code scripts/bench/remux.sh}): CPU of recording N simulated 1080p main streams by remux
 * ({@link MainStreamRecorder}) versus decoding the same streams (JavaCV grabFrame, one decoder thread per camera,
 * no conversion). CPU is the per-thread CPU time (ThreadMXBean, native time included) of the recording or decoding
 * threads only: the simulator serving the streams runs in the same JVM and is not counted.
 *
 * <p>Arguments: {@code [cameras=4] [seconds=20] [codec=h264|h265] [media-dir=sim-media]}.
 */
public final class RemuxBenchmark {
  private RemuxBenchmark() {}

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    Codec codec = Codec.parse(args.length > 2 ? args[2] : "h264");
    Path media = Path.of(args.length > 3 ? args[3] : "sim-media");
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Vertx vertx = Vertx.vertx();
    CameraSimulator sim = new CameraSimulator(vertx, media);
    Path data = Files.createTempDirectory("remux-bench");
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      List<CameraSimulator.Descriptor> cams = await(sim.start(n, codec, port));
      for (CameraSimulator.Descriptor d : cams) await(d.server().changeResolution(1920, 1080)); // new DESCRIBEs get 1080p

      // remux
      List<MainStreamRecorder> recs = new ArrayList<>();
      AtomicLong bytes = new AtomicLong();
      for (CameraSimulator.Descriptor d : cams) {
        recs.add(new MainStreamRecorder(null, new SimpleMeterRegistry(), new MainStreamRecorder.Options().tenantId("bench")
            .cameraId("cam" + d.index()).url(d.rtspMain()).credentials(d.user(), d.password()).dataDir(data)
            .segmentLength(Duration.ofSeconds(10)), s -> bytes.addAndGet(s.bytes())).start());
      }
      Thread.sleep(3000); // connect, first key frame
      long p0 = recs.stream().mapToLong(r -> r.stats().packetsWritten()).sum();
      long c0 = cpuOf(mx, "record-bench/");
      long t0 = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      long c1 = cpuOf(mx, "record-bench/");
      double wall = (System.nanoTime() - t0) / 1e9;
      long p1 = recs.stream().mapToLong(r -> r.stats().packetsWritten()).sum();
      for (MainStreamRecorder r : recs) r.close();
      double remuxPct = (c1 - c0) / 1e9 / wall * 100;
      System.out.printf("remux : %d x 1920x1080 %s, %.1f s, %d packets written (%.1f fps per camera), %d segment bytes, CPU %.2f %% of one core%n",
          n, codec, wall, p1 - p0, (p1 - p0) / wall / n, bytes.get(), remuxPct);

      // decode
      AtomicBoolean run = new AtomicBoolean(true);
      AtomicLong frames = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      for (CameraSimulator.Descriptor d : cams) {
        Thread t = new Thread(() -> decode(d, run, frames), "decode-bench/" + d.index());
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
      Thread.sleep(3000);
      long f0 = frames.get();
      long d0 = cpuOf(mx, "decode-bench/");
      t0 = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      long d1 = cpuOf(mx, "decode-bench/");
      wall = (System.nanoTime() - t0) / 1e9;
      long f1 = frames.get();
      run.set(false);
      for (Thread t : threads) t.join(10_000);
      double decodePct = (d1 - d0) / 1e9 / wall * 100;
      System.out.printf("decode: %d x 1920x1080 %s, %.1f s, %d frames decoded (%.1f fps per camera), 1 decoder thread each, CPU %.2f %% of one core%n",
          n, codec, wall, f1 - f0, (f1 - f0) / wall / n, decodePct);
      System.out.printf("ratio decode/remux CPU: %.1fx (remux %.2f %% vs decode %.2f %% of one core for %d cameras)%n",
          decodePct / Math.max(remuxPct, 1e-6), remuxPct, decodePct, n);
    } finally {
      await(sim.stop());
      await(vertx.close());
      try (var files = Files.walk(data)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void decode(CameraSimulator.Descriptor d, AtomicBoolean run, AtomicLong frames) {
    String url = d.rtspMain().replace("rtsp://", "rtsp://" + d.user() + ":" + d.password() + "@");
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(url)) {
      g.setFormat("rtsp");
      g.setOption("rtsp_transport", "tcp");
      g.setImageMode(FrameGrabber.ImageMode.RAW); // decoder output as is: no pixel conversion
      g.setVideoOption("threads", "1");
      g.start();
      while (run.get()) {
        Frame f = g.grabImage();
        if (f == null) break;
        frames.incrementAndGet();
      }
      g.stop();
    } catch (Exception e) {
      System.err.println("decode " + d.index() + ": " + e);
    }
  }

  /** Summed CPU time (ns) of the live threads whose name starts with the prefix. */
  private static long cpuOf(ThreadMXBean mx, String prefix) {
    long sum = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix)) {
        long c = mx.getThreadCpuTime(t.getId());
        if (c > 0) sum += c;
      }
    }
    return sum;
  }
}
