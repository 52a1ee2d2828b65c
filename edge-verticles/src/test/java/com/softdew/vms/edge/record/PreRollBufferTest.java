package com.softdew.vms.edge.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.global.avcodec;
import org.junit.jupiter.api.Test;

/** The pre-roll buffer with real FFmpeg packets (ref-counted payloads): starts at a key frame, bounded by time and bytes. */
class PreRollBufferTest {
  static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");

  /** Adds 1 s GOPs of 10 packets (100 ms apart) of {@code size} bytes each, for {@code seconds}. */
  static void feed(PreRollBuffer b, int fromSecond, int seconds, int size, Duration horizon) {
    for (int i = fromSecond * 10; i < (fromSecond + seconds) * 10; i++) {
      AVPacket p = avcodec.av_packet_alloc();
      assertEquals(0, avcodec.av_new_packet(p, size));
      boolean key = i % 10 == 0;
      if (key) p.flags(avcodec.AV_PKT_FLAG_KEY);
      p.pts(i * 9000L).dts(i * 9000L);
      b.add(p, p.pts(), p.dts(), T0.plusMillis(100L * i), key, horizon);
      avcodec.av_packet_free(p); // the buffer holds its own reference
    }
  }

  @Test
  void keepsFromTheLastKeyFrameBeforeTheHorizon() {
    try (PreRollBuffer b = new PreRollBuffer(64L << 20)) {
      AVPacket p = avcodec.av_packet_alloc();
      avcodec.av_new_packet(p, 100);
      assertFalse(b.add(p, 0, 0, T0, false, Duration.ofSeconds(5)), "no key frame yet: refused");
      avcodec.av_packet_free(p);
      feed(b, 0, 20, 1000, Duration.ofSeconds(5));
      // newest packet at 19.9 s; horizon 5 s → from the last key at or before 14.9 s = 14.0 s
      assertEquals(T0.plusSeconds(14), b.peek().wall());
      assertTrue(b.peek().key());
      assertEquals(60, b.packets());
      assertEquals(60 * 1000, b.bytes());
      assertEquals(14 * 10, b.expiredPackets());
      assertEquals(0, b.overflowGops());
      // dropBefore keeps the GOP containing the instant
      b.dropBefore(T0.plusMillis(16_500));
      assertEquals(T0.plusSeconds(16), b.peek().wall());
      PreRollBuffer.Item first = b.poll();
      assertEquals(16 * 10 * 9000L, first.dts());
      assertEquals(1000, first.packet().size(), "payload still referenced");
      avcodec.av_packet_free(first.packet());
      assertEquals(39 * 1000, b.bytes());
    }
  }

  @Test
  void byteBoundDropsTheOldestGop() {
    try (PreRollBuffer b = new PreRollBuffer(25_000)) { // 2.5 GOPs of 10 x 1000 bytes
      feed(b, 0, 10, 1000, Duration.ofSeconds(30));
      assertTrue(b.bytes() <= 25_000, "bounded: " + b.bytes());
      assertTrue(b.peek().key(), "still starts at a key frame");
      assertEquals(T0.plusSeconds(8), b.peek().wall());
      assertEquals(8, b.overflowGops());
    }
    try (PreRollBuffer b = new PreRollBuffer(5_000)) { // smaller than one GOP
      feed(b, 0, 3, 1000, Duration.ofSeconds(30));
      assertTrue(b.bytes() <= 5_000);
      assertTrue(b.isEmpty() || b.peek().key());
      assertTrue(b.overflowGops() >= 3);
    }
  }
}
