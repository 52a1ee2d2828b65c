package com.softdew.vms.edge.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;

/** Geometry, pixel format and frame-rate conversion on synthetic frames; the ring. */
class FrameNormalizerTest {

  /** A BGR24 frame of one colour. */
  static Frame solid(int w, int h, int r, int g, int b) {
    Frame f = new Frame(w, h, Frame.DEPTH_UBYTE, 3);
    ByteBuffer buf = (ByteBuffer) f.image[0];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * f.imageStride + x * 3;
        buf.put(i, (byte) b).put(i + 1, (byte) g).put(i + 2, (byte) r);
      }
    }
    return f;
  }

  static int px(NormalizedFrame f, int x, int y, int c) {
    return f.rgb()[(y * f.width() + x) * 3 + c] & 0xff;
  }

  static boolean rowBlack(NormalizedFrame f, int y) {
    for (int x = 0; x < f.width(); x++) for (int c = 0; c < 3; c++) if (px(f, x, y, c) != 0) return false;
    return true;
  }

  static boolean rowIs(NormalizedFrame f, int y, int r, int g, int b) {
    for (int x = 0; x < f.width(); x++) {
      if (Math.abs(px(f, x, y, 0) - r) > 2 || Math.abs(px(f, x, y, 1) - g) > 2 || Math.abs(px(f, x, y, 2) - b) > 2) return false;
    }
    return true;
  }

  @Test
  void letterboxKeepsAspectWithBlackBars() {
    try (FrameNormalizer n = new FrameNormalizer("t", "c", FrameNormalizer.Config.DEFAULT)) {
      NormalizedFrame f = n.accept(solid(1280, 720, 200, 40, 10), 0, Instant.now(), "receive").get(0);
      assertEquals(640, f.width());
      assertEquals(480, f.height());
      assertEquals(640 * 480 * 3, f.rgb().length);
      for (int y = 0; y < 60; y++) assertTrue(rowBlack(f, y), "row " + y);
      for (int y = 420; y < 480; y++) assertTrue(rowBlack(f, y), "row " + y);
      for (int y = 60; y < 420; y++) assertTrue(rowIs(f, y, 200, 40, 10), "row " + y + " is the picture (BGR read as RGB 200,40,10)");
      // portrait 9:16 → pillarbox: 270 px wide picture in the middle
      NormalizedFrame p = n.accept(solid(720, 1280, 0, 250, 0), 1_000_000, Instant.now(), "receive").get(0);
      assertEquals("720x1280", n.sourceSize());
      int left = (640 - 270) / 2;
      assertEquals(0, px(p, left - 1, 240, 1));
      assertTrue(px(p, left + 1, 240, 1) > 240);
      assertTrue(px(p, left + 268, 240, 1) > 240);
      assertEquals(0, px(p, left + 271, 240, 1));
    }
  }

  @Test
  void cropFillsTheFrame() {
    try (FrameNormalizer n = new FrameNormalizer("t", "c", FrameNormalizer.Config.DEFAULT.withFit(FrameNormalizer.Fit.CROP))) {
      NormalizedFrame f = n.accept(solid(1280, 720, 10, 120, 230), 0, Instant.now(), "receive").get(0);
      for (int y = 0; y < 480; y++) assertTrue(rowIs(f, y, 10, 120, 230), "row " + y);
      // other output size, enlarging a small source
      try (FrameNormalizer m = new FrameNormalizer("t", "c", FrameNormalizer.Config.DEFAULT.withSize(320, 320).withFit(FrameNormalizer.Fit.CROP))) {
        NormalizedFrame s = m.accept(solid(160, 90, 5, 6, 7), 0, Instant.now(), "receive").get(0);
        assertEquals(320 * 320 * 3, s.rgb().length);
        assertTrue(rowIs(s, 0, 5, 6, 7) && rowIs(s, 319, 5, 6, 7));
      }
    }
  }

  /** Feeds {@code seconds} of a {@code srcFps} source and returns the output count. */
  static List<NormalizedFrame> run(double srcFps, double seconds, double targetFps) {
    List<NormalizedFrame> out = new ArrayList<>();
    Frame f = solid(64, 48, 1, 2, 3);
    try (FrameNormalizer n = new FrameNormalizer("t", "c", FrameNormalizer.Config.DEFAULT.withFps(targetFps))) {
      int frames = (int) Math.round(srcFps * seconds);
      long start = 123_456_789; // arbitrary pts origin
      for (int i = 0; i < frames; i++) {
        // 90 kHz RTP clock truncated to microseconds like FFmpegFrameGrabber does
        long ticks = Math.round(i * 90000 / srcFps);
        out.addAll(n.accept(f, start + ticks * 1_000_000L / 90000, Instant.now(), "receive"));
      }
    }
    return out;
  }

  @Test
  void frameRateConversionFromAnySourceRate() {
    for (double src : new double[] {5, 10, 12.5, 15, 20, 25, 29.97, 30, 50, 60}) {
      // 10 s: the last source frame's slots end at its timestamp, so a 5 fps source is short by up to 2 slots
      List<NormalizedFrame> out = run(src, 10, 15);
      assertTrue(Math.abs(out.size() - 150) <= 3, src + " fps → " + out.size() + " frames in 10 s, want 150 ± 3 (15 ± 0.3 fps)");
      for (int i = 0; i < out.size(); i++) assertEquals(i, out.get(i).seq(), "gap-free seq");
    }
    assertEquals(45, run(15, 3, 15).size(), "15 → 15 passes every frame");
    assertTrue(Math.abs(run(25, 3, 10).size() - 30) <= 1);
  }

  @Test
  void timestampJumpRestartsTheTimelineInsteadOfABurst() {
    Frame f = solid(64, 48, 1, 2, 3);
    try (FrameNormalizer n = new FrameNormalizer("t", "c", FrameNormalizer.Config.DEFAULT)) {
      int total = 0;
      for (int i = 0; i < 15; i++) total += n.accept(f, i * 66_667L, Instant.now(), "receive").size();
      total += n.accept(f, 60_000_000L, Instant.now(), "receive").size(); // 60 s later (stall)
      total += n.accept(f, 0, Instant.now(), "receive").size(); // pts reset (reconnect)
      assertEquals(17, total);
      assertEquals(2, n.resyncs());
    }
  }

  @Test
  void ringKeepsTheLastFramesAndCountsOverflow() {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    FrameRing ring = new FrameRing("t", "c", 30, reg, 5);
    assertEquals(null, ring.latest());
    byte[] rgb = new byte[4 * 4 * 3];
    for (int i = 0; i < 40; i++) ring.push(new NormalizedFrame("t", "c", i, Instant.now(), "receive", 4, 4, rgb));
    assertEquals(10, ring.overflows(), "10 unread frames evicted");
    assertEquals(10.0, reg.get("vms.ingest.ring.overflow").tag("camera", "c").counter().count());
    assertEquals(39, ring.latest().seq());
    List<NormalizedFrame> all = ring.since(-1);
    assertEquals(30, all.size());
    assertEquals(10, all.get(0).seq());
    assertEquals(List.of(37L, 38L, 39L), ring.since(36).stream().map(NormalizedFrame::seq).toList());
    // a reader at the head: evicting what was read is not an overflow
    for (int i = 40; i < 50; i++) ring.push(new NormalizedFrame("t", "c", i, Instant.now(), "receive", 4, 4, rgb));
    assertEquals(10, ring.overflows());
    assertEquals(List.of(), ring.since(49));
  }

  @Test
  void ringIsSafeWithConcurrentReaders() throws Exception {
    FrameRing ring = new FrameRing("t", "c", 8, null);
    byte[] rgb = new byte[12];
    var stop = new java.util.concurrent.atomic.AtomicBoolean();
    var errors = new java.util.concurrent.atomic.AtomicInteger();
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      Thread t = new Thread(() -> {
        long last = -1;
        while (!stop.get()) {
          for (NormalizedFrame f : ring.since(last)) {
            if (f.seq() <= last) errors.incrementAndGet();
            last = f.seq();
          }
        }
      });
      t.start();
      readers.add(t);
    }
    for (int i = 0; i < 200_000; i++) ring.push(new NormalizedFrame("t", "c", i, Instant.EPOCH, "receive", 2, 2, rgb));
    stop.set(true);
    for (Thread t : readers) t.join();
    assertEquals(0, errors.get(), "every reader sees increasing sequence numbers");
    assertEquals(199_999, ring.latest().seq());
  }
}
