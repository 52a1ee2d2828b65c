package com.softdew.vms.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated cameras against third-party clients: ffprobe/ffmpeg 5.1 (TCP and UDP, Basic and
 * Digest) and GStreamer's rtspsrc, plus a raw socket client for what those tools don't show (RTP
 * header fields, RTCP sender reports, faults, session timeout).
 *
 * <p>Needs the Debian packages {@code ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-good
 * gstreamer1.0-plugins-bad gstreamer1.0-libav}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RtspCameraServerTest {

  private static final Logger log = LoggerFactory.getLogger(RtspCameraServerTest.class);
  private static final Path MEDIA = Path.of("target", "sim-media");

  private Vertx vertx;
  private final Map<Codec, RtspCameraServer> cams = new EnumMap<>(Codec.class);
  /** H.264 camera with a 2 s session timeout and a small write queue, for the raw-client tests. */
  private RtspCameraServer shortTimeout;

  @BeforeAll
  void start() throws Exception {
    for (String tool : List.of("ffmpeg", "ffprobe", "gst-launch-1.0")) {
      assertTrue(onPath(tool), tool + " is missing: apt-get install -y ffmpeg gstreamer1.0-tools "
          + "gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav");
    }
    vertx = Vertx.vertx();
    List<Future<String>> deploying = new ArrayList<>();
    for (Codec c : Codec.values()) {
      RtspCameraServer s = new RtspCameraServer(new RtspCameraServer.Options()
          .codec(c).password("pw-" + c).serial("SIMTEST-" + c).mediaDir(MEDIA)
          // H.264 with Basic, the others with Digest
          .auth(c == Codec.H264 ? RtspCameraServer.AuthMode.BASIC
              : RtspCameraServer.AuthMode.DIGEST));
      cams.put(c, s);
      deploying.add(vertx.deployVerticle(s));
    }
    shortTimeout = new RtspCameraServer(new RtspCameraServer.Options()
        .codec(Codec.H264).subCodec(Codec.MJPEG).password("pw").mediaDir(MEDIA)
        .auth(RtspCameraServer.AuthMode.BASIC).sessionTimeout(Duration.ofSeconds(2))
        .writeQueueBytes(64 * 1024).sendBufferBytes(64 * 1024));
    deploying.add(vertx.deployVerticle(shortTimeout));
    await(Future.all(deploying));
  }

  @AfterAll
  void stop() throws Exception {
    if (vertx != null) await(vertx.close());
  }

  // ------------------------------------------------------------------------------- third parties

  @ParameterizedTest
  @EnumSource(Codec.class)
  void ffprobeAndFfmpegDecodeOverTcpAndUdp(Codec codec) throws Exception {
    RtspCameraServer cam = cams.get(codec);
    String main = withCredentials(cam.url("main"), cam.user(), cam.password());
    String sub = withCredentials(cam.url("sub"), cam.user(), cam.password());
    CompletableFuture<Result> probeMain = async(ffprobe("tcp", main));
    CompletableFuture<Result> probeSub = async(ffprobe("tcp", sub));
    CompletableFuture<Result> tcp = async(ffmpeg30("tcp", main));
    CompletableFuture<Result> udp = async(ffmpeg30("udp", main));

    assertStream(probeMain.get(), codec, 1280, 720);
    assertStream(probeSub.get(), codec, 640, 360);
    assertDecoded30(tcp.get(), codec + " tcp");
    assertDecoded30(udp.get(), codec + " udp");
    log.info("{}: ffprobe main {} ms, sub {} ms; ffmpeg 30 frames tcp {} ms, udp {} ms", codec,
        probeMain.get().millis, probeSub.get().millis, tcp.get().millis, udp.get().millis);
  }

  @Test
  void gstreamerRtspsrcDecodes() throws Exception {
    Map<Codec, CompletableFuture<Result>> runs = new EnumMap<>(Codec.class);
    for (Codec c : Codec.values()) {
      RtspCameraServer cam = cams.get(c);
      runs.put(c, async(List.of("gst-launch-1.0", "-q", "rtspsrc", "location=" + cam.url("main"),
          "user-id=" + cam.user(), "user-pw=" + cam.password(), "protocols=tcp", "!",
          "decodebin", "!", "fakesink", "num-buffers=30")));
    }
    for (Codec c : Codec.values()) {
      Result r = runs.get(c).get();
      assertEquals(0, r.exit, "gst-launch " + c + ": " + r.stderr + r.stdout);
      log.info("gst-launch rtspsrc {} tcp, 30 buffers: {} ms", c, r.millis);
    }
  }

  @Test
  void wrongPasswordGets401BasicAndDigest() throws Exception {
    CompletableFuture<Result> basic = async(ffprobe("tcp",
        withCredentials(cams.get(Codec.H264).url("main"), "admin", "wrong")));
    CompletableFuture<Result> digest = async(ffprobe("tcp",
        withCredentials(cams.get(Codec.H265).url("main"), "admin", "wrong")));
    for (Result r : List.of(basic.get(), digest.get())) {
      assertNotEquals(0, r.exit);
      assertTrue(r.stderr.contains("401"), r.stderr);
    }
  }

  @Test
  void passwordChangedAtRuntime() throws Exception {
    RtspCameraServer cam = cams.get(Codec.MJPEG);
    String old = cam.password();
    cam.setWrongPassword("new-secret");
    try {
      Result r = run(ffprobe("tcp", withCredentials(cam.url("sub"), cam.user(), old)));
      assertNotEquals(0, r.exit);
      assertTrue(r.stderr.contains("401"), r.stderr);
      assertStream(run(ffprobe("tcp", withCredentials(cam.url("sub"), cam.user(), "new-secret"))),
          Codec.MJPEG, 640, 360);
    } finally {
      cam.setPassword(old);
    }
  }

  @Test
  void dropStreamEndsFfmpeg() throws Exception {
    RtspCameraServer cam = cams.get(Codec.H264);
    Path out = Files.createTempFile("ffmpeg-progress", ".txt");
    Process p = new ProcessBuilder("ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp",
        "-i", withCredentials(cam.url("sub"), cam.user(), cam.password()), "-t", "40", "-f", "null",
        "-", "-nostats", "-progress", out.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (lastFrame(Files.readString(out)) < 5) {
        assertTrue(System.nanoTime() < deadline, "ffmpeg never got frames");
        Thread.sleep(100);
      }
      long t0 = System.nanoTime();
      await(cam.dropStream());
      assertTrue(p.waitFor(10, TimeUnit.SECONDS), "ffmpeg still running after dropStream");
      log.info("dropStream: ffmpeg ended after {} ms with exit {}",
          (System.nanoTime() - t0) / 1_000_000, p.exitValue());
    } finally {
      p.destroyForcibly();
      Files.deleteIfExists(out);
    }
  }

  @Test
  void threeInstancesAtOnce() throws Exception {
    int base = freeBase(3);
    CameraSimulator sim = new CameraSimulator(vertx, MEDIA);
    List<CameraSimulator.Descriptor> cams = await(sim.start(3, Codec.H264, base));
    try {
      assertEquals(3, cams.size());
      List<CompletableFuture<Result>> runs = new ArrayList<>();
      for (CameraSimulator.Descriptor d : cams) {
        assertEquals("camera " + d.index() + " rtsp-main=rtsp://127.0.0.1:" + (base + d.index())
            + "/main rtsp-sub=rtsp://127.0.0.1:" + (base + d.index()) + "/sub user=admin password=pass"
            + d.index(), d.line());
        assertTrue(d.with("onvif", "http://x").line().startsWith("camera " + d.index() + " onvif=http://x rtsp-main="), "onvif comes first, as the issue prints it");
        runs.add(async(ffprobe("tcp", withCredentials(d.rtspMain(), d.user(), d.password()))));
        runs.add(async(ffprobe("tcp", withCredentials(d.rtspSub(), d.user(), d.password()))));
      }
      for (int i = 0; i < runs.size(); i++) {
        assertStream(runs.get(i).get(), Codec.H264, i % 2 == 0 ? 1280 : 640, i % 2 == 0 ? 720 : 360);
      }
    } finally {
      await(sim.stop());
    }
  }

  // ------------------------------------------------------------------------------ raw client

  @Test
  void rtpHeadersAndRtcpSenderReportsOverTcp() throws Exception {
    RtspCameraServer cam = cams.get(Codec.H264);
    long t0 = System.nanoTime();
    try (RawClient c = new RawClient(cam.port(), 0)) {
      String url = cam.url("main");
      RawResponse opt = c.request("OPTIONS", url, Map.of());
      assertEquals(200, opt.status);
      assertTrue(opt.header("public").contains("GET_PARAMETER"));
      RawResponse unauth = c.request("DESCRIBE", url, Map.of());
      assertEquals(401, unauth.status);
      assertTrue(unauth.header("www-authenticate").startsWith("Basic realm="));
      c.auth = "Basic " + Base64.getEncoder().encodeToString(
          (cam.user() + ":" + cam.password()).getBytes(StandardCharsets.UTF_8));
      RawResponse sdp = c.request("DESCRIBE", url, Map.of("Accept", "application/sdp"));
      assertEquals(200, sdp.status);
      assertTrue(sdp.body.contains("a=rtpmap:96 H264/90000"), sdp.body);
      assertTrue(sdp.body.contains("sprop-parameter-sets="), sdp.body);
      RawResponse setup = c.request("SETUP", url + "/trackID=0",
          Map.of("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"));
      assertEquals(200, setup.status);
      assertTrue(setup.header("transport").contains("interleaved=0-1"));
      String session = setup.header("session").split(";")[0];
      assertTrue(setup.header("session").contains("timeout=60"));
      RawResponse play = c.request("PLAY", url, Map.of("Session", session));
      assertEquals(200, play.status);
      int announcedSeq = Integer.parseInt(matchOne("seq=(\\d+)", play.header("rtp-info")));

      List<Interleaved> rtp = new ArrayList<>();
      List<Interleaved> rtcp = new ArrayList<>();
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2600);
      while (System.nanoTime() < end) {
        Interleaved f = c.readInterleaved();
        (f.channel == 0 ? rtp : rtcp).add(f);
      }
      assertFalse(rtp.isEmpty());
      log.info("raw client: RTSP connect to first RTP packet {} ms",
          (rtp.get(0).nanos - t0) / 1_000_000);

      // RTP: version 2, PT 96, consecutive sequence numbers from the announced one, one SSRC,
      // 90 kHz timestamps advancing 6000 (15 fps) per frame, marker on the last packet of a frame
      assertEquals(announcedSeq, u16(rtp.get(0).data, 2));
      int firstNal = rtp.get(0).data[12] & 0x1F;
      assertEquals(7, firstNal, "a viewer starts with SPS + key frame");
      long ssrc = u32(rtp.get(0).data, 8);
      int frames = 0;
      for (int i = 0; i < rtp.size(); i++) {
        byte[] d = rtp.get(i).data;
        assertEquals(0x80, d[0] & 0xC0);
        assertEquals(96, d[1] & 0x7F);
        assertEquals(ssrc, u32(d, 8));
        assertEquals((announcedSeq + i) & 0xFFFF, u16(d, 2));
        if (i > 0) {
          long dts = (u32(d, 4) - u32(rtp.get(i - 1).data, 4)) & 0xFFFFFFFFL;
          boolean prevMarker = (rtp.get(i - 1).data[1] & 0x80) != 0;
          assertEquals(prevMarker ? 6000 : 0, dts, "timestamp step at packet " + i);
        }
        if ((d[1] & 0x80) != 0) frames++;
      }
      assertTrue(frames >= 15, "frames " + frames);

      // RTCP SR: NTP close to the wall clock, and its RTP time on the same timeline as the packets
      assertFalse(rtcp.isEmpty(), "no sender report");
      for (Interleaved sr : rtcp) {
        byte[] d = sr.data;
        assertEquals(200, d[1] & 0xFF);
        assertEquals(ssrc, u32(d, 4));
        double ntpMillis = ((u32(d, 8) - 2_208_988_800L) + u32(d, 12) / 4294967296.0) * 1000;
        double arrivalMillis = sr.wallMillis;
        assertTrue(Math.abs(ntpMillis - arrivalMillis) < 200, "NTP off by " + (ntpMillis - arrivalMillis));
        long srRtp = u32(d, 16);
        Interleaved before = null;
        for (Interleaved p : rtp) if (p.nanos <= sr.nanos) before = p;
        if (before != null) {
          long gap = (srRtp - u32(before.data, 4)) & 0xFFFFFFFFL;
          long expected = (sr.nanos - before.nanos) * 90 / 1_000_000;
          assertTrue(Math.abs(gap - expected) < 90 * 100, "SR rtp time off: " + gap + " vs " + expected);
        }
        assertEquals(202, d[29] & 0xFF, "SDES follows the SR");
      }

      RawResponse keepAlive = c.request("GET_PARAMETER", url, Map.of("Session", session));
      assertEquals(200, keepAlive.status);
      RawResponse teardown = c.request("TEARDOWN", url, Map.of("Session", session));
      assertEquals(200, teardown.status);
    }
  }

  @Test
  void faultsStallRateLimitRefuseAndSessionTimeout() throws Exception {
    RtspCameraServer cam = shortTimeout;
    // session timeout: a client that stops talking is closed after ~2 s; keep-alives prevent it
    try (RawClient c = playingClient(cam, "sub", 0)) {
      long t0 = System.nanoTime();
      int packets = 0;
      try {
        while (true) {
          c.readInterleaved();
          packets++;
          if (packets % 20 == 0 && System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(1500)) {
            c.send("GET_PARAMETER", cam.url("sub"), Map.of("Session", c.session));
          }
        }
      } catch (EOFException | java.net.SocketException closed) {
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms > 2000 && ms < 5000, "closed after " + ms + " ms");
        assertTrue(packets > 10);
      }
    }

    // stall: no packets for the stall time, then the stream resumes at a key frame
    try (RawClient c = playingClient(cam, "sub", 0)) {
      c.readInterleaved();
      cam.stall(Duration.ofMillis(1200));
      long stalledAt = System.nanoTime();
      Interleaved next;
      do {
        next = c.readInterleaved();
      } while (next.nanos - stalledAt < TimeUnit.MILLISECONDS.toNanos(100)); // in flight
      long gap = (next.nanos - stalledAt) / 1_000_000;
      assertTrue(gap >= 1000, "gap " + gap);
      // MJPEG on /sub: every frame is a key frame, the fragment offset of a new frame is 0
      if (next.channel == 0) assertEquals(0, (next.data[13] & 0xFF) << 16 | u16(next.data, 14));
    }

    // rate limit: frames over the budget are dropped and counted
    long droppedBefore = cam.stats().framesDropped();
    cam.rateLimitKbps(50);
    try (RawClient c = playingClient(cam, "main", 0)) {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
      c.socket.setSoTimeout(300);
      while (System.nanoTime() < end) {
        try {
          c.readInterleaved();
        } catch (SocketTimeoutException quiet) {
          // dropped frames: nothing to read
        }
      }
    } finally {
      cam.rateLimitKbps(0);
    }
    assertTrue(cam.stats().framesDropped() > droppedBefore, "no drops under a 50 kbit/s limit");

    // slow viewer: a client that does not read fills the bounded write queue; frames are dropped
    long droppedBefore2 = cam.stats().framesDropped();
    try (RawClient c = playingClient(cam, "sub", 8 * 1024)) {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
      while (cam.stats().framesDropped() == droppedBefore2 && System.nanoTime() < end) {
        c.send("GET_PARAMETER", cam.url("sub"), Map.of("Session", c.session)); // stay alive
        Thread.sleep(200);
      }
      assertTrue(cam.stats().framesDropped() > droppedBefore2, "slow viewer never dropped");
    }

    // refuse connections, then accept again
    cam.refuseConnections(true);
    try {
      Result refused = run(ffprobe("tcp", withCredentials(cam.url("main"), cam.user(), "pw")));
      assertNotEquals(0, refused.exit);
    } finally {
      cam.refuseConnections(false);
    }
    assertStream(run(ffprobe("tcp", withCredentials(cam.url("main"), cam.user(), "pw"))),
        Codec.H264, 1280, 720);
  }

  @Test
  void udpPacketLossIsApplied() throws Exception {
    RtspCameraServer cam = cams.get(Codec.H265);
    long lostBefore = cam.stats().udpPacketsLost();
    cam.udpPacketLoss(0.05);
    try {
      Result r = run(List.of("ffmpeg", "-nostdin", "-v", "warning", "-rtsp_transport", "udp", "-i",
          withCredentials(cam.url("main"), cam.user(), cam.password()), "-frames:v", "20", "-f",
          "null", "-"));
      assertTrue(cam.stats().udpPacketsLost() > lostBefore);
      assertTrue(r.stderr.contains("missed") || r.stderr.contains("error") || r.exit != 0
          || r.stderr.contains("RTP"), "ffmpeg did not notice any loss: " + r.stderr);
    } finally {
      cam.udpPacketLoss(0);
    }
  }

  // ------------------------------------------------------------------ Profile G replay, resolution change

  @Test
  void replayHonoursRangeClockNptAndOnvifReplayExtension() throws Exception {
    RtspCameraServer cam = cams.get(Codec.H264);
    SimSdCard.Recording rec = cam.sdCard().get("REC002");
    SimMedia.Clip clip = SimMedia.load(SimMedia.fileFor(MEDIA, Codec.H264, SimMedia.Profile.MAIN), Codec.H264);
    try (RawClient c = new RawClient(cam.port(), 0)) {
      c.auth = "Basic " + Base64.getEncoder().encodeToString(
          (cam.user() + ":" + cam.password()).getBytes(StandardCharsets.UTF_8));
      assertEquals(404, c.request("DESCRIBE", cam.url("replay/NOPE"), Map.of()).status);
      String url = cam.url(SimSdCard.replayPath(rec.token()));
      Map<String, String> replay = Map.of("Require", "onvif-replay");
      RawResponse sdp = c.request("DESCRIBE", url, replay);
      assertEquals(200, sdp.status);
      assertTrue(sdp.body.contains("a=range:npt=0-900.000"), sdp.body);
      RawResponse setup = c.request("SETUP", url + "/trackID=0",
          Map.of("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1", "Require", "onvif-replay"));
      assertEquals(200, setup.status);
      c.session = setup.header("session").split(";")[0];

      // clock=start+4.5 s: the key frame at or before it is clip frame 60 (one key frame a second at 15 fps)
      Instant asked = rec.start().plusMillis(4500);
      RawResponse play = c.request("PLAY", url, Map.of("Session", c.session, "Require", "onvif-replay",
          "Range", "clock=" + RtspCameraServer.clock(asked) + "-"));
      assertEquals(200, play.status);
      Instant startsAt = rec.start().plusSeconds(4);
      assertEquals("clock=" + RtspCameraServer.clock(startsAt) + "-" + RtspCameraServer.clock(rec.end()),
          play.header("range"));
      int playCseq = c.cseq;
      List<byte[]> first = readFrame(c);
      List<byte[]> second = readFrame(c);
      assertReplayFrame(first, clip.frames().get(60), startsAt.toEpochMilli(), true, true, playCseq);
      assertReplayFrame(second, clip.frames().get(61), startsAt.toEpochMilli() + 1000 / 15, false, false, playCseq);

      // npt seek while playing: 10 min into the recording, frame 9000, clip frame 9000 mod 150 = 0, a key frame
      play = c.request("PLAY", url, Map.of("Session", c.session, "Require", "onvif-replay", "Range", "npt=600-"));
      assertEquals(200, play.status);
      assertEquals("npt=600.000-900.000", play.header("range"));
      assertReplayFrame(readFrame(c), clip.frames().get(0), rec.start().toEpochMilli() + 600_000, true, true, c.cseq);

      assertEquals(457, c.request("PLAY", url, Map.of("Session", c.session, "Range", "clock=yesterday-")).status);
      assertEquals(200, c.request("TEARDOWN", url, Map.of("Session", c.session)).status);
    }
  }

  /** The RTP packets (interleaved channel 0) of the next whole frame, up to the one with the marker bit. */
  private static List<byte[]> readFrame(RawClient c) throws IOException {
    List<byte[]> packets = new ArrayList<>();
    while (true) {
      Interleaved p = c.readInterleaved();
      if (p.channel != 0) continue;
      packets.add(p.data);
      if ((p.data[1] & 0x80) != 0) return packets;
    }
  }

  private static void assertReplayFrame(List<byte[]> packets, SimMedia.Frame expected, long recMillis,
      boolean clean, boolean discontinuity, int cseq) {
    assertEquals(expected.payloads().length, packets.size(), "packets of the frame");
    for (int i = 0; i < packets.size(); i++) {
      byte[] d = packets.get(i);
      assertEquals(0x90, d[0] & 0xFF, "RTP v2 with the X bit");
      assertEquals(0xABAC, u16(d, 12), "ONVIF replay extension profile");
      assertEquals(3, u16(d, 14), "extension length in words");
      double ntpMillis = ((u32(d, 16) - 2_208_988_800L) + u32(d, 20) / 4294967296.0) * 1000;
      assertEquals(recMillis, ntpMillis, 1.0, "NTP time of the frame in the recording");
      assertEquals(clean, (d[24] & 0x80) != 0, "C bit");
      assertEquals(discontinuity, (d[24] & 0x20) != 0, "D bit");
      assertEquals(cseq & 0xFF, d[25] & 0xFF, "CSeq byte");
      byte[] payload = java.util.Arrays.copyOfRange(d, 28, d.length);
      assertTrue(java.util.Arrays.equals(expected.payloads()[i], payload), "payload " + i + " is the expected clip frame's");
    }
  }

  @Test
  void changeResolutionMidStreamSeenByFfprobe() throws Exception {
    RtspCameraServer cam = new RtspCameraServer(new RtspCameraServer.Options().codec(Codec.H264)
        .serial("SIMTEST-RES").mediaDir(MEDIA).auth(RtspCameraServer.AuthMode.NONE));
    String id = await(vertx.deployVerticle(cam));
    try {
      // 60 packets = 4 s at 15 fps; the switch happens ~1.5 s in
      CompletableFuture<Result> probe = async(List.of("ffprobe", "-v", "error", "-rtsp_transport", "tcp",
          "-select_streams", "v", "-show_entries", "frame=width,height", "-of", "csv=p=0",
          "-read_intervals", "%+#60", cam.url("main")));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (cam.stats().framesSent() < 20) {
        assertTrue(System.nanoTime() < deadline, "ffprobe never got frames");
        Thread.sleep(50);
      }
      long t0 = System.nanoTime();
      await(cam.changeResolution(640, 360));
      log.info("changeResolution to 640x360: first new frame sent {} ms after the call",
          (System.nanoTime() - t0) / 1_000_000);
      Result r = probe.get();
      assertEquals(0, r.exit, r.stderr);
      // csv rows are "width,height", plus a trailing empty field on a frame that carries side data
      List<String> sizes = r.stdout.lines().map(l -> l.trim().replaceAll(",+$", "")).filter(l -> !l.isEmpty())
          .toList();
      int switchAt = sizes.indexOf("640,360");
      assertTrue(switchAt > 0, "ffprobe never saw 640x360 after 1280x720: " + sizes);
      assertTrue(sizes.subList(0, switchAt).stream().allMatch("1280,720"::equals), "before the switch: " + sizes);
      assertTrue(sizes.subList(switchAt, sizes.size()).stream().allMatch("640,360"::equals), "after the switch: " + sizes);
      log.info("MEASURE ffprobe decoded {} frames at 1280x720 then {} at 640x360 in {} ms; ffprobe stderr: {}",
          switchAt, sizes.size() - switchAt, r.millis, r.stderr.isBlank() ? "(empty)" : r.stderr.trim());
      // a new client is described the new size
      assertStream(run(ffprobe("tcp", cam.url("main"))), Codec.H264, 640, 360);
    } finally {
      await(vertx.undeploy(id));
    }
  }

  // ------------------------------------------------------------------------------------ helpers

  private static List<String> ffprobe(String transport, String url) {
    return List.of("ffprobe", "-rtsp_transport", transport, "-v", "error", "-show_streams", "-of",
        "json", url);
  }

  private static List<String> ffmpeg30(String transport, String url) {
    return List.of("ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", transport, "-i", url,
        "-frames:v", "30", "-f", "null", "-", "-nostats", "-progress", "pipe:1");
  }

  private static void assertStream(Result r, Codec codec, int width, int height) {
    assertEquals(0, r.exit, "ffprobe: " + r.stderr);
    JsonArray streams = new JsonObject(r.stdout).getJsonArray("streams");
    assertEquals(1, streams.size(), r.stdout);
    JsonObject s = streams.getJsonObject(0);
    assertEquals(codec.ffprobeName, s.getString("codec_name"));
    assertEquals(width, s.getInteger("width"));
    assertEquals(height, s.getInteger("height"));
  }

  private static void assertDecoded30(Result r, String what) {
    assertEquals(0, r.exit, what + ": " + r.stderr);
    assertEquals(30, lastFrame(r.stdout), what + ": " + r.stdout);
    assertTrue(r.stdout.contains("progress=end"), what);
    assertTrue(r.stderr.isBlank(), what + " decoded with errors: " + r.stderr);
  }

  private static int lastFrame(String progress) {
    Matcher m = Pattern.compile("(?m)^frame=(\\d+)").matcher(progress);
    int last = -1;
    while (m.find()) last = Integer.parseInt(m.group(1));
    return last;
  }

  private static String matchOne(String regex, String s) {
    Matcher m = Pattern.compile(regex).matcher(s);
    assertTrue(m.find(), regex + " in " + s);
    return m.group(1);
  }

  static String withCredentials(String url, String user, String pw) {
    return url.replaceFirst("^rtsp://", "rtsp://" + user + ":" + pw + "@");
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) return true;
    }
    return false;
  }

  private static int freeBase(int n) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 30000 + ThreadLocalRandom.current().nextInt(20000);
      boolean free = true;
      for (int i = 0; i < n && free; i++) {
        try (ServerSocket s = new ServerSocket(base + i)) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) return base;
    }
    throw new IllegalStateException("no free port range");
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  record Result(int exit, String stdout, String stderr, long millis) {}

  private static CompletableFuture<Result> async(List<String> cmd) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return run(cmd);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static Result run(List<String> cmd) throws Exception {
    Path out = Files.createTempFile("sim-test", ".out");
    Path err = Files.createTempFile("sim-test", ".err");
    long t0 = System.nanoTime();
    try {
      Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      if (!p.waitFor(25, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(cmd.get(0) + " timed out: " + Files.readString(err));
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err),
          (System.nanoTime() - t0) / 1_000_000);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static int u16(byte[] d, int i) {
    return ((d[i] & 0xFF) << 8) | (d[i + 1] & 0xFF);
  }

  private static long u32(byte[] d, int i) {
    return ((long) u16(d, i) << 16) | u16(d, i + 2);
  }

  private RawClient playingClient(RtspCameraServer cam, String path, int rcvBuf) throws Exception {
    RawClient c = new RawClient(cam.port(), rcvBuf);
    c.auth = "Basic " + Base64.getEncoder().encodeToString(
        (cam.user() + ":" + cam.password()).getBytes(StandardCharsets.UTF_8));
    String url = cam.url(path);
    assertEquals(200, c.request("DESCRIBE", url, Map.of()).status);
    RawResponse setup = c.request("SETUP", url + "/trackID=0",
        Map.of("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"));
    c.session = setup.header("session").split(";")[0];
    assertEquals(200, c.request("PLAY", url, Map.of("Session", c.session)).status);
    return c;
  }

  record RawResponse(int status, Map<String, String> headers, String body) {
    String header(String name) {
      String v = headers.get(name.toLowerCase(Locale.ROOT));
      assertNotNull(v, "no " + name + " header in " + headers);
      return v;
    }
  }

  record Interleaved(int channel, byte[] data, long nanos, long wallMillis) {}

  /** A deliberately minimal RTSP client over a plain socket. */
  static final class RawClient implements AutoCloseable {
    final Socket socket;
    final DataInputStream in;
    final OutputStream out;
    int cseq;
    String auth;
    String session;

    RawClient(int port, int rcvBuf) throws IOException {
      socket = new Socket();
      if (rcvBuf > 0) socket.setReceiveBufferSize(rcvBuf);
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2000);
      socket.setSoTimeout(5000);
      in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
      out = socket.getOutputStream();
    }

    void send(String method, String url, Map<String, String> headers) throws IOException {
      StringBuilder sb = new StringBuilder(method).append(' ').append(url).append(" RTSP/1.0\r\n");
      sb.append("CSeq: ").append(++cseq).append("\r\n");
      if (auth != null) sb.append("Authorization: ").append(auth).append("\r\n");
      headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
      out.write(sb.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    RawResponse request(String method, String url, Map<String, String> headers)
        throws IOException {
      send(method, url, headers);
      while (true) {
        in.mark(1);
        int b = in.read();
        if (b < 0) throw new EOFException();
        if (b == '$') {
          in.readUnsignedByte();
          in.skipNBytes(in.readUnsignedShort());
          continue;
        }
        in.reset();
        RawResponse r = readResponse();
        if (String.valueOf(cseq).equals(r.headers.get("cseq"))) return r;
      }
    }

    private RawResponse readResponse() throws IOException {
      String status = line();
      Map<String, String> h = new LinkedHashMap<>();
      for (String l = line(); !l.isEmpty(); l = line()) {
        int colon = l.indexOf(':');
        h.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
      }
      int len = Integer.parseInt(h.getOrDefault("content-length", "0"));
      byte[] body = in.readNBytes(len);
      return new RawResponse(Integer.parseInt(status.split(" ")[1]), h,
          new String(body, StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) throw new EOFException();
        if (c != '\r') b.write(c);
      }
      return b.toString(StandardCharsets.UTF_8);
    }

    /** Next interleaved packet; RTSP responses in between (keep-alives) are skipped. */
    Interleaved readInterleaved() throws IOException {
      while (true) {
        int b = in.read();
        if (b < 0) throw new EOFException();
        if (b == '$') {
          int ch = in.readUnsignedByte();
          byte[] d = new byte[in.readUnsignedShort()];
          in.readFully(d);
          return new Interleaved(ch, d, System.nanoTime(), System.currentTimeMillis());
        }
        if (b == 'R') {
          line(); // rest of the status line
          int len = 0;
          for (String l = line(); !l.isEmpty(); l = line()) {
            if (l.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
              len = Integer.parseInt(l.substring(15).trim());
            }
          }
          in.skipNBytes(len);
        } else {
          throw new IOException("unexpected byte " + b);
        }
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
