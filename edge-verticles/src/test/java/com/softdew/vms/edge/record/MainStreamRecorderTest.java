package com.softdew.vms.edge.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Main-stream remux against the RTSP camera simulator (1280x720 15 fps, GOP 1 s, no B-frames) and a local
 * H.264 file with B-frames; every file is checked with the ffprobe CLI.
 */
class MainStreamRecorderTest {
  static Vertx vertx;
  static CameraSimulator sim;
  @TempDir
  Path data;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
  }

  @AfterAll
  static void tearDown() throws Exception {
    await(sim.stop());
    await(vertx.close());
  }

  static CameraSimulator.Descriptor camera(Codec codec) throws Exception {
    return await(com.softdew.vms.sim.SimCameras.one(sim, codec));
  }

  static boolean waitFor(BooleanSupplier c, Duration max) throws InterruptedException {
    long t0 = System.nanoTime();
    while (!c.getAsBoolean()) {
      if (System.nanoTime() - t0 > max.toNanos()) return false;
      Thread.sleep(50);
    }
    return true;
  }

  static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String s = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + s);
    return s;
  }

  /** ffprobe of the video stream, the container duration and every packet. */
  static JsonObject probe(Path f) throws Exception {
    return new JsonObject(run("/usr/bin/ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
        "stream=codec_name,width,height,has_b_frames:format=duration,format_name:packet=pts,dts,flags", "-of", "json", f.toString()));
  }

  /** Decodes the whole file with the ffmpeg CLI; returns what it complained about (empty = clean). */
  static String decodeErrors(Path f) throws Exception {
    return run("/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-i", f.toString(), "-f", "null", "-").trim();
  }

  static MainStreamRecorder.Options options(CameraSimulator.Descriptor d, String cam, Path data) {
    return new MainStreamRecorder.Options().tenantId("t1").cameraId(cam).url(d.rtspMain()).credentials(d.user(), d.password())
        .dataDir(data).segmentLength(Duration.ofSeconds(4));
  }

  /** Checks one closed segment; returns its duration in seconds. */
  static double checkSegment(RecordingSegment s, String codec, String resolution) throws Exception {
    assertTrue(Files.isRegularFile(s.path()), s.path().toString());
    assertFalse(s.path().toString().endsWith(".part"));
    assertEquals("t1", s.tenantId());
    assertEquals("rtsp", s.source());
    assertEquals(codec, s.codec());
    assertEquals(resolution, s.resolution());
    assertEquals(Files.size(s.path()), s.bytes());
    // (3) checksum = sha256 of the file, computed by the coreutils CLI
    String sum = run("sha256sum", s.path().toString()).split("\\s+")[0];
    assertEquals(sum, s.sha256(), "checksum of " + s.path());
    // layout dataDir/recordings/<tenant>/<camera>/<stream>/<yyyy-mm-dd>/<startEpochMs>.mp4
    assertEquals(s.start().toEpochMilli() + ".mp4", s.path().getFileName().toString());
    assertEquals(s.start().toString().substring(0, 10), s.path().getParent().getFileName().toString());
    assertEquals(s.stream(), s.path().getParent().getParent().getFileName().toString());
    assertEquals(s.cameraId(), s.path().getParent().getParent().getParent().getFileName().toString());
    JsonObject p = probe(s.path());
    JsonObject st = p.getJsonArray("streams").getJsonObject(0);
    assertEquals(codec, st.getString("codec_name"), "the camera's codec, copied");
    assertEquals(resolution, st.getInteger("width") + "x" + st.getInteger("height"));
    JsonArray pk = p.getJsonArray("packets");
    assertTrue(pk.getJsonObject(0).getString("flags").startsWith("K"), "first frame a key frame: " + pk.getJsonObject(0));
    assertEquals(0L, pk.getJsonObject(0).getLong("dts"), "each segment starts at 0");
    long prev = Long.MIN_VALUE;
    for (int i = 0; i < pk.size(); i++) {
      long dts = pk.getJsonObject(i).getLong("dts");
      assertTrue(dts > prev, "dts strictly increasing at packet " + i);
      prev = dts;
    }
    assertTrue(p.getJsonObject("format").getString("format_name").contains("mp4"));
    String bytes = new String(Files.readAllBytes(s.path()), StandardCharsets.ISO_8859_1);
    int moof = bytes.split("moof", -1).length - 1;
    assertTrue(bytes.indexOf("moov") >= 0 && bytes.indexOf("moov") < bytes.indexOf("moof"), "fragmented MP4 (empty moov, then moof+mdat)");
    double seconds = Duration.between(s.start(), s.end()).toMillis() / 1000.0;
    assertTrue(moof >= Math.floor(seconds), "a fragment per key frame (GOP 1 s): " + moof + " in " + seconds + " s");
    String errors = decodeErrors(s.path());
    assertEquals("", errors, "decodes cleanly: " + s.path());
    double dur = Double.parseDouble(p.getJsonObject("format").getString("duration"));
    double wall = Duration.between(s.start(), s.end()).toMillis() / 1000.0;
    assertTrue(Math.abs(dur - wall) < 0.2, "record end - start " + wall + " matches the file " + dur);
    return dur;
  }

  @Test
  void h264AndH265RecordedByRemuxInto4sSegments() throws Exception {
    CameraSimulator.Descriptor h264 = camera(Codec.H264), h265 = camera(Codec.H265);
    List<RecordingSegment> s264 = Collections.synchronizedList(new ArrayList<>()), s265 = Collections.synchronizedList(new ArrayList<>());
    List<String> threads = Collections.synchronizedList(new ArrayList<>());
    List<JsonObject> bus = Collections.synchronizedList(new ArrayList<>());
    vertx.eventBus().<JsonObject>consumer(MainStreamRecorder.SEGMENT_ADDRESS, m -> bus.add(m.body()));
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    MainStreamRecorder a = new MainStreamRecorder(vertx, reg, options(h264, "cam-264", data), s -> {
      threads.add(Thread.currentThread().getName());
      s264.add(s);
    }).start();
    MainStreamRecorder b = new MainStreamRecorder(vertx, reg, options(h265, "cam-265", data), s265::add).start();
    try {
      assertTrue(waitFor(() -> s264.size() >= 2 && s265.size() >= 2, Duration.ofSeconds(30)),
          "two closed segments each: " + a.stats() + " " + b.stats());
    } finally {
      a.close();
      b.close();
    }
    for (var e : List.of(List.of(s264, "h264", a), List.of(s265, "hevc", b))) {
      @SuppressWarnings("unchecked") List<RecordingSegment> segs = (List<RecordingSegment>) e.get(0);
      String codec = (String) e.get(1);
      MainStreamRecorder r = (MainStreamRecorder) e.get(2);
      MainStreamRecorder.Stats st = r.stats();
      System.out.printf("measured %s: %s%n", codec, st);
      assertFalse(st.encoderOpened(), "no encoder opened");
      assertEquals(codec, st.lastRecorderCodec(), "recorder stream codec = camera codec");
      assertEquals(0, st.decodedFrames(), "grabPacket only: the grabber's decoder got no frame");
      assertEquals(0, st.writeErrors());
      // the first packet of an RTSP session (the key frame the simulator starts with) has no timestamps: kept, not dropped
      assertEquals(0, st.packetsDropped(), "no packet lost, the first GOP included");
      assertTrue(segs.size() >= 3, "2 full + the one closed by close(): " + segs.size());
      for (int i = 0; i < segs.size(); i++) {
        double dur = checkSegment(segs.get(i), codec, "1280x720");
        System.out.printf("measured %s segment %d: %.3f s, %d bytes, %s%n", codec, i, dur, segs.get(i).bytes(), segs.get(i).path().getFileName());
        if (i < segs.size() - 1) {
          assertTrue(dur >= 4.0 - 0.01 && dur <= 5.0 + 0.01, "4 s cut at the next key frame (GOP 1 s): " + dur);
          assertEquals(segs.get(i).end(), segs.get(i + 1).start(), "contiguous segments");
        }
      }
      try (var files = Files.walk(r.cameraDir())) {
        assertEquals(0, files.filter(f -> f.toString().endsWith(".part")).count(), "no .part left");
      }
    }
    assertTrue(threads.stream().allMatch(t -> t.equals("record-t1/cam-264")), threads.toString());
    assertTrue(waitFor(() -> bus.size() >= s264.size() + s265.size(), Duration.ofSeconds(2)));
    assertEquals("t1", bus.get(0).getString("tenantId"));
    assertEquals(s264.size() + s265.size(), reg.get("vms.recording.segments").counters().stream().mapToDouble(c -> c.count()).sum());
  }

  @Test
  void dropAndReturnReportsAGapAndKeepsSegmentsValid() throws Exception {
    CameraSimulator.Descriptor d = camera(Codec.H264);
    List<RecordingSegment> segs = Collections.synchronizedList(new ArrayList<>());
    List<RecordingGap> gaps = Collections.synchronizedList(new ArrayList<>());
    List<JsonObject> bus = Collections.synchronizedList(new ArrayList<>());
    vertx.eventBus().<JsonObject>consumer(MainStreamRecorder.GAP_ADDRESS, m -> bus.add(m.body()));
    MainStreamRecorder r = new MainStreamRecorder(vertx, new SimpleMeterRegistry(), options(d, "drop", data), new RecordingListener() {
      @Override
      public void segment(RecordingSegment s) {
        segs.add(s);
      }

      @Override
      public void gap(RecordingGap g) {
        gaps.add(g);
      }
    }).start();
    try {
      assertTrue(waitFor(() -> r.stats().packetsWritten() > 30, Duration.ofSeconds(15)), r.stats().toString());
      d.server().refuseConnections(true);
      await(d.server().dropStream());
      // the partial segment is closed at the drop
      assertTrue(waitFor(() -> segs.size() >= 1, Duration.ofSeconds(8)), "partial segment closed at the drop: " + r.stats());
      Thread.sleep(2000);
      d.server().refuseConnections(false);
      assertTrue(waitFor(() -> gaps.size() == 1, Duration.ofSeconds(10)), "gap reported: " + r.stats());
      long after = r.stats().packetsWritten();
      assertTrue(waitFor(() -> r.stats().packetsWritten() > after + 20, Duration.ofSeconds(10)));
    } finally {
      r.close();
    }
    RecordingGap g = gaps.get(0);
    long gapMs = Duration.between(g.start(), g.end()).toMillis();
    System.out.printf("measured drop: gap %d ms (%s), segments %d, %s%n", gapMs, g.reason(), segs.size(), r.stats());
    assertEquals("t1", g.tenantId());
    assertTrue(gapMs >= 1500, "camera refused for 2 s: " + gapMs);
    List<RecordingSegment> before = segs.stream().filter(s -> !s.end().isAfter(g.start())).toList();
    List<RecordingSegment> afterGap = segs.stream().filter(s -> !s.start().isBefore(g.end())).toList();
    assertEquals(segs.size(), before.size() + afterGap.size(), "no segment overlaps the gap");
    assertTrue(!before.isEmpty() && !afterGap.isEmpty());
    assertEquals(before.get(before.size() - 1).end(), g.start(), "the gap starts where the last segment ends");
    assertEquals(afterGap.get(0).start(), g.end(), "and ends where the next begins");
    for (RecordingSegment s : segs) checkSegment(s, "h264", "1280x720");
    assertTrue(waitFor(() -> bus.size() == 1, Duration.ofSeconds(2)));
    assertEquals(g.toJson(), bus.get(0));
  }

  @Test
  void bFramesKeepTheirOrderAndDecodeCleanly() throws Exception {
    Path src = data.resolve("bframes.ts");
    run("/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15", "-t", "5", "-c:v", "libx264",
        "-profile:v", "main", "-bf", "2", "-g", "15", "-pix_fmt", "yuv420p", "-f", "mpegts", src.toString());
    List<RecordingSegment> segs = Collections.synchronizedList(new ArrayList<>());
    MainStreamRecorder r = new MainStreamRecorder(null, new SimpleMeterRegistry(), new MainStreamRecorder.Options().tenantId("t1")
        .cameraId("bframes").url(src.toString()).dataDir(data).segmentLength(Duration.ofSeconds(2)), segs::add).start();
    try {
      assertTrue(waitFor(() -> segs.size() >= 3, Duration.ofSeconds(20)), r.stats().toString());
    } finally {
      r.close();
    }
    int packets = 0;
    for (int i = 0; i < 3; i++) {
      RecordingSegment s = segs.get(i);
      double dur = checkSegment(s, "h264", "320x240");
      JsonObject p = probe(s.path());
      assertTrue(p.getJsonArray("streams").getJsonObject(0).getInteger("has_b_frames") > 0, "B-frames kept");
      JsonArray pk = p.getJsonArray("packets");
      packets += pk.size();
      boolean reordered = false;
      for (int k = 0; k < pk.size(); k++) {
        JsonObject x = pk.getJsonObject(k);
        assertTrue(x.getLong("pts") >= x.getLong("dts"), "pts >= dts");
        reordered |= x.getLong("pts") > x.getLong("dts") && k > 0 && x.getLong("pts") < pk.getJsonObject(k - 1).getLong("pts");
      }
      assertTrue(reordered, "presentation order differs from decode order (B-frames)");
      System.out.printf("measured b-frames segment %d: %.3f s, %d packets%n", i, dur, pk.size());
      if (i < 2) assertEquals(2.0, dur, 0.01, "2 s cut at the 1 s GOP");
    }
    assertEquals(75, packets, "every frame of the 5 s clip is in the first 3 segments");
  }

  @Test
  void diskFailureIsCountedAndRecordingResumesWhenTheDiskIsBack() throws Exception {
    CameraSimulator.Descriptor d = camera(Codec.H264);
    Path blocked = data.resolve("recordings");
    Files.writeString(blocked, "a file where the recordings directory should be"); // every segment open fails
    List<RecordingSegment> segs = Collections.synchronizedList(new ArrayList<>());
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    MainStreamRecorder r = new MainStreamRecorder(null, reg, options(d, "disk", data).segmentLength(Duration.ofSeconds(1)), segs::add)
        .start();
    try {
      assertTrue(waitFor(() -> r.stats().writeErrors() >= 2, Duration.ofSeconds(15)), r.stats().toString());
      assertTrue(segs.isEmpty());
      long droppedWhileFailing = r.stats().packetsDropped();
      Files.delete(blocked); // the disk is back
      assertTrue(waitFor(() -> segs.size() >= 1, Duration.ofSeconds(10)), "recording resumes: " + r.stats());
      assertTrue(droppedWhileFailing > 0, "packets are dropped, not queued, while the disk fails");
      System.out.printf("measured disk failure: %s%n", r.stats());
    } finally {
      r.close();
    }
    assertEquals((double) r.stats().writeErrors(), reg.get("vms.recording.write.errors").counter().count());
    assertEquals(1, r.stats().sessions(), "a disk failure does not drop the camera session");
    checkSegment(segs.get(0), "h264", "1280x720");
  }
}
