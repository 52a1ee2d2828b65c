package com.softdew.vms.edge.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import com.softdew.vms.sim.OnvifDeviceServer;
import com.softdew.vms.sim.SimCameraInfo;
import com.softdew.vms.sim.SimCameras;
import com.softdew.vms.sim.SimMedia;
import com.softdew.vms.sim.SimSdCard;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SD-card gap filling against the camera simulator: a camera whose SD card records continuously
 * ({@link SimSdCard#continuous}) is recorded by {@link MainStreamRecorder}; its stream is dropped and refused for a
 * while (the network between us and the camera, the camera keeps recording on its card); the recorder reports the
 * gap when the camera is back and {@link GapFiller} fills it through ONVIF Profile G search and RTSP replay. Every
 * filled file is checked with the ffprobe / ffmpeg / sha256sum CLIs.
 */
class GapFillerTest {
  static Vertx vertx;
  static CameraSimulator sim;
  static final List<OnvifDeviceServer> onvifs = Collections.synchronizedList(new ArrayList<>());
  @TempDir
  Path data;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
  }

  @AfterAll
  static void tearDown() throws Exception {
    for (OnvifDeviceServer o : onvifs) await(o.close());
    await(sim.stop());
    await(vertx.close());
  }

  /** A camera (RTSP + ONVIF faces) whose card has recorded since now and goes on. */
  record Cam(CameraSimulator.Descriptor d, SimSdCard card, OnvifDeviceServer onvif) {
    GapFiller.CameraAccess access() {
      return new GapFiller.CameraAccess(onvif.deviceServiceUrl(), d.user(), d.password());
    }
  }

  static Cam camera(Codec codec) throws Exception {
    return camera(codec, Instant.now());
  }

  /** A camera whose card has recorded since {@code since} (the simulated card may start before the camera). */
  static Cam camera(Codec codec, Instant since) throws Exception {
    return camera(codec, since, Duration.ZERO);
  }

  /** {@code since} in camera time; the camera's clock (ONVIF and card) is {@code offset} ahead of ours. */
  static Cam camera(Codec codec, Instant since, Duration offset) throws Exception {
    SimSdCard card = SimSdCard.continuous(since, offset);
    CameraSimulator.Descriptor d = await(sim.start(1, codec, SimCameras.freePort(), (i, o) -> o.sdCard(card))).get(0);
    SimCameraInfo info = new SimCameraInfo(d.serial(), "Softdew", "SimCam G", "1.0", d.rtspMain(), d.rtspSub(), 1280, 720, 640, 360,
        codec == Codec.H264 ? "H264" : "H265", d.user(), d.password());
    OnvifDeviceServer onvif = await(new OnvifDeviceServer(vertx, info, "127.0.0.1", 0, card).start());
    onvif.setClockOffset(offset);
    onvifs.add(onvif);
    return new Cam(d, card, onvif);
  }

  static boolean waitFor(java.util.function.BooleanSupplier c, Duration max) throws InterruptedException {
    long t0 = System.nanoTime();
    while (!c.getAsBoolean()) {
      if (System.nanoTime() - t0 > max.toNanos()) return false;
      Thread.sleep(50);
    }
    return true;
  }

  /** Records the camera, drops and refuses its stream for {@code outage} (running {@code during} meanwhile), returns the gap. */
  static RecordingGap recordAndDrop(Cam cam, String cameraId, Path data, Duration outage, Runnable during) throws Exception {
    List<RecordingGap> gaps = Collections.synchronizedList(new ArrayList<>());
    MainStreamRecorder r = new MainStreamRecorder(vertx, new SimpleMeterRegistry(), new MainStreamRecorder.Options().tenantId("t1")
        .cameraId(cameraId).url(cam.d().rtspMain()).credentials(cam.d().user(), cam.d().password()).dataDir(data)
        .segmentLength(Duration.ofSeconds(4)), new RecordingListener() {
          @Override
          public void segment(RecordingSegment s) {}

          @Override
          public void gap(RecordingGap g) {
            gaps.add(g);
          }
        }).start();
    try {
      assertTrue(waitFor(() -> r.stats().packetsWritten() > 20, Duration.ofSeconds(15)), r.stats().toString());
      cam.d().server().refuseConnections(true);
      await(cam.d().server().dropStream());
      long t0 = System.nanoTime();
      during.run();
      long left = outage.toMillis() - (System.nanoTime() - t0) / 1_000_000;
      if (left > 0) Thread.sleep(left);
      cam.d().server().refuseConnections(false);
      assertTrue(waitFor(() -> !gaps.isEmpty(), Duration.ofSeconds(15)), "gap reported: " + r.stats());
    } finally {
      r.close();
    }
    return gaps.get(0);
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String s = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + s);
    return s;
  }

  /** A filled segment: source sdcard, the camera's codec, playable, checksum, layout, duration = end - start. */
  static void checkFilled(RecordingSegment s, String cameraId, String codec) throws Exception {
    assertEquals("t1", s.tenantId());
    assertEquals(cameraId, s.cameraId());
    assertEquals("main", s.stream());
    assertEquals("sdcard", s.source());
    assertEquals(codec, s.codec());
    assertEquals("1280x720", s.resolution());
    assertTrue(Files.isRegularFile(s.path()), s.path().toString());
    assertEquals(s.start().toEpochMilli() + ".sdcard.mp4", s.path().getFileName().toString());
    assertEquals(s.start().toString().substring(0, 10), s.path().getParent().getFileName().toString());
    assertEquals(Files.size(s.path()), s.bytes());
    assertEquals(run("sha256sum", s.path().toString()).split("\\s+")[0], s.sha256());
    JsonObject p = new JsonObject(run("/usr/bin/ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
        "stream=codec_name,width,height:format=duration,format_name:packet=pts,dts,flags", "-of", "json", s.path().toString()));
    JsonObject st = p.getJsonArray("streams").getJsonObject(0);
    assertEquals(codec, st.getString("codec_name"), "the camera's codec, copied");
    assertEquals(1280, st.getInteger("width"));
    JsonArray pk = p.getJsonArray("packets");
    assertTrue(pk.getJsonObject(0).getString("flags").startsWith("K"), "starts with a key frame");
    assertEquals(0L, pk.getJsonObject(0).getLong("dts"));
    assertTrue(p.getJsonObject("format").getString("format_name").contains("mp4"));
    String bytes = new String(Files.readAllBytes(s.path()), StandardCharsets.ISO_8859_1);
    assertTrue(bytes.indexOf("moov") >= 0 && bytes.indexOf("moov") < bytes.indexOf("moof"), "fragmented MP4");
    assertEquals("", run("/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-i", s.path().toString(), "-f", "null", "-").trim(),
        "decodes cleanly");
    double dur = Double.parseDouble(p.getJsonObject("format").getString("duration"));
    double span = Duration.between(s.start(), s.end()).toMillis() / 1000.0;
    assertTrue(Math.abs(dur - span) < 0.2, "end - start " + span + " = file duration " + dur);
  }

  static Path mediaDir() {
    return Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media");
  }

  /**
   * The segment's first frame is the card's frame at the segment's start (recording time, not the replay's wall
   * clock): the simulator plays clip frame {@code floor((t - recording start) * fps) mod frames} at recording time t,
   * and decoding from a key frame is bit-exact, so the decoded pictures must hash alike.
   */
  static void checkContent(RecordingSegment s, SimSdCard.Recording rec, Codec codec) throws Exception {
    int fps = SimMedia.Profile.MAIN.fps();
    int frames = SimMedia.CLIP_SECONDS * fps;
    double at = Duration.between(rec.start(), s.start()).toNanos() / 1e9 * fps;
    long n = Math.round(at);
    assertTrue(Math.abs(at - n) < 0.05, "segment starts on a frame of the recording: " + at);
    int idx = (int) Math.floorMod(n, (long) frames);
    Path clip = SimMedia.fileFor(mediaDir(), codec, SimMedia.Profile.MAIN);
    String want = run("/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-i", clip.toString(), "-vf", "select=eq(n\\," + idx + ")",
        "-frames:v", "1", "-f", "md5", "-").trim();
    String got = run("/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-i", s.path().toString(), "-frames:v", "1", "-f", "md5", "-").trim();
    assertTrue(want.startsWith("MD5="), want);
    assertEquals(want, got, "first frame of " + s.path().getFileName() + " = card frame " + idx + " of " + rec.token());
  }

  static double secs(Instant a, Instant b) {
    return Duration.between(a, b).toMillis() / 1000.0;
  }

  @Test
  void aDroppedStreamIsFilledFromTheSdCardThroughTheVerticle() throws Exception {
    Cam cam = camera(Codec.H264);
    List<RecordingSegment> filledSegs = Collections.synchronizedList(new ArrayList<>());
    List<GapFillerResult> results = Collections.synchronizedList(new ArrayList<>());
    List<JsonObject> busSegs = Collections.synchronizedList(new ArrayList<>());
    List<JsonObject> busResults = Collections.synchronizedList(new ArrayList<>());
    vertx.eventBus().<JsonObject>consumer(Addresses.RECORDING_SEGMENT, m -> {
      if ("sdcard".equals(m.body().getString("source"))) busSegs.add(m.body());
    });
    vertx.eventBus().<JsonObject>consumer(GapFiller.FILLED_ADDRESS, m -> busResults.add(m.body()));
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    List<String> lookups = Collections.synchronizedList(new ArrayList<>());
    GapFillerVerticle v = new GapFillerVerticle(reg, new GapFiller.Options().settle(Duration.ofSeconds(1)).dataDir(data)
        .segmentLength(Duration.ofSeconds(2)),
        (tenant, camera) -> {
          lookups.add(tenant + "/" + camera + "@" + Thread.currentThread().getName());
          return tenant.equals("t1") && camera.equals("drop") ? cam.access() : null;
        }, new GapFillerListener() {
          @Override
          public void segment(RecordingSegment s) {
            filledSegs.add(s);
          }

          @Override
          public void done(GapFillerResult r) {
            results.add(r);
          }
        });
    String id = await(vertx.deployVerticle(v));
    try {
      RecordingGap gap = recordAndDrop(cam, "drop", data, Duration.ofMillis(2500), () -> {});
      long t0 = System.nanoTime();
      assertTrue(waitFor(() -> !results.isEmpty(), Duration.ofSeconds(40)), "fill done: " + v.filler().stats());
      double fillSecs = (System.nanoTime() - t0) / 1e9;
      GapFillerResult r = results.get(0);
      double gapSecs = secs(gap.start(), gap.end());
      System.out.printf("MEASURE sdcard fill: gap %.3f s filled in %.3f s after the gap was reported, %d segment(s), %s%n", gapSecs,
          fillSecs, r.segments().size(), v.filler().stats());
      assertEquals(1, lookups.size(), lookups.toString());
      assertTrue(lookups.get(0).startsWith("t1/drop@gapfill-"), "looked up once, on a filler thread: " + lookups);
      assertEquals(gap, r.gap());
      assertFalse(r.started().isBefore(gap.end().plusSeconds(1).minusMillis(5)), // 5 ms: wall clock vs nanoTime
          "settle: started 1 s after the gap end at the earliest: " + r.started() + " " + gap.end());
      assertEquals("filled", r.fillState(), r.toString());
      assertEquals(List.of(), r.remaining());
      assertEquals(1, r.attempts());
      List<RecordingSegment> segs = r.segments();
      assertFalse(segs.isEmpty());
      assertEquals(segs, filledSegs);
      // covers the gap: starts at the card's key frame at or before the gap start (GOP 1 s), ends within a GOP after
      double lead = secs(segs.get(0).start(), gap.start());
      double tail = secs(gap.end(), segs.get(segs.size() - 1).end());
      System.out.printf("MEASURE sdcard fill bounds: first segment starts %.3f s before the gap, last ends %.3f s after it%n", lead, tail);
      assertTrue(lead >= -0.1 && lead <= 1.1, "first filled segment starts at the key frame before the gap start: " + lead);
      assertTrue(tail >= -0.1 && tail <= 1.1, "last filled segment ends at the gap end: " + tail);
      for (int i = 0; i + 1 < segs.size(); i++) {
        assertTrue(Math.abs(secs(segs.get(i).end(), segs.get(i + 1).start())) < 0.07, "contiguous: " + segs);
      }
      SimSdCard.Recording rec = cam.card().get("REC001");
      for (RecordingSegment s : segs) {
        checkFilled(s, "drop", "h264");
        checkContent(s, rec, Codec.H264);
      }
      try (var files = Files.walk(data)) {
        assertEquals(0, files.filter(f -> f.toString().endsWith(".part")).count(), "no .part left");
      }
      assertTrue(waitFor(() -> busSegs.size() == segs.size() && busResults.size() == 1, Duration.ofSeconds(2)));
      assertEquals(segs.stream().map(RecordingSegment::toJson).toList(), busSegs);
      assertEquals("filled", busResults.get(0).getString("fillState"));
      assertEquals(segs.stream().map(RecordingSegment::segmentId).toList(), busResults.get(0).getJsonArray("segmentIds").getList());
      assertEquals(segs.size(), reg.get("vms.recording.gapfill.segments").tag("tenant", "t1").counter().count());
      assertEquals(0, v.filler().stats().encodersOpened(), "remux: no encoder opened");
      assertEquals(0, v.filler().stats().decodedFrames(), "grabPacket only: the replay grabber's decoder got no frame");
    } finally {
      await(vertx.undeploy(id));
    }
  }

  @Test
  void whatTheCardLacksStaysAGap() throws Exception {
    Cam cam = camera(Codec.H265);
    Instant[] suspended = new Instant[1];
    // during the outage the camera itself stops recording for 1.5 s (rebooted): that span is on neither side
    RecordingGap gap = recordAndDrop(cam, "reboot", data, Duration.ofMillis(3000), () -> {
      try {
        Thread.sleep(700);
        suspended[0] = cam.card().suspend().end();
        Thread.sleep(1500);
        cam.card().resume();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    List<SimSdCard.Recording> recs = cam.card().recordings();
    assertEquals(2, recs.size(), recs.toString());
    Instant resumed = recs.get(1).start();
    GapFiller f = new GapFiller(vertx, new SimpleMeterRegistry(), new GapFiller.Options().settle(Duration.ZERO).dataDir(data), null, null).start();
    try {
      long t0 = System.nanoTime();
      GapFillerResult r = f.submit(gap, cam.access()).get(40, TimeUnit.SECONDS);
      System.out.printf("MEASURE sdcard partial fill: gap %.3f s, card missing %.3f s, filled in %.3f s: %s remaining %s%n",
          secs(gap.start(), gap.end()), secs(suspended[0], resumed), (System.nanoTime() - t0) / 1e9, r.fillState(), r.remaining());
      assertEquals("partial", r.fillState(), r.toString());
      assertTrue(r.fillNote().contains("no recording of part of the gap"), r.fillNote());
      assertEquals(1, r.remaining().size(), r.remaining().toString());
      GapFillerResult.Span rem = r.remaining().get(0);
      assertTrue(Math.abs(secs(suspended[0], rem.start())) < 0.1, "remaining starts where the card stopped: " + rem + " " + suspended[0]);
      assertTrue(Math.abs(secs(resumed, rem.end())) < 0.1, "and ends where it resumed: " + rem + " " + resumed);
      List<RecordingSegment> before = r.segments().stream().filter(s -> !s.start().isAfter(rem.start())).toList();
      List<RecordingSegment> after = r.segments().stream().filter(s -> !s.start().isBefore(rem.end())).toList();
      assertEquals(r.segments().size(), before.size() + after.size());
      assertFalse(before.isEmpty());
      assertFalse(after.isEmpty());
      double lead = secs(before.get(0).start(), gap.start());
      assertTrue(lead >= -0.1 && lead <= 1.1, "filled from the key frame before the gap start: " + lead);
      double tail = secs(gap.end(), after.get(after.size() - 1).end());
      assertTrue(tail >= -0.1 && tail <= 1.1, "up to the gap end: " + tail);
      for (RecordingSegment s : r.segments()) checkFilled(s, "reboot", "hevc");
      for (RecordingSegment s : before) checkContent(s, recs.get(0), Codec.H265);
      for (RecordingSegment s : after) checkContent(s, recs.get(1), Codec.H265);
      assertEquals(r.remaining(), GapFiller.remaining(gap, r.segments()));
      // the same gap again (a resend): same files, same ids (times come from the card, not from the replay's clock)
      GapFillerResult again = f.submit(gap, cam.access()).get(40, TimeUnit.SECONDS);
      assertEquals(r.segments().stream().map(RecordingSegment::segmentId).toList(),
          again.segments().stream().map(RecordingSegment::segmentId).toList());
      assertEquals(r.segments().stream().map(RecordingSegment::path).toList(), again.segments().stream().map(RecordingSegment::path).toList());
      assertEquals(r.remaining(), again.remaining());
      JsonObject j = r.toJson();
      assertEquals("partial", j.getString("fillState"));
      assertEquals(rem.start().toString(), j.getJsonArray("remaining").getJsonObject(0).getString("start"));
    } finally {
      f.close();
    }
  }

  @Test
  void aContinuousCardIsSearchedAsItRecords() throws Exception {
    Cam cam = camera(Codec.H264);
    io.vertx.ext.web.client.WebClient web = io.vertx.ext.web.client.WebClient.create(vertx);
    try {
      var client = await(new com.softdew.vms.edge.onvif.OnvifClient(web, cam.onvif().deviceServiceUrl(), cam.d().user(),
          cam.d().password()).connect());
      Instant now = Instant.now();
      var found = await(client.findRecordings(now.minusSeconds(60), null));
      assertEquals(1, found.size(), found.toString());
      assertEquals("REC001", found.get(0).token());
      assertEquals("Recording", found.get(0).status(), "the open recording");
      assertTrue(Math.abs(secs(now, found.get(0).latest())) < 2, "it ends now: " + found.get(0).latest());
      Thread.sleep(300);
      var later = await(client.getRecordingInformation("REC001"));
      assertTrue(later.latest().isAfter(found.get(0).latest()), "and grows: " + later.latest());
      SimSdCard.Recording closed = cam.card().suspend();
      cam.card().resume();
      found = await(client.findRecordings(now.minusSeconds(60), null));
      assertEquals(List.of("REC001", "REC002"), found.stream().map(com.softdew.vms.edge.onvif.RecordingInfo::token).toList());
      assertEquals("Stopped", found.get(0).status());
      assertEquals(closed.end(), found.get(0).latest());
      assertEquals("Recording", found.get(1).status());
      assertFalse(found.get(1).earliest().isBefore(closed.end()));
      assertEquals(List.of("REC002"), await(client.findRecordings(closed.end().plusMillis(1), null)).stream()
          .map(com.softdew.vms.edge.onvif.RecordingInfo::token).toList());
    } finally {
      web.close();
    }
  }

  @Test
  void aFillStopsAtItsDeadlineAndReportsWhatIsLeft() throws Exception {
    Cam cam = camera(Codec.H264, Instant.now().minusSeconds(60));
    // deadline 4 s for a 20 s gap (replay runs at real time): stops, keeps what it wrote, reports the rest
    GapFiller f = new GapFiller(vertx, new SimpleMeterRegistry(), new GapFiller.Options().settle(Duration.ZERO).dataDir(data).timeout(Duration.ofSeconds(4), 0)
        .segmentLength(Duration.ofSeconds(1)), null, null).start();
    try {
      Instant now = Instant.now();
      RecordingGap gap = new RecordingGap("t1", "slow", now.minusSeconds(40), now.minusSeconds(20), "read timeout");
      GapFillerResult r = f.submit(gap, cam.access()).get(30, TimeUnit.SECONDS);
      System.out.printf("MEASURE deadline 4 s on a 20 s gap: %s, %d segment(s), remaining %s, %s%n", r.fillState(), r.segments().size(),
          r.remaining(), r.fillNote());
      assertTrue(r.fillNote().contains("deadline reached"), r.fillNote());
      assertEquals(r.segments().isEmpty() ? "open" : "partial", r.fillState());
      assertEquals(1, r.attempts(), "no retry after the deadline");
      assertEquals(1, r.remaining().size());
      assertEquals(gap.end(), r.remaining().get(0).end());
      assertTrue(r.remainingDuration().compareTo(Duration.ofSeconds(15)) > 0, r.remaining().toString());
      for (RecordingSegment s : r.segments()) checkFilled(s, "slow", "h264");
    } finally {
      f.close();
    }
  }

  @Test
  void aCameraThatRefusesReplayAtFirstIsRetriedUntilFilled() throws Exception {
    Cam cam = camera(Codec.H264, Instant.now().minusSeconds(60));
    GapFiller f = new GapFiller(vertx, new SimpleMeterRegistry(), new GapFiller.Options().settle(Duration.ZERO).dataDir(data).maxAttempts(6)
        .backoff(Duration.ofMillis(300), Duration.ofSeconds(1)), null, null).start();
    try {
      cam.d().server().refuseConnections(true); // ONVIF answers, RTSP replay does not
      Instant now = Instant.now();
      RecordingGap gap = new RecordingGap("t1", "flaky", now.minusSeconds(30), now.minusSeconds(28), "read timeout");
      CompletableFuture<GapFillerResult> fill = f.submit(gap, cam.access());
      assertTrue(waitFor(() -> f.stats().retries() >= 1, Duration.ofSeconds(20)), f.stats().toString());
      cam.d().server().refuseConnections(false);
      GapFillerResult r = fill.get(40, TimeUnit.SECONDS);
      System.out.printf("MEASURE replay refused then back: %s after %d attempt(s)%n", r.fillState(), r.attempts());
      assertEquals("filled", r.fillState(), r.toString());
      assertTrue(r.attempts() >= 2, "retried: " + r.attempts());
      assertTrue(r.fillNote().startsWith("attempt 1: REC001: "), r.fillNote());
      assertFalse(r.fillNote().contains(cam.d().user() + ":" + cam.d().password()), "no credentials in notes: " + r.fillNote());
      assertEquals("x rtsp://***@127.0.0.1:1/replay/REC001 y", GapFillerReplay.redact("x rtsp://admin:p%40ss@127.0.0.1:1/replay/REC001 y"));
      assertEquals(List.of(), r.remaining());
      for (RecordingSegment s : r.segments()) checkFilled(s, "flaky", "h264");
    } finally {
      cam.d().server().refuseConnections(false);
      f.close();
    }
  }

  @Test
  void aCameraClockAnHourAheadIsCorrected() throws Exception {
    Duration ahead = Duration.ofHours(1);
    Cam cam = camera(Codec.H264, Instant.now().plus(ahead).minusSeconds(60), ahead);
    GapFiller f = new GapFiller(vertx, new SimpleMeterRegistry(), new GapFiller.Options().settle(Duration.ZERO).dataDir(data), null, null)
        .start();
    try {
      Instant now = Instant.now();
      RecordingGap gap = new RecordingGap("t1", "skewed", now.minusSeconds(30), now.minusSeconds(28), "read timeout");
      GapFillerResult r = f.submit(gap, cam.access()).get(40, TimeUnit.SECONDS);
      // uncorrected, the search would look an hour before the card's first recording and find nothing
      assertEquals("filled", r.fillState(), r.toString());
      double lead = secs(r.segments().get(0).start(), gap.start());
      double tail = secs(gap.end(), r.segments().get(r.segments().size() - 1).end());
      System.out.printf("MEASURE camera clock +1 h: filled, first segment %.3f s before the gap, last ends %.3f s after%n", lead, tail);
      // the offset is measured from a whole-second camera clock over one HTTP round trip (slow on a cold JVM):
      // ±(0.5 s + half the round trip) on top of the GOP
      assertTrue(lead >= -1.5 && lead <= 2.5, "lead " + lead);
      assertTrue(tail >= -1.5 && tail <= 2.5, "tail " + tail);
      for (RecordingSegment s : r.segments()) {
        checkFilled(s, "skewed", "h264");
        assertTrue(Math.abs(secs(s.start(), gap.start())) < 60, "segment times are ours, not the camera's: " + s.start());
      }
    } finally {
      f.close();
    }
  }

  @Test
  void remainingIsTheGapMinusTheSegments() {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    RecordingGap gap = new RecordingGap("t1", "c", t, t.plusSeconds(10), "x");
    java.util.function.BiFunction<Integer, Integer, RecordingSegment> seg = (a, b) -> new RecordingSegment("t1", "c", t.plusMillis(a),
        t.plusMillis(b), 1, "h264", "1x1", "", Path.of("/x"), "sdcard");
    java.util.function.BiFunction<Integer, Integer, GapFillerResult.Span> span = (a, b) -> new GapFillerResult.Span(t.plusMillis(a),
        t.plusMillis(b));
    assertEquals(List.of(span.apply(0, 10_000)), GapFiller.remaining(gap, List.of()));
    // starts before the gap (key frame before it), overlapping segments, a hole, a segment past the end
    assertEquals(List.of(span.apply(4000, 6000)),
        GapFiller.remaining(gap, List.of(seg.apply(6000, 12_000), seg.apply(-800, 2000), seg.apply(1500, 4000))));
    assertEquals(List.of(span.apply(0, 3000), span.apply(9000, 10_000)), GapFiller.remaining(gap, List.of(seg.apply(3000, 9000))));
    // slivers under 100 ms (frame rounding) are not reported; 100 ms is
    assertEquals(List.of(), GapFiller.remaining(gap, List.of(seg.apply(50, 9950))));
    assertEquals(List.of(span.apply(0, 100)), GapFiller.remaining(gap, List.of(seg.apply(100, 10_000))));
    // segments entirely outside the gap do not count
    assertEquals(List.of(span.apply(0, 10_000)), GapFiller.remaining(gap, List.of(seg.apply(-5000, 0), seg.apply(10_000, 12_000))));
  }

  @Test
  void oneFillPerCameraAtATime() throws Exception {
    java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> inFlight = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.Map<String, Integer> maxInFlight = new java.util.concurrent.ConcurrentHashMap<>();
    // the lookup runs inside a fill: it holds the camera for 300 ms, then says "unknown camera"
    GapFiller f = new GapFiller(vertx, new SimpleMeterRegistry(), new GapFiller.Options().settle(Duration.ZERO).dataDir(data).workers(2),
        (tenant, camera) -> {
          int n = inFlight.computeIfAbsent(camera, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
          maxInFlight.merge(camera, n, Math::max);
          Thread.sleep(300);
          inFlight.get(camera).decrementAndGet();
          return null;
        }, null).start();
    try {
      Instant now = Instant.now();
      List<CompletableFuture<GapFillerResult>> all = new ArrayList<>();
      for (int i = 0; i < 3; i++) all.add(f.submit(new RecordingGap("t1", "same", now.minusSeconds(30 - i), now.minusSeconds(29 - i), "x")));
      for (CompletableFuture<GapFillerResult> r : all) {
        GapFillerResult x = r.get(10, TimeUnit.SECONDS);
        assertEquals("unfillable", x.fillState());
        assertEquals("camera unknown to the lookup", x.fillNote());
      }
      assertEquals(1, maxInFlight.get("same"), "never two fills of one camera at once (2 workers)");
    } finally {
      f.close();
    }
  }

  @Test
  void anUnreachableCameraIsRetriedBoundedAndTheGapStaysOpen() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    GapFiller f = new GapFiller(vertx, reg, new GapFiller.Options().settle(Duration.ZERO).dataDir(data).workers(1).maxPending(1).maxAttempts(3)
        .backoff(Duration.ofMillis(100), Duration.ofMillis(400)).onvifTimeout(Duration.ofSeconds(2)), null, null).start();
    try {
      GapFiller.CameraAccess nobody = new GapFiller.CameraAccess("http://127.0.0.1:" + SimCameras.freePort() + "/onvif/device_service",
          "admin", "x");
      Instant now = Instant.now();
      RecordingGap g1 = new RecordingGap("t1", "gone", now.minusSeconds(20), now.minusSeconds(12), "read timeout");
      CompletableFuture<GapFillerResult> first = f.submit(g1, nobody);
      // the queue holds one gap: of three more submitted at once at least one is refused, counted, and reported open
      List<CompletableFuture<GapFillerResult>> more = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        more.add(f.submit(new RecordingGap("t1", "gone" + i, now.minusSeconds(10), now.minusSeconds(5), "x"), nobody));
      }
      GapFillerResult r = first.get(30, TimeUnit.SECONDS);
      System.out.printf("MEASURE unreachable camera: %s after %d attempts in %d ms: %s%n", r.fillState(), r.attempts(),
          Duration.between(r.started(), r.finished()).toMillis(), r.fillNote());
      assertEquals("open", r.fillState());
      assertEquals(3, r.attempts(), "tried maxAttempts times");
      assertEquals(List.of(new GapFillerResult.Span(g1.start(), g1.end())), r.remaining(), "the whole gap stays reported");
      assertTrue(r.fillNote().startsWith("gave up after 3 attempt(s)"), r.fillNote());
      assertEquals(List.of(), r.segments());
      long refused = 0;
      for (CompletableFuture<GapFillerResult> m : more) {
        GapFillerResult x = m.get(30, TimeUnit.SECONDS);
        assertEquals("open", x.fillState());
        if (x.fillNote().startsWith("fill queue full")) refused++;
      }
      assertTrue(refused >= 1, "queue bound enforced");
      assertEquals(refused, f.stats().overflow());
      assertEquals(refused, reg.get("vms.recording.gapfill.overflow").counters().stream().mapToDouble(c -> c.count()).sum());
      assertTrue(f.stats().retries() >= 2, f.stats().toString());
      // a sub-stream gap is not filled from the card (it records the main stream)
      GapFillerResult sub = f.submit(new RecordingGap("t1", "c", "sub", now.minusSeconds(5), now, "x"), nobody).get(5, TimeUnit.SECONDS);
      assertEquals("unfillable", sub.fillState());
      assertNotNull(sub.fillNote());
      assertEquals(0, f.stats().pending());
    } finally {
      f.close();
    }
  }
}
