package com.softdew.vms.edge.ai.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class YoloDecoderTest {
  /** YOLOv8 layout [N, 4+C, A] from rows of {cx, cy, w, h, scores...} per anchor. */
  static float[] v8(int classes, float[]... anchors) {
    int a = anchors.length, ch = 4 + classes;
    float[] out = new float[ch * a];
    for (int i = 0; i < a; i++) for (int k = 0; k < ch; k++) out[k * a + i] = anchors[i][k];
    return out;
  }

  @Test
  void channelsFirstKeepsTheBestOfOverlappingBoxesPerClass() {
    float[] out = v8(2,
        new float[] {50, 50, 20, 40, 0.9f, 0.1f},   // person
        new float[] {52, 51, 20, 40, 0.8f, 0.0f},   // same person, weaker: suppressed
        new float[] {51, 50, 20, 40, 0.0f, 0.7f},   // class 1 at the same place: kept (class-aware)
        new float[] {200, 100, 30, 30, 0.6f, 0.0f}, // another person elsewhere
        new float[] {10, 10, 5, 5, 0.2f, 0.1f});    // below the threshold
    YoloDecoder.Format f = YoloDecoder.format(new long[] {1, 6, 5}, 2);
    assertEquals(new YoloDecoder.Format(YoloDecoder.Layout.CHANNELS_FIRST, 5, 2), f);
    List<YoloDecoder.Raw> d = YoloDecoder.decode(out, 0, f, 0.25f, 0.45f);
    assertEquals(3, d.size(), d.toString());
    assertEquals(0, d.get(0).classIndex());
    assertEquals(0.9f, d.get(0).score(), 1e-6);
    assertEquals(40, d.get(0).box().x(), 1e-4);
    assertEquals(30, d.get(0).box().y(), 1e-4);
    assertEquals(20, d.get(0).box().w(), 1e-4);
    assertEquals(40, d.get(0).box().h(), 1e-4);
    assertEquals(1, d.get(1).classIndex());
    assertEquals(0.7f, d.get(1).score(), 1e-6);
    assertEquals(185, d.get(2).box().x(), 1e-4);
  }

  @Test
  void anchorsLastMultipliesObjectnessAndReadsTheRightImageOfTheBatch() {
    int stride = 5 + 3;
    float[] img0 = {100, 100, 10, 10, 0.9f, 0.1f, 0.2f, 0.95f};
    float[] img1a = {30, 40, 10, 20, 0.5f, 0.9f, 0.1f, 0.1f};     // 0.45 -> kept
    float[] img1b = {60, 60, 10, 10, 0.3f, 0.9f, 0.1f, 0.1f};     // 0.27 -> below 0.3
    float[] out = new float[2 * 2 * stride];
    System.arraycopy(img0, 0, out, 0, stride);
    System.arraycopy(img1a, 0, out, 2 * stride, stride);
    System.arraycopy(img1b, 0, out, 3 * stride, stride);
    YoloDecoder.Format f = YoloDecoder.format(new long[] {2, 2, stride}, 3);
    assertEquals(YoloDecoder.Layout.ANCHORS_LAST, f.layout());
    assertEquals(3, f.classes());
    List<YoloDecoder.Raw> d0 = YoloDecoder.decode(out, 0, f, 0.3f, 0.5f);
    assertEquals(1, d0.size());
    assertEquals(2, d0.get(0).classIndex());
    assertEquals(0.9f * 0.95f, d0.get(0).score(), 1e-6);
    List<YoloDecoder.Raw> d1 = YoloDecoder.decode(out, 1, f, 0.3f, 0.5f);
    assertEquals(1, d1.size(), d1.toString());
    assertEquals(0, d1.get(0).classIndex());
    assertEquals(0.45f, d1.get(0).score(), 1e-6);
    assertEquals(25, d1.get(0).box().x(), 1e-4);
    assertEquals(30, d1.get(0).box().y(), 1e-4);
  }

  @Test
  void realYoloShapesAreRecognised() {
    assertEquals(new YoloDecoder.Format(YoloDecoder.Layout.CHANNELS_FIRST, 8400, 80), YoloDecoder.format(new long[] {1, 84, 8400}));
    assertEquals(new YoloDecoder.Format(YoloDecoder.Layout.ANCHORS_LAST, 25200, 80), YoloDecoder.format(new long[] {1, 25200, 85}));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> YoloDecoder.format(new long[] {1, 84}));
    assertTrue(e.getMessage().contains("3-dimensional"));
  }

  @Test
  void manyCandidatesStayBounded() {
    int a = 2000;
    float[][] anchors = new float[a][];
    for (int i = 0; i < a; i++) anchors[i] = new float[] {(i % 50) * 20 + 10, (i / 50) * 20 + 10, 8, 8, 0.5f + (i % 7) / 100f};
    List<YoloDecoder.Raw> d = YoloDecoder.decode(v8(1, anchors), 0, YoloDecoder.format(new long[] {1, 5, a}), 0.25f, 0.45f);
    assertEquals(YoloDecoder.MAX_DETECTIONS, d.size()); // 2000 disjoint boxes, capped
  }
}
