package com.softdew.vms.edge.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.normalize.FrameNormalizer;
import com.softdew.vms.edge.normalize.NormalizedFrame;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ingest loop against the RTSP camera simulator (1280x720 15 fps, RTCP sender reports every 2 s):
 * all codecs to 640x480 RGB at 15 fps, letterbox/crop pixels, the RTCP capture clock, drop/return,
 * stall, resolution change mid-stream. Measurements are printed ("measured ...").
 */
class CameraIngestLoopTest {
  static Vertx vertx;
  static CameraSimulator sim;
  static final List<JsonObject> statuses = Collections.synchronizedList(new ArrayList<>());

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
    vertx.eventBus().<JsonObject>consumer(Addresses.INGEST_CAMERA_STATUS, m -> statuses.add(m.body()));
  }

  @AfterAll
  static void tearDown() throws Exception {
    await(sim.stop());
    await(vertx.close());
  }

  static CameraSimulator.Descriptor camera(Codec codec) throws Exception {
    return await(com.softdew.vms.sim.SimCameras.one(sim, codec));
  }

  static CameraIngestLoop.Options options(CameraSimulator.Descriptor d, String camera) {
    return new CameraIngestLoop.Options().tenantId("t1").cameraId(camera).url(d.rtspMain()).credentials(d.user(), d.password());
  }

  static long waitFor(BooleanSupplier c, Duration max) throws InterruptedException {
    long t0 = System.nanoTime();
    while (!c.getAsBoolean()) {
      if (System.nanoTime() - t0 > max.toNanos()) return -1;
      Thread.sleep(20);
    }
    return (System.nanoTime() - t0) / 1_000_000;
  }

  static List<String> states(String camera) {
    synchronized (statuses) {
      return statuses.stream().filter(j -> j.getString("cameraId").equals(camera)).map(j -> j.getString("state")).toList();
    }
  }

  static int px(NormalizedFrame f, int x, int y, int c) {
    return f.rgb()[(y * f.width() + x) * 3 + c] & 0xff;
  }

  /** Fraction of pixels of row y that are not pure black. */
  static double lit(NormalizedFrame f, int y) {
    int n = 0;
    for (int x = 0; x < f.width(); x++) if (px(f, x, y, 0) + px(f, x, y, 1) + px(f, x, y, 2) > 0) n++;
    return (double) n / f.width();
  }

  @Test
  void allCodecsTo640x480At15FpsWithLetterboxCropAndRtcpClock() throws Exception {
    Map<String, CameraIngestLoop> loops = new java.util.LinkedHashMap<>();
    Map<String, AtomicLong> maxSkewMs = new ConcurrentHashMap<>();
    Map<String, AtomicLong> startupSkewMs = new ConcurrentHashMap<>();
    java.util.concurrent.atomic.AtomicBoolean measuring = new java.util.concurrent.atomic.AtomicBoolean();
    Map<String, String> threads = new ConcurrentHashMap<>();
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    try {
      for (Codec c : Codec.values()) {
        CameraSimulator.Descriptor d = camera(c);
        String cam = "codec-" + c.name().toLowerCase();
        maxSkewMs.put(cam, new AtomicLong());
        startupSkewMs.put(cam, new AtomicLong());
        CameraIngestLoop.Options o = options(d, cam);
        if (c == Codec.H264) o.hwaccel("auto");
        loops.put(cam, new CameraIngestLoop(vertx, reg, o, f -> {
          threads.put(cam, Thread.currentThread().getName());
          if (f.clock().equals("rtcp")) {
            long skew = Math.abs(Duration.between(f.captureTime(), Instant.now()).toMillis());
            (measuring.get() ? maxSkewMs : startupSkewMs).get(cam).accumulateAndGet(skew, Math::max);
          }
        }).start());
        if (c == Codec.H264) {
          loops.put("crop", new CameraIngestLoop(vertx, reg,
              options(d, "crop").normalize(FrameNormalizer.Config.DEFAULT.withFit(FrameNormalizer.Fit.CROP))).start());
        }
      }
      for (var e : loops.entrySet()) {
        long ms = waitFor(() -> e.getValue().ring().head() >= 0, Duration.ofSeconds(20));
        assertTrue(ms >= 0, e.getKey() + " delivers frames: " + e.getValue().stats());
      }
      Thread.sleep(500);
      Map<String, Long> h0 = new java.util.HashMap<>();
      loops.forEach((k, l) -> h0.put(k, l.ring().head()));
      long t0 = System.nanoTime();
      measuring.set(true);
      Thread.sleep(3000);
      measuring.set(false);
      double secs = (System.nanoTime() - t0) / 1e9;
      for (var e : loops.entrySet()) {
        CameraIngestLoop l = e.getValue();
        NormalizedFrame f = l.ring().latest();
        double fps = (f.seq() - h0.get(e.getKey())) / secs;
        CameraIngestLoop.Stats s = l.stats();
        System.out.printf("measured %s: codec %s %s, time to first frame after connect %d ms, normalized %.2f fps over %.1f s,"
            + " decoded %.1f fps (last s), clock %s, max |capture - now| %d ms in the window (%d ms during the first second), thread %s, decoder %s%n",
            e.getKey(), s.codec(), s.sourceSize(), s.lastTimeToFirstFrameMillis(), fps, secs, s.decodedFps(), l.clock(),
            maxSkewMs.getOrDefault(e.getKey(), new AtomicLong(-1)).get(), startupSkewMs.getOrDefault(e.getKey(), new AtomicLong(-1)).get(),
            threads.get(e.getKey()), s.decoder());
        assertEquals(640, f.width());
        assertEquals(480, f.height());
        assertEquals(640 * 480 * 3, f.rgb().length);
        assertTrue(Math.abs(fps - 15) <= 1, e.getKey() + ": 15 ± 1 fps, got " + fps);
        assertEquals(CameraIngestLoop.State.UP, l.state());
        assertEquals("rtcp", l.clock(), "the simulator sends RTCP sender reports");
        assertEquals("rtcp", f.clock());
        assertTrue(Math.abs(Duration.between(f.captureTime(), Instant.now()).toMillis()) < 1000, "capture time near wall clock");
        assertTrue(s.decoder().startsWith("software"), s.decoder());
      }
      for (var e : maxSkewMs.entrySet()) assertTrue(e.getValue().get() < 1000, e.getKey() + " skew " + e.getValue());
      for (String t : threads.values()) assertTrue(t.startsWith("ingest-t1/"), "own thread, not an event loop: " + t);

      // letterbox: 1280x720 (16:9) → 640x360 in rows 60..419
      NormalizedFrame lb = loops.get("codec-h264").ring().latest();
      for (int y = 0; y < 60; y++) assertEquals(0.0, lit(lb, y), "top bar row " + y);
      for (int y = 420; y < 480; y++) assertEquals(0.0, lit(lb, y), "bottom bar row " + y);
      double picture = 0;
      for (int y = 60; y < 420; y++) picture += lit(lb, y);
      picture /= 360;
      System.out.printf("measured letterbox: rows 60..419 %.0f%% non-black, row 60 %.0f%%, row 419 %.0f%%%n", picture * 100,
          lit(lb, 60) * 100, lit(lb, 419) * 100);
      assertTrue(picture > 0.5, "picture content between the bars: " + picture);
      assertTrue(lit(lb, 60) > 0.2 && lit(lb, 419) > 0.2, "the picture reaches the bars");
      // crop: the picture fills all 480 rows
      NormalizedFrame cr = loops.get("crop").ring().latest();
      for (int y : new int[] {0, 30, 59, 240, 420, 479}) assertTrue(lit(cr, y) > 0.5, "crop fills row " + y + ": " + lit(cr, y));
      assertTrue(reg.get("vms.ingest.latency").tag("camera", "codec-h264").timer().count() > 30);
      assertEquals(1.0, reg.get("vms.ingest.up").tag("camera", "codec-h265").gauge().value());
    } finally {
      loops.values().forEach(CameraIngestLoop::close);
    }
  }

  @Test
  void dropThenReturnPublishesDownThenUpAndStreamsAgainWithin5s() throws Exception {
    CameraSimulator.Descriptor d = camera(Codec.H264);
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    try (CameraIngestLoop l = new CameraIngestLoop(vertx, reg, options(d, "drop")).start()) {
      long up = waitFor(() -> l.ring().head() >= 0, Duration.ofSeconds(15));
      assertTrue(up >= 0);
      assertEquals(List.of("UP"), states("drop"));
      d.server().refuseConnections(true);
      long tDrop = System.nanoTime();
      await(d.server().dropStream());
      long down = waitFor(() -> states("drop").size() >= 2, Duration.ofSeconds(3));
      assertTrue(down >= 0, "DOWN published after the drop");
      Thread.sleep(Math.max(0, 2000 - (System.nanoTime() - tDrop) / 1_000_000));
      long headAtBack = l.ring().head();
      d.server().refuseConnections(false);
      long upAgain = waitFor(() -> l.state() == CameraIngestLoop.State.UP, Duration.ofSeconds(5));
      long flowing = waitFor(() -> l.ring().head() > headAtBack + 5, Duration.ofSeconds(5));
      CameraIngestLoop.Stats s = l.stats();
      System.out.printf("measured drop: DOWN published %d ms after dropStream; camera back → UP in %d ms, frames flowing (5 new) %d ms"
          + " later; DOWN→UP %d ms; time to first frame of the new session %d ms; sessions %d%n",
          down, upAgain, flowing, s.lastReconnectMillis(), s.lastTimeToFirstFrameMillis(), s.sessions());
      assertTrue(upAgain >= 0 && upAgain < 5000, "UP within 5 s of the camera being back");
      assertTrue(flowing >= 0, "frames flowing again");
      waitFor(() -> states("drop").size() >= 3, Duration.ofSeconds(2)); // bus delivery is asynchronous
      assertEquals(List.of("UP", "DOWN", "UP"), states("drop"), "each change published once");
      JsonObject downMsg = statuses.stream().filter(j -> j.getString("cameraId").equals("drop") && j.getString("state").equals("DOWN"))
          .findFirst().orElseThrow();
      assertEquals("t1", downMsg.getString("tenantId"));
      assertTrue(!downMsg.getString("reason").isBlank());
      Instant.parse(downMsg.getString("at"));
      assertEquals(1.0, reg.get("vms.ingest.drops").tag("camera", "drop").counter().count());
    }
  }

  @Test
  void stallIsDetectedAsDrop() throws Exception {
    CameraSimulator.Descriptor d = camera(Codec.H264);
    try (CameraIngestLoop l = new CameraIngestLoop(vertx, new SimpleMeterRegistry(), options(d, "stall")).start()) {
      assertTrue(waitFor(() -> l.state() == CameraIngestLoop.State.UP, Duration.ofSeconds(15)) >= 0);
      d.server().stall(Duration.ofSeconds(8));
      long down = waitFor(() -> l.state() == CameraIngestLoop.State.DOWN, Duration.ofSeconds(8));
      String reason = l.stats().reason();
      long upAgain = waitFor(() -> l.state() == CameraIngestLoop.State.UP, Duration.ofSeconds(12));
      waitFor(() -> states("stall").size() >= 3, Duration.ofSeconds(2)); // bus delivery is asynchronous
      System.out.printf("measured stall: DOWN %d ms after the stall began (%s); UP again %d ms after that (stall lasts 8 s)%n",
          down, reason, upAgain);
      assertTrue(down >= 4500 && down <= 6500, "DOWN within ~5-6 s: " + down);
      assertTrue(reason.contains("stall"), reason);
      assertTrue(upAgain >= 0, "streams again after the stall");
      assertEquals(List.of("UP", "DOWN", "UP"), states("stall"));
    }
  }

  @Test
  void resolutionChangeMidStreamKeeps640x480() throws Exception {
    CameraSimulator.Descriptor d = camera(Codec.H264);
    AtomicReference<String> bad = new AtomicReference<>();
    try (CameraIngestLoop l = new CameraIngestLoop(vertx, new SimpleMeterRegistry(), options(d, "resize"), f -> {
      if (f.width() != 640 || f.height() != 480) bad.set(f.width() + "x" + f.height());
    }).start()) {
      assertTrue(waitFor(() -> l.ring().head() >= 0, Duration.ofSeconds(15)) >= 0);
      assertEquals("1280x720", l.stats().sourceSize());
      assertEquals(0.0, lit(l.ring().latest(), 0), "16:9 letterboxed");
      await(d.server().changeResolution(640, 480));
      long seen = waitFor(() -> "640x480".equals(l.stats().sourceSize()), Duration.ofSeconds(5));
      long h = l.ring().head();
      Thread.sleep(1000);
      long perSecond = l.ring().head() - h;
      NormalizedFrame f = l.ring().latest();
      System.out.printf("measured resolution change: new size decoded %d ms after the switch, %d frames in the next second%n", seen, perSecond);
      assertTrue(seen >= 0, "decoder follows the in-band SPS: " + l.stats());
      assertTrue(perSecond >= 13, "still ~15 fps: " + perSecond);
      assertEquals(640, f.width());
      assertEquals(480, f.height());
      assertTrue(lit(f, 0) > 0.5 && lit(f, 479) > 0.5, "4:3 source fills the frame, no bars");
      assertEquals(null, bad.get());
      assertEquals(List.of("UP"), states("resize"), "no drop for a resolution change");
    }
  }
}
