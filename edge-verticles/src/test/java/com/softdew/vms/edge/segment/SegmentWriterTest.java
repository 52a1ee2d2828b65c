package com.softdew.vms.edge.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real frames in, real H.264 MP4 segments out, checked by ffprobe and by decoding them again. */
class SegmentWriterTest {
  static final String TENANT = "7c0e4f3e-3c1d-4b8e-9a51-0f6f1a2b3c4d";
  static final String CAMERA = "1f2e3d4c-5b6a-4987-8abc-def012345678";

  @Test
  void fiveSecondSegmentsWithOneSecondOverlap(@TempDir Path dir) throws Exception {
    SegmentStore store = new SegmentStore(dir);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<SegmentInfo> closed = new CopyOnWriteArrayList<>();
    Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
    long begin = System.nanoTime();
    try (SegmentWriter w = SegmentWriter.start(TENANT, CAMERA, SegmentWriter.Options.defaults(), store, closed::add, registry)) {
      for (int i = 0; i < 135; i++) w.put(TestFrames.frame(TENANT, CAMERA, i, t0, 15)); // 9 s of video
    }
    long wallMs = (System.nanoTime() - begin) / 1_000_000;

    // [0,5) [4,9) and, flushed on close, the partial [8,13) holding frames 120..134
    assertEquals(3, closed.size(), "segments " + closed);
    SegmentInfo s0 = closed.get(0);
    SegmentInfo s1 = closed.get(1);
    SegmentInfo s2 = closed.get(2);
    assertEquals(List.of(0L, 1L, 2L), closed.stream().map(SegmentInfo::seq).toList());
    assertEquals(75, s0.frameCount());
    assertEquals(75, s1.frameCount());
    assertEquals(15, s2.frameCount());
    assertEquals(t0, s0.start());
    assertEquals(t0.plusSeconds(5), s0.end());
    assertEquals(t0.plusSeconds(4), s1.start(), "segment 1 starts O = 1 s before segment 0 ends");
    assertEquals(t0.plusSeconds(9), s1.end());
    assertEquals(t0.plusSeconds(8), s2.start());
    assertEquals("640x480", s0.resolution());
    assertEquals(dir.toAbsolutePath().resolve("segments/" + TENANT + "/" + CAMERA + "/2026-03-01/0.mp4"), s0.path());
    assertEquals(s0.bytes(), Files.size(s0.path()));
    assertEquals(s0.bytes() * 8 / 5, s0.bitrate(), 1);
    try (Stream<Path> files = Files.list(s0.path().getParent())) {
      assertEquals(List.of("0.mp4", "1.mp4", "2.mp4"), files.map(p -> p.getFileName().toString()).sorted().toList(),
          "only final names are left (temporary .part files renamed)");
    }

    for (SegmentInfo s : List.of(s0, s1)) {
      JsonObject probe = TestFrames.ffprobe(s.path());
      JsonObject v = probe.getJsonArray("streams").getJsonObject(0);
      assertEquals("h264", v.getString("codec_name"), "H.264, not JavaCV's silent mpeg4 fallback: " + probe);
      assertEquals(640, v.getInteger("width"));
      assertEquals(480, v.getInteger("height"));
      assertEquals("yuv420p", v.getString("pix_fmt"));
      assertEquals("75", v.getString("nb_read_frames"), "decoded frames");
      assertEquals("75", v.getString("nb_frames"), "frames in the MP4 index");
      double duration = Double.parseDouble(probe.getJsonObject("format").getString("duration"));
      assertEquals(5.0, duration, 0.1, "duration " + probe);
      assertTrue(probe.getJsonObject("format").getString("format_name").contains("mp4"));
      List<String> boxes = TestFrames.mp4Boxes(Files.readAllBytes(s.path()));
      assertTrue(boxes.indexOf("moov") >= 0 && boxes.indexOf("moov") < boxes.indexOf("mdat"), "faststart: moov before mdat " + boxes);
    }
    assertEquals("15", TestFrames.ffprobe(s2.path()).getJsonArray("streams").getJsonObject(0).getString("nb_read_frames"));

    // the overlap: frames 60..74 are in both files and both decode to the same source frames
    List<byte[]> d0 = TestFrames.decode(s0.path());
    List<byte[]> d1 = TestFrames.decode(s1.path());
    assertEquals(75, d0.size());
    assertEquals(75, d1.size());
    double worstSame = 0;
    double bestNeighbour = Double.MAX_VALUE;
    for (int j = 0; j < 15; j++) {
      byte[] src = TestFrames.pattern(60 + j);
      worstSame = Math.max(worstSame, Math.max(TestFrames.mad(d0.get(60 + j), src), TestFrames.mad(d1.get(j), src)));
      worstSame = Math.max(worstSame, TestFrames.mad(d0.get(60 + j), d1.get(j)));
      bestNeighbour = Math.min(bestNeighbour, TestFrames.mad(d1.get(j), TestFrames.pattern(61 + j)));
    }
    System.out.printf("overlap check: worst MAD same frame %.2f, best MAD neighbour frame %.2f%n", worstSame, bestNeighbour);
    assertTrue(worstSame < 4, "overlap frames decode to the same picture, MAD " + worstSame);
    assertTrue(bestNeighbour > 4 * worstSame, "and differ from the next frame, MAD " + bestNeighbour);
    assertTrue(TestFrames.mad(d1.get(0), TestFrames.pattern(60)) < 4, "segment 1 starts with frame 60 (t = 4 s)");

    Timer enc = registry.find("vms.segment.encode").timer();
    System.out.printf("segments: %s%nencode per segment: mean %.0f ms, max %.0f ms over %d segments; 135 frames in %d ms wall%n",
        closed.stream().map(s -> s.seq() + ": " + s.frameCount() + " frames " + s.bytes() + " B " + s.bitrate() / 1000 + " kbit/s").toList(),
        enc.mean(TimeUnit.MILLISECONDS), enc.max(TimeUnit.MILLISECONDS), enc.count(), wallMs);
  }

  @Test
  void fullQueueDropsAndCounts(@TempDir Path dir) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<SegmentInfo> closed = new CopyOnWriteArrayList<>();
    Instant t0 = Instant.parse("2026-03-01T23:59:58Z");
    byte[] one = TestFrames.pattern(0);
    int refused = 0;
    try (SegmentWriter w = SegmentWriter.start(TENANT, CAMERA, SegmentWriter.Options.defaults().withLength(1, 0).withQueueFrames(2),
        new SegmentStore(dir), closed::add, registry)) {
      for (int i = 0; i < 60; i++) {
        if (!w.offer(new com.softdew.vms.edge.normalize.NormalizedFrame(TENANT, CAMERA, i, t0.plusMillis(i * 66L), "receive", 640, 480, one))) refused++;
      }
      assertTrue(refused > 0, "a 2-frame queue overflows when 60 frames arrive at once");
      assertEquals(refused, w.droppedFrames());
      assertEquals(refused, registry.find("vms.segment.frames.dropped").tag("reason", "queue-full").counter().count());
    }
    int encoded = closed.stream().mapToInt(SegmentInfo::frameCount).sum();
    assertEquals(60 - refused, encoded, "every accepted frame is in a segment");
    assertFalse(closed.isEmpty());
    // numbering continues after what is already stored: a restarted writer does not overwrite
    long last = closed.get(closed.size() - 1).seq();
    List<SegmentInfo> again = new CopyOnWriteArrayList<>();
    try (SegmentWriter w = SegmentWriter.start(TENANT, CAMERA, SegmentWriter.Options.defaults().withLength(1, 0), new SegmentStore(dir),
        again::add, null)) {
      w.put(new com.softdew.vms.edge.normalize.NormalizedFrame(TENANT, CAMERA, 0, t0.plus(Duration.ofHours(1)), "receive", 640, 480, one));
    }
    assertEquals(last + 1, again.get(0).seq());
    assertTrue(again.get(0).path().toString().contains("2026-03-02"), "day directory of the segment start (UTC)");
  }
}
