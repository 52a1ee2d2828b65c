package com.softdew.vms.edge.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hardware decode in the ingest loop against the RTSP simulator. This host has no GPU (no /dev/dri, no CUDA
 * driver, no Intel media driver): what is proven here is the pre-open hook and the software fallback with
 * its reason. {@link #decodesOnTheGpu()} needs a GPU host ({@code -Dgroups=gpu -Dvms.test.hwDecode=cuda}).
 */
class HwDecodeIngestTest {
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

  static long waitFor(BooleanSupplier c, Duration max) throws InterruptedException {
    long t0 = System.nanoTime();
    while (!c.getAsBoolean()) {
      if (System.nanoTime() - t0 > max.toNanos()) return -1;
      Thread.sleep(20);
    }
    return (System.nanoTime() - t0) / 1_000_000;
  }

  static List<JsonObject> statusesOf(String camera) {
    synchronized (statuses) {
      return statuses.stream().filter(j -> j.getString("cameraId").equals(camera)).toList();
    }
  }

  static double gauge(SimpleMeterRegistry reg, String camera, String decoder) {
    Gauge g = reg.find("vms.ingest.decoder").tag("camera", camera).tag("decoder", decoder).gauge();
    return g == null ? -1 : g.value();
  }

  /** The hook runs once per start on the allocated, not yet opened video context of the stream's codec. */
  @Test
  void preOpenHookSeesTheUnopenedContext() throws Exception {
    CameraSimulator.Descriptor d = camera(Codec.H265);
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger openAtHook = new AtomicInteger(-1), codecAtHook = new AtomicInteger(-1);
    AtomicReference<String> decoderAtHook = new AtomicReference<>();
    assertTrue(HwFrameGrabber.hookAvailable());
    CameraIngestLoop.Options o = new CameraIngestLoop.Options().tenantId("t1").cameraId("hook").url(d.rtspMain())
        .credentials(d.user(), d.password());
    String url = new CameraIngestLoop(vertx, new SimpleMeterRegistry(), o).urlWithCredentials();
    try (HwFrameGrabber g = new HwFrameGrabber(url, c -> {
      calls.incrementAndGet();
      openAtHook.set(avcodec.avcodec_is_open(c));
      codecAtHook.set(c.codec_id());
      decoderAtHook.set(c.codec().name().getString());
    })) {
      g.setFormat("rtsp");
      g.setOption("rtsp_transport", "tcp");
      g.setImageMode(FrameGrabber.ImageMode.RAW);
      g.setVideoOption("threads", "1"); // the options still reach avcodec_open2 through the hooked map
      g.start();
      Frame f = g.grabImage();
      assertNotNull(f);
      assertEquals(1, calls.get(), "once per start");
      assertEquals(0, openAtHook.get(), "not yet opened when the hook runs");
      assertEquals(avcodec.AV_CODEC_ID_HEVC, codecAtHook.get());
      assertEquals("hevc", decoderAtHook.get());
      assertEquals(1280, f.imageWidth);
      assertEquals(1, g.videoContext().thread_count(), "video options still reach avcodec_open2 through the hooked map");
      assertEquals(1, avcodec.avcodec_is_open(g.videoContext()));
      g.stop();
    }
  }

  /**
   * cuda and qsv on a host without GPU: the named decoder for the stream's codec is tried, fails to open, the
   * camera streams in software and its status says which decoder was tried and why; none probes nothing.
   */
  @Test
  void cudaAndQsvFallBackToSoftwareWithTheReasonAndNoneProbesNothing() throws Exception {
    int probesBefore = HwDecode.deviceProbes();
    CameraSimulator.Descriptor h264 = camera(Codec.H264);
    CameraSimulator.Descriptor mjpeg = camera(Codec.MJPEG);
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    Map<String, CameraIngestLoop> loops = new LinkedHashMap<>();
    Map<String, String> tried = Map.of("cuda-h264", "h264_cuvid", "qsv-h264", "h264_qsv", "cuda-mjpeg", "mjpeg_cuvid");
    try {
      loops.put("none-h264", new CameraIngestLoop(vertx, reg, opts(h264, "none-h264").hwaccel("none")).start());
      assertTrue(waitFor(() -> loops.get("none-h264").ring().head() >= 0, Duration.ofSeconds(20)) >= 0);
      assertEquals(probesBefore, HwDecode.deviceProbes(), "hwDecode none makes no device probe");
      loops.put("cuda-h264", new CameraIngestLoop(vertx, reg, opts(h264, "cuda-h264").hwaccel("cuda")).start());
      loops.put("qsv-h264", new CameraIngestLoop(vertx, reg, opts(h264, "qsv-h264").hwaccel("qsv")).start());
      loops.put("cuda-mjpeg", new CameraIngestLoop(vertx, reg, opts(mjpeg, "cuda-mjpeg").hwaccel("cuda")).start());
      for (var e : loops.entrySet()) {
        long ms = waitFor(() -> e.getValue().ring().head() >= 10, Duration.ofSeconds(30));
        assertTrue(ms >= 0, e.getKey() + " streams: " + e.getValue().stats());
      }
      waitFor(() -> loops.keySet().stream().allMatch(k -> !statusesOf(k).isEmpty()), Duration.ofSeconds(2));
      JsonObject none = statusesOf("none-h264").get(0);
      assertEquals("UP", none.getString("state"));
      assertEquals("software", none.getString("decoder"));
      assertEquals("hardware decode not requested", none.getString("decoderReason"));
      assertEquals(1.0, gauge(reg, "none-h264", "software"));
      for (var e : tried.entrySet()) {
        String cam = e.getKey(), decoder = e.getValue();
        CameraIngestLoop l = loops.get(cam);
        List<JsonObject> st = statusesOf(cam);
        System.out.printf("measured %s: status %s; time to first frame %d ms, sessions %d%n", cam, st, l.stats().lastTimeToFirstFrameMillis(),
            l.stats().sessions());
        assertEquals(List.of("UP"), st.stream().map(j -> j.getString("state")).toList(), "the fallback is no camera drop");
        JsonObject up = st.get(0);
        assertEquals("t1", up.getString("tenantId"));
        assertEquals("software", up.getString("decoder"));
        String why = up.getString("decoderReason");
        assertTrue(why.contains(decoder) && why.contains("software fallback"), why);
        assertTrue(why.contains("failed to open") || why.contains("no frame") || why.contains("failed while decoding"), why);
        assertEquals("software", l.decoder());
        assertEquals(why, l.decoderReason());
        assertEquals(1.0, gauge(reg, cam, "software"));
        assertEquals(0.0, gauge(reg, cam, decoder), "the hardware decoder tried is reported as not in use");
        // connect (codec learned) + connect with the hardware decoder + the software one
        assertEquals(3, l.stats().sessions(), l.stats().toString());
        long h = l.ring().head();
        assertTrue(waitFor(() -> l.ring().head() >= h + 15, Duration.ofSeconds(10)) >= 0, "keeps streaming in software: " + l.stats());
        assertEquals(640, l.ring().latest().width());
      }
      assertEquals("h264", loops.get("cuda-h264").measuredQuality().codec(), "codec, not decoder name");
    } finally {
      loops.values().forEach(CameraIngestLoop::close);
    }
  }

  /**
   * The frame path of hardware sessions (own packet loop on the grabber's decoder, AVFrame to the normaliser,
   * stream timestamps to the RTCP clock, compressed bytes to the bitrate), run here with the software decoder.
   */
  @Test
  void hardwarePacketLoopDeliversLikeGrabFrame() throws Exception {
    CameraSimulator.Descriptor d = camera(Codec.H264);
    CameraIngestLoop.Options o = opts(d, "packets");
    o.packetLoop = true;
    try (CameraIngestLoop l = new CameraIngestLoop(vertx, new SimpleMeterRegistry(), o).start()) {
      assertTrue(waitFor(() -> l.ring().head() >= 0, Duration.ofSeconds(20)) >= 0, l.stats().toString());
      assertEquals("packets-h264", l.decoder());
      assertTrue(waitFor(() -> l.measuredQuality().bitrate() > 0 && l.clock().equals("rtcp"), Duration.ofSeconds(10)) >= 0,
          "bitrate and RTCP clock: " + l.measuredQuality() + " " + l.clock());
      // (right after connect both paths see one timestamp gap of ~1 s, counted as lost: measure after it)
      long h0 = l.ring().head(), t0 = System.nanoTime(), lost0 = l.stats().lost();
      Thread.sleep(2000);
      double fps = (l.ring().head() - h0) / ((System.nanoTime() - t0) / 1e9);
      var q = l.measuredQuality();
      var f = l.ring().latest();
      System.out.printf("measured packet loop (software h264): %.2f fps normalised, %s, clock %s, capture-now %d ms, stats %s%n",
          fps, q, l.clock(), Duration.between(f.captureTime(), java.time.Instant.now()).toMillis(), l.stats());
      assertEquals(640, f.width());
      assertEquals(480, f.height());
      assertEquals("1280x720", q.resolution());
      assertEquals("h264", q.codec());
      assertTrue(q.bitrate() > 50_000, "compressed bytes counted: " + q.bitrate());
      assertTrue(Math.abs(Duration.between(f.captureTime(), java.time.Instant.now()).toMillis()) < 1000, "capture time from RTCP + pts");
      assertTrue(fps > 12 && fps < 18, "15 fps: " + fps);
      assertEquals(lost0, l.stats().lost(), "no timestamp gaps in steady state");
      assertEquals(List.of("UP"), statusesOf("packets").stream().map(j -> j.getString("state")).toList());
    }
  }

  /** On a GPU host: the configured hardware decoder really decodes (run with -Dgroups=gpu -Dvms.test.hwDecode=cuda|qsv|vaapi). */
  @Test
  @Tag("gpu")
  void decodesOnTheGpu() throws Exception {
    String hw = System.getProperty("vms.test.hwDecode", "cuda");
    CameraSimulator.Descriptor d = camera(Codec.H264);
    try (CameraIngestLoop l = new CameraIngestLoop(vertx, new SimpleMeterRegistry(), opts(d, "gpu").hwaccel(hw)).start()) {
      assertTrue(waitFor(() -> l.ring().head() >= 30, Duration.ofSeconds(30)) >= 0, l.stats().toString());
      System.out.printf("measured gpu %s: decoder %s (%s), %s%n", hw, l.decoder(), l.decoderReason(), l.stats());
      assertTrue(!l.decoder().equals("software"), l.decoderReason());
      assertEquals(640, l.ring().latest().width());
    }
  }

  static CameraIngestLoop.Options opts(CameraSimulator.Descriptor d, String camera) {
    return new CameraIngestLoop.Options().tenantId("t1").cameraId(camera).url(d.rtspMain()).credentials(d.user(), d.password());
  }
}
