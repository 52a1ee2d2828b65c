package com.softdew.vms.edge.ai.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameView;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreprocessTest {
  static final float PAD = 114 / 255f;
  static final float EPS = 1.5f / 255;

  static float at(Preprocess.Batch b, int n, int c, int y, int x) {
    int s = b.size();
    return b.data()[((n * 3 + c) * s + y) * s + x];
  }

  @Test
  void letterboxesABatchIntoNchwWithGreyBars() {
    // landscape 200x100: left half red, right half blue -> 64x32 in a 64x64 square, bars of 16 above and below
    byte[] land = Frames.canvas(200, 100, 0, 0, 255);
    Frames.fill(land, 200, 0, 0, 100, 100, 255, 0, 0);
    // portrait 50x100, all green -> 32x64, bars of 16 left and right
    byte[] port = Frames.canvas(50, 100, 0, 255, 0);
    try (FrameView a = Frames.view(0, 200, 100, land); FrameView b = Frames.view(1, 50, 100, port)) {
      Preprocess.Batch batch = Preprocess.letterboxNchw(List.of(a, b), 64);
      assertEquals(2, batch.count());
      assertArrayEquals(new long[] {2, 3, 64, 64}, batch.shape());
      assertEquals(2 * 3 * 64 * 64, batch.data().length);

      FrameGeometry ga = batch.geometries().get(0);
      assertEquals(0.32, ga.scale(), 1e-9);
      assertEquals(0, ga.offX(), 1e-9);
      assertEquals(16, ga.offY(), 1e-9);
      FrameGeometry gb = batch.geometries().get(1);
      assertEquals(0.64, gb.scale(), 1e-9);
      assertEquals(16, gb.offX(), 1e-9);
      assertEquals(0, gb.offY(), 1e-9);

      // frame 0: bars grey in all channels, red left, blue right (RGB plane order)
      for (int c = 0; c < 3; c++) {
        assertEquals(PAD, at(batch, 0, c, 0, 10), EPS);
        assertEquals(PAD, at(batch, 0, c, 15, 50), EPS);
        assertEquals(PAD, at(batch, 0, c, 48, 30), EPS);
      }
      assertEquals(1f, at(batch, 0, 0, 30, 10), EPS);
      assertEquals(0f, at(batch, 0, 1, 30, 10), EPS);
      assertEquals(0f, at(batch, 0, 2, 30, 10), EPS);
      assertEquals(0f, at(batch, 0, 0, 30, 50), EPS);
      assertEquals(1f, at(batch, 0, 2, 30, 50), EPS);
      assertEquals(1f, at(batch, 0, 0, 16, 0), EPS); // first picture row starts right after the bar
      // frame 1: bars left and right, green inside
      assertEquals(PAD, at(batch, 1, 1, 30, 15), EPS);
      assertEquals(1f, at(batch, 1, 1, 30, 16), EPS);
      assertEquals(1f, at(batch, 1, 1, 30, 47), EPS);
      assertEquals(PAD, at(batch, 1, 1, 30, 48), EPS);
      assertEquals(0f, at(batch, 1, 0, 30, 30), EPS);

      // a box in network pixels maps back to the source picture
      Box src = ga.toSource(new Box(0, 16, 32, 32));
      assertEquals(0, src.x(), 1e-6);
      assertEquals(0, src.y(), 1e-6);
      assertEquals(100, src.w(), 1e-6);
      assertEquals(100, src.h(), 1e-6);
    }
  }

  @Test
  void sameSizeSquareIsCopiedUnscaled() {
    byte[] px = Frames.canvas(32, 32, 10, 20, 30);
    Frames.fill(px, 32, 5, 7, 1, 1, 200, 100, 50);
    try (FrameView f = Frames.view(0, 32, 32, px)) {
      Preprocess.Batch b = Preprocess.letterboxNchw(List.of(f), 32);
      assertEquals(1.0, b.geometries().get(0).scale(), 1e-12);
      assertEquals(200 / 255f, at(b, 0, 0, 7, 5), 1e-6);
      assertEquals(100 / 255f, at(b, 0, 1, 7, 5), 1e-6);
      assertEquals(50 / 255f, at(b, 0, 2, 7, 5), 1e-6);
      assertEquals(10 / 255f, at(b, 0, 0, 0, 0), 1e-6);
    }
  }

  @Test
  void concurrentCallsWithPooledScratchGiveTheSameResult() throws Exception {
    List<FrameView> frames = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      byte[] px = Frames.canvas(160 + i * 40, 120, 20 * i, 100, 200 - 20 * i);
      Frames.fill(px, 160 + i * 40, 10 * i, 5, 30, 40, 255, 255, 0);
      frames.add(Frames.view(i, 160 + i * 40, 120, px));
    }
    try {
      float[] expected = Preprocess.letterboxNchw(frames, 48).data();
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
      try {
        List<java.util.concurrent.Future<float[]>> got = new java.util.ArrayList<>();
        for (int t = 0; t < 12; t++) got.add(pool.submit(() -> Preprocess.letterboxNchw(frames, 48).data()));
        for (java.util.concurrent.Future<float[]> f : got) assertArrayEquals(expected, f.get());
      } finally {
        pool.shutdownNow();
      }
      // into a direct buffer at an offset: same floats
      java.nio.FloatBuffer direct = java.nio.ByteBuffer.allocateDirect((expected.length + 5) * 4).order(java.nio.ByteOrder.nativeOrder())
          .asFloatBuffer();
      direct.position(5);
      Preprocess.letterboxInto(frames, 48, direct);
      assertEquals(expected.length + 5, direct.position());
      for (int i = 0; i < expected.length; i++) assertEquals(expected[i], direct.get(5 + i));
    } finally {
      frames.forEach(FrameView::close);
    }
  }
}
