package com.softdew.vms.edge.record.playback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.record.MainStreamRecorder;
import com.softdew.vms.edge.record.RecordingSegment;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import com.softdew.vms.sim.SimCameras;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The playback primitives on REAL recordings: ~20 s of the camera simulator's H.264 and H.265 main streams
 * (1280x720, 15 fps, GOP 1 s) recorded by {@link MainStreamRecorder} into 4 s fragmented-MP4 segments, checked with
 * the ffmpeg / ffprobe CLIs.
 */
class PlaybackPrimitivesTest {
  static Vertx vertx;
  static CameraSimulator sim;
  static Path data;
  static List<RecordingSegment> s264 = Collections.synchronizedList(new ArrayList<>());
  static List<RecordingSegment> s265 = Collections.synchronizedList(new ArrayList<>());

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }

  @BeforeAll
  static void record() throws Exception {
    vertx = Vertx.vertx();
    sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
    data = Files.createTempDirectory("playback-rec");
    CameraSimulator.Descriptor h264 = await(SimCameras.one(sim, Codec.H264)), h265 = await(SimCameras.one(sim, Codec.H265));
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    MainStreamRecorder a = new MainStreamRecorder(null, reg, options(h264, "cam-264"), s264::add).start();
    MainStreamRecorder b = new MainStreamRecorder(null, reg, options(h265, "cam-265"), s265::add).start();
    long t0 = System.nanoTime();
    try {
      while ((s264.size() < 5 || s265.size() < 5) && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60)) Thread.sleep(100);
    } finally {
      a.close();
      b.close();
    }
    assertTrue(s264.size() >= 5 && s265.size() >= 5, "recorded " + s264.size() + " / " + s265.size());
    s264.sort((x, y) -> x.start().compareTo(y.start()));
    s265.sort((x, y) -> x.start().compareTo(y.start()));
  }

  static MainStreamRecorder.Options options(CameraSimulator.Descriptor d, String cam) {
    return new MainStreamRecorder.Options().tenantId("t1").cameraId(cam).url(d.rtspMain()).credentials(d.user(), d.password())
        .dataDir(data).segmentLength(Duration.ofSeconds(4));
  }

  @AfterAll
  static void tearDown() throws Exception {
    await(sim.stop());
    await(vertx.close());
    deleteTree(data);
  }

  static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) return;
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // a browser child still exiting: the temp directory stays, nothing else depends on it
        }
      }
    }
  }

  static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    String s = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + s);
    return s;
  }

  static JsonObject probe(Path f) throws Exception {
    return new JsonObject(run("/usr/bin/ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
        "stream=codec_name,width,height,nb_read_packets:format=duration", "-of", "json", f.toString()));
  }

  static int packets(Path f) throws Exception {
    return Integer.parseInt(probe(f).getJsonArray("streams").getJsonObject(0).getString("nb_read_packets"));
  }

  /** MD5 of every packet's data, read with -c copy (no decoding). */
  static List<String> packetHashes(Path f) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : run("/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-i", f.toString(), "-map", "0:v:0", "-c", "copy", "-f", "framemd5", "-").split("\n")) {
      if (line.startsWith("#") || line.isBlank()) continue;
      String[] c = line.split(",");
      out.add(c[c.length - 1].trim() + "/" + c[c.length - 2].trim()); // md5 / size
    }
    return out;
  }

  static List<RangeExporter.Source> sources(List<RecordingSegment> segs) {
    return segs.stream().map(s -> new RangeExporter.Source(s.path(), s.start(), s.end())).toList();
  }

  @Test
  void boxLayoutSplitsInitAndMediaOfEveryRecordedFile() throws Exception {
    for (RecordingSegment s : List.of(s264.get(1), s265.get(1))) {
      Mp4Boxes.Layout l = Mp4Boxes.layout(s.path());
      List<Mp4Boxes.Box> boxes = l.boxes();
      assertEquals("ftyp", boxes.get(0).type());
      assertEquals("moov", boxes.get(1).type());
      assertEquals(0, l.init().offset());
      assertEquals(boxes.get(2).offset(), l.init().length(), "init = ftyp+moov, up to the first moof");
      assertEquals("moof", boxes.get(2).type());
      assertTrue(l.fragments() >= 4, "1 s fragments in a 4 s file: " + l.fragments());
      assertTrue(l.media().offset() + l.media().length() <= Files.size(s.path()));
      // init + media alone is a complete file: the same packets as the original
      byte[] all = Files.readAllBytes(s.path());
      Path joined = Files.createTempFile(data, "joined", ".mp4");
      try (var out = Files.newOutputStream(joined)) {
        out.write(all, 0, (int) l.init().length());
        out.write(all, (int) l.media().offset(), (int) l.media().length());
      }
      assertEquals(packetHashes(s.path()), packetHashes(joined));
      // what is left out is only the trailing mfra index (or nothing)
      long tail = Files.size(s.path()) - (l.media().offset() + l.media().length());
      if (tail > 0) assertEquals("mfra", boxes.get(boxes.size() - 1).type());
    }
    // a box with a 64-bit size (size field 1 + largesize) between the moov and the first moof is walked over
    RecordingSegment one = s264.get(1);
    Mp4Boxes.Layout l1 = Mp4Boxes.layout(one.path());
    byte[] src = Files.readAllBytes(one.path());
    java.nio.ByteBuffer free = java.nio.ByteBuffer.allocate(40).putInt(1).put("free".getBytes(StandardCharsets.ISO_8859_1)).putLong(40);
    Path big = Files.createTempFile(data, "largesize", ".mp4");
    try (var out = Files.newOutputStream(big)) {
      out.write(src, 0, (int) l1.init().length());
      out.write(free.array());
      out.write(src, (int) l1.init().length(), src.length - (int) l1.init().length());
    }
    Mp4Boxes.Layout lb = Mp4Boxes.layout(big);
    assertEquals(new Mp4Boxes.Box("free", l1.init().length(), 40), lb.boxes().get(2));
    assertEquals(l1.init().length() + 40, lb.init().length());
    assertEquals(l1.media().length(), lb.media().length());
    assertEquals(l1.fragments(), lb.fragments());
    assertEquals(packetHashes(one.path()), packetHashes(big));
    // a file cut short (crash) still yields the complete fragments before the cut
    RecordingSegment s = s264.get(2);
    Path cut = Files.createTempFile(data, "cut", ".mp4");
    byte[] all = Files.readAllBytes(s.path());
    Files.write(cut, java.util.Arrays.copyOf(all, all.length * 2 / 3));
    Mp4Boxes.Layout l = Mp4Boxes.layout(cut);
    assertTrue(l.fragments() >= 2 && l.fragments() < Mp4Boxes.layout(s.path()).fragments(), "fragments of the cut file " + l.fragments());
  }

  @Test
  void hlsPlaylistOverTheFilesReadsEveryFrameWithFfmpeg() throws Exception {
    for (List<RecordingSegment> segs : List.of(s264, s265)) {
      List<HlsPlaylist.Segment> items = new ArrayList<>();
      int expected = 0;
      for (RecordingSegment s : segs) {
        Mp4Boxes.Layout l = Mp4Boxes.layout(s.path());
        String uri = s.path().toUri().toString();
        items.add(new HlsPlaylist.Segment(uri, l.init(), uri, l.media(), s.start(), s.end()));
        expected += packets(s.path());
      }
      String m3u8 = HlsPlaylist.vod(HlsPlaylist.withGaps(items, Duration.ofMillis(200), "drop"), segs.get(0).start().plusMillis(1500));
      assertTrue(m3u8.contains("#EXT-X-START:TIME-OFFSET=1.500,PRECISE=YES"), m3u8);
      assertEquals(segs.size(), m3u8.split("#EXT-X-MAP", -1).length - 1);
      assertEquals(segs.size() - 1, m3u8.split("#EXT-X-DISCONTINUITY\n", -1).length - 1);
      Path pl = data.resolve("local-" + segs.get(0).codec() + ".m3u8");
      Files.writeString(pl, m3u8);
      String out = run("/usr/bin/ffmpeg", "-nostdin", "-hide_banner", "-protocol_whitelist", "file", "-allowed_extensions", "ALL", "-i",
          pl.toString(), "-c", "copy", "-f", "null", "-");
      int frames = frames(out);
      assertEquals(expected, frames, "every packet of every file through the playlist: " + out);
      double total = HlsPlaylist.duration(HlsPlaylist.withGaps(items, Duration.ofMillis(200), "drop")).toMillis() / 1000.0;
      assertEquals(total, frames / 15.0, 1.0, "frames at 15 fps vs the EXTINF sum");
    }
    // a gap becomes a discontinuity with a date jump and a comment
    HlsPlaylist.Segment a = new HlsPlaylist.Segment("a", null, "a", null, Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:10Z"));
    HlsPlaylist.Segment b = new HlsPlaylist.Segment("b", null, "b", null, Instant.parse("2026-01-01T00:00:15Z"), Instant.parse("2026-01-01T00:00:25.5Z"));
    String m = HlsPlaylist.vod(HlsPlaylist.withGaps(List.of(a, b), Duration.ofMillis(200), "camera offline"), null);
    assertTrue(m.contains("## gap 2026-01-01T00:00:10Z/2026-01-01T00:00:15Z camera offline\n#EXT-X-DISCONTINUITY\n"), m);
    assertTrue(m.contains("#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:15.000Z\n#EXTINF:10.500,\nb\n"), m);
    assertTrue(m.contains("#EXT-X-TARGETDURATION:11\n"), m);
    assertFalse(m.contains("EXT-X-START"));
  }

  static int frames(String ffmpegOut) {
    var m = java.util.regex.Pattern.compile("frame=\\s*(\\d+)").matcher(ffmpegOut);
    int last = -1;
    while (m.find()) last = Integer.parseInt(m.group(1));
    assertTrue(last >= 0, ffmpegOut);
    return last;
  }

  @Test
  void exportRemuxesTheRangeFromTheKeyFrameWithContinuousTimestamps() throws Exception {
    for (List<RecordingSegment> segs : List.of(s264, s265)) {
      String codec = segs.get(0).codec();
      Instant from = segs.get(1).start().plusMillis(1500), to = segs.get(3).start().plusMillis(2200);
      Path out = data.resolve("export-" + codec + ".mp4");
      long t0 = System.nanoTime();
      RangeExporter.Result r = RangeExporter.export(sources(segs), from, to, out);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertFalse(r.partial(), r.toString());
      assertEquals(3, r.files());
      assertEquals(codec, r.codec());
      // starts at the key frame at or before `from` (GOP 1 s: at most 1 s earlier)
      long leadMs = Duration.between(r.start(), from).toMillis();
      assertTrue(leadMs >= 0 && leadMs <= 1000, "key-frame lead-in " + leadMs + " ms");
      JsonObject p = probe(out);
      JsonObject st = p.getJsonArray("streams").getJsonObject(0);
      assertEquals(codec, st.getString("codec_name"), "codec unchanged");
      assertEquals(1280, st.getInteger("width"));
      double dur = Double.parseDouble(p.getJsonObject("format").getString("duration"));
      double asked = Duration.between(from, to).toMillis() / 1000.0 + leadMs / 1000.0;
      assertEquals(asked, dur, 1.0, "duration = asked range + key-frame lead-in");
      assertEquals(r.duration().toMillis() / 1000.0, dur, 0.2);
      // no re-encode: the exported packets are byte for byte a contiguous run of the recorded ones
      List<String> src = new ArrayList<>();
      for (int i = 1; i <= 3; i++) src.addAll(packetHashes(segs.get(i).path()));
      List<String> exp = packetHashes(out);
      assertEquals(r.packets(), exp.size());
      int at = Collections.indexOfSubList(src, exp);
      assertTrue(at >= 0, "exported packets are the recorded packets, unchanged");
      assertEquals("", run("/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-i", out.toString(), "-f", "null", "-").trim(), "decodes cleanly");
      // faststart: the moov is before the media
      List<Mp4Boxes.Box> boxes = Mp4Boxes.topLevel(out);
      int moov = -1, mdat = -1;
      for (int i = 0; i < boxes.size(); i++) {
        if (boxes.get(i).type().equals("moov") && moov < 0) moov = i;
        if (boxes.get(i).type().equals("mdat") && mdat < 0) mdat = i;
      }
      assertTrue(moov >= 0 && moov < mdat, "faststart: " + boxes);
      // the same files concatenated by the ffmpeg CLI (-c copy), for comparison
      Path list = data.resolve("concat-" + codec + ".txt");
      Files.writeString(list, "file '" + segs.get(1).path() + "'\nfile '" + segs.get(2).path() + "'\nfile '" + segs.get(3).path() + "'\n");
      long c0 = System.nanoTime();
      run("/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", list.toString(), "-ss",
          String.valueOf(leadMs > 0 ? 1.5 - leadMs / 1000.0 : 1.5), "-t", String.valueOf(dur), "-c", "copy", "-movflags", "+faststart",
          data.resolve("cli-" + codec + ".mp4").toString());
      long cliMs = (System.nanoTime() - c0) / 1_000_000;
      System.out.printf("measured export %s: %.1f s of video, %d packets, %d bytes in %d ms (ffmpeg CLI -c copy of the same 3 files: %d ms)%n",
          codec, dur, r.packets(), r.bytes(), ms, cliMs);
    }
  }

  @Test
  void exportBeyondTheFootageIsPartialAndSaysWhere() throws Exception {
    List<RecordingSegment> segs = s264;
    RecordingSegment last = segs.get(segs.size() - 1);
    Instant from = last.start(), to = last.end().plusSeconds(5); // the last file (closed by close()) may be very short
    // and a hole: the second-to-last file is left out
    List<RangeExporter.Source> src = new ArrayList<>(sources(segs));
    src.remove(src.size() - 2);
    Instant from2 = segs.get(segs.size() - 3).start();
    RangeExporter.Result r = RangeExporter.export(src, from2, to, data.resolve("partial.mp4"));
    assertTrue(r.partial());
    assertEquals(2, r.holes().size(), r.holes().toString());
    assertEquals(segs.get(segs.size() - 2).start(), r.holes().get(0).start());
    assertEquals(last.start(), r.holes().get(0).end());
    assertEquals(last.end(), r.holes().get(1).start());
    double dur = Double.parseDouble(probe(r.file()).getJsonObject("format").getString("duration"));
    double footage = (Duration.between(segs.get(segs.size() - 3).start(), segs.get(segs.size() - 3).end()).toMillis()
        + Duration.between(last.start(), last.end()).toMillis()) / 1000.0;
    assertEquals(footage, dur, 0.3, "the hole is collapsed: continuous timestamps");
    RangeExporter.Result r2 = RangeExporter.export(sources(segs), from, to, data.resolve("tail.mp4"));
    assertTrue(r2.partial());
    assertEquals(last.end(), r2.holes().get(0).start());
  }

  @Test
  void h265SegmentTranscodesToH264OnceAndTheCacheIsBounded() throws Exception {
    assertTrue(Transcoder.available(), "libopenh264 in JavaCV's FFmpeg");
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    Path cache = Files.createTempDirectory(data, "tc");
    RecordingSegment a = s265.get(1), b = s265.get(2);
    long one = 3 * Files.size(a.path()); // room for about one transcoded file
    Transcoder t = new Transcoder(cache, one, reg);
    // two callers at once for the same segment: one transcode
    CompletableFuture<Path> c1 = CompletableFuture.supplyAsync(() -> unchecked(() -> t.h264("t1", a.segmentId(), a.path())));
    CompletableFuture<Path> c2 = CompletableFuture.supplyAsync(() -> unchecked(() -> t.h264("t1", a.segmentId(), a.path())));
    Path pa = c1.get(120, TimeUnit.SECONDS);
    assertEquals(pa, c2.get(120, TimeUnit.SECONDS));
    assertEquals(1.0, reg.get("vms.playback.transcodes").counter().count());
    JsonObject p = probe(pa);
    JsonObject st = p.getJsonArray("streams").getJsonObject(0);
    assertEquals("h264", st.getString("codec_name"));
    assertEquals(1280, st.getInteger("width"));
    assertEquals(720, st.getInteger("height"));
    assertEquals(packets(a.path()), Integer.parseInt(st.getString("nb_read_packets")), "every frame transcoded");
    double dur = Double.parseDouble(p.getJsonObject("format").getString("duration"));
    assertEquals(Duration.between(a.start(), a.end()).toMillis() / 1000.0, dur, 0.2);
    assertTrue(Mp4Boxes.layout(pa).fragments() >= 4, "fragmented like the recordings");
    assertEquals("", run("/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-i", pa.toString(), "-f", "null", "-").trim());
    assertEquals(pa, t.h264("t1", a.segmentId(), a.path()));
    assertEquals(1.0, reg.get("vms.playback.transcodes").counter().count(), "second call served from the cache");
    assertTrue(reg.get("vms.playback.transcode.cache.hits").counter().count() >= 1);
    long size = Files.size(pa);
    Transcoder small = new Transcoder(cache, size + size / 2, reg);
    Path pb = small.h264("t1", b.segmentId(), b.path());
    assertTrue(Files.exists(pb));
    assertFalse(Files.exists(pa), "the least recently used file was evicted to stay under the bound");
    assertEquals(1, small.evicted());
    // a height bound: 1280x720 → 640x360, every frame kept
    Path scaled = new Transcoder(Files.createTempDirectory(data, "tc360"), 1L << 30, 360, reg).h264("t1", b.segmentId(), b.path());
    JsonObject ps = probe(scaled).getJsonArray("streams").getJsonObject(0);
    assertEquals("h264", ps.getString("codec_name"));
    assertEquals(640, ps.getInteger("width"));
    assertEquals(360, ps.getInteger("height"));
    assertEquals(packets(b.path()), Integer.parseInt(ps.getString("nb_read_packets")));
  }

  interface Io<T> {
    T get() throws Exception;
  }

  static <T> T unchecked(Io<T> s) {
    try {
      return s.get();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  @Test
  void thumbnailsAreJpegsOfTheAskedWidthAlongTheTimeline() throws Exception {
    for (List<RecordingSegment> segs : List.of(s264, s265)) {
      RecordingSegment s = segs.get(1);
      Thumbnailer.Thumb th = Thumbnailer.keyFrame(s.path(), Duration.ofMillis(2500), 320, 0.8f);
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(th.jpeg()));
      assertNotNull(img, "decodes as JPEG");
      assertEquals(320, img.getWidth());
      assertEquals(180, img.getHeight());
      assertEquals(0xFF, th.jpeg()[0] & 0xFF);
      assertEquals(0xD8, th.jpeg()[1] & 0xFF);
      long key = th.keyFrameOffset().toMillis();
      assertTrue(key <= 2500 && key > 1400, "the key frame at or before 2.5 s (GOP 1 s): " + key);
      // not a blank picture: the test pattern has contrast
      int min = 255, max = 0;
      for (int y = 0; y < img.getHeight(); y += 7) {
        for (int x = 0; x < img.getWidth(); x += 7) {
          int g = (img.getRGB(x, y) >> 8) & 0xFF;
          min = Math.min(min, g);
          max = Math.max(max, g);
        }
      }
      assertTrue(max - min > 50, "picture content " + min + ".." + max);
    }
    List<RangeExporter.Source> src = new ArrayList<>(sources(s264));
    src.remove(2);
    Instant from = s264.get(0).start(), to = s264.get(4).end();
    List<Thumbnailer.Point> pts = Thumbnailer.timeline(src, from, to, 10);
    assertEquals(10, pts.size());
    int gaps = 0;
    for (Thumbnailer.Point p : pts) {
      if (p.source() == null) {
        gaps++;
        assertTrue(!p.at().isBefore(s264.get(2).start()) && p.at().isBefore(s264.get(2).end()));
      } else {
        assertTrue(!p.at().isBefore(p.source().start()) && p.at().isBefore(p.source().end()));
      }
    }
    assertTrue(gaps >= 1, "the removed file shows as a gap");
  }
}
