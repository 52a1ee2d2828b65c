package com.softdew.vms.edge.ai.runtime;

import static org.bytedeco.opencv.global.opencv_dnn.NMSBoxes;

import com.softdew.vms.edge.ai.Box;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Rect2d;
import org.bytedeco.opencv.opencv_core.Rect2dVector;

/**
 * Post-processing of YOLO-style detector outputs (boxes as centre x, centre y, width, height in pixels
 * of the network input), then class-aware non-maximum suppression with OpenCV's
 * {@code dnn.NMSBoxes} (boxes of different classes are shifted apart so they never suppress each other).
 *
 * <ul>
 *   <li>{@link Layout#ANCHORS_LAST}: {@code [N, A, 5+C]}, YOLOv5/v7 style: box, objectness, C class
 *       scores; score = objectness x class score.
 *   <li>{@link Layout#CHANNELS_FIRST}: {@code [N, 4+C, A]}, YOLOv8/v11 style: box then C class scores,
 *       no objectness.
 * </ul>
 * The layout is told by the shape: fewer rows than columns is channels-first (84 x 8400), else
 * anchors-last (25200 x 85).
 */
public final class YoloDecoder {
  /** At most this many candidates (best scores) go into NMS, at most {@link #MAX_DETECTIONS} come out. */
  public static final int MAX_CANDIDATES = 30_000;
  public static final int MAX_DETECTIONS = 300;

  private YoloDecoder() {}

  public enum Layout { ANCHORS_LAST, CHANNELS_FIRST }

  /** Output layout, anchors per image and class count. */
  public record Format(Layout layout, int anchors, int classes) {
    int stride() {
      return layout == Layout.ANCHORS_LAST ? 5 + classes : 4 + classes;
    }

    /** Floats per image. */
    public int perImage() {
      return anchors * stride();
    }
  }

  /** One kept detection: class index, score 0..1, box in network-input pixels (top-left, size). */
  public record Raw(int classIndex, float score, Box box) {}

  /** The format by shape alone (see the class comment). */
  public static Format format(long[] shape) {
    return format(shape, -1);
  }

  /**
   * The format of an output with {@code classes} classes when the shape fits one layout for that
   * count ([N, 4+C, A] or [N, A, 5+C]); by shape alone when {@code classes} is -1 or fits neither.
   */
  public static Format format(long[] shape, int classes) {
    if (shape.length != 3) throw new IllegalArgumentException("YOLO output must be 3-dimensional, got " + Arrays.toString(shape));
    long d1 = shape[1], d2 = shape[2];
    if (d1 <= 0 || d2 <= 0) throw new IllegalArgumentException("YOLO output dimensions must be known, got " + Arrays.toString(shape));
    if (classes > 0) {
      boolean cf = d1 == 4 + classes, al = d2 == 5 + classes;
      if (cf && !al) return new Format(Layout.CHANNELS_FIRST, (int) d2, classes);
      if (al && !cf) return new Format(Layout.ANCHORS_LAST, (int) d1, classes);
    }
    if (d1 < d2) {
      if (d1 < 5) throw new IllegalArgumentException("channels-first YOLO output needs 4+C rows, got " + Arrays.toString(shape));
      return new Format(Layout.CHANNELS_FIRST, (int) d2, (int) d1 - 4);
    }
    if (d2 < 6) throw new IllegalArgumentException("anchors-last YOLO output needs 5+C columns, got " + Arrays.toString(shape));
    return new Format(Layout.ANCHORS_LAST, (int) d1, (int) d2 - 5);
  }

  /**
   * Detections of image {@code batchIndex} of {@code out} (the whole output tensor, row-major), score
   * at least {@code minScore}, after NMS at {@code iou}.
   */
  public static List<Raw> decode(float[] out, int batchIndex, Format f, float minScore, float iou) {
    int base = batchIndex * f.perImage();
    if (out.length < base + f.perImage()) throw new IllegalArgumentException("output holds " + out.length + " floats, image "
        + batchIndex + " needs " + (base + f.perImage()));
    int a = f.anchors(), c = f.classes();
    float[] cx = new float[64], cy = new float[64], w = new float[64], h = new float[64], score = new float[64];
    int[] cls = new int[64];
    int n = 0;
    for (int i = 0; i < a; i++) {
      float best = -1;
      int bestC = -1;
      float obj = 1;
      if (f.layout() == Layout.ANCHORS_LAST) {
        int row = base + i * (5 + c);
        obj = out[row + 4];
        if (obj < minScore) continue;
        for (int k = 0; k < c; k++) {
          float v = out[row + 5 + k];
          if (v > best) { best = v; bestC = k; }
        }
      } else {
        for (int k = 0; k < c; k++) {
          float v = out[base + (4 + k) * a + i];
          if (v > best) { best = v; bestC = k; }
        }
      }
      float s = obj * best;
      if (!(s >= minScore)) continue;
      if (n == cls.length) {
        int m = n * 2;
        cx = Arrays.copyOf(cx, m); cy = Arrays.copyOf(cy, m); w = Arrays.copyOf(w, m); h = Arrays.copyOf(h, m);
        score = Arrays.copyOf(score, m); cls = Arrays.copyOf(cls, m);
      }
      if (f.layout() == Layout.ANCHORS_LAST) {
        int row = base + i * (5 + c);
        cx[n] = out[row]; cy[n] = out[row + 1]; w[n] = out[row + 2]; h[n] = out[row + 3];
      } else {
        cx[n] = out[base + i]; cy[n] = out[base + a + i]; w[n] = out[base + 2 * a + i]; h[n] = out[base + 3 * a + i];
      }
      score[n] = Math.min(1f, s);
      cls[n] = bestC;
      n++;
    }
    if (n == 0) return List.of();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) order[i] = i;
    final float[] sc = score;
    Arrays.sort(order, (x, y) -> Float.compare(sc[y], sc[x]));
    int m = Math.min(n, MAX_CANDIDATES);
    // class offset larger than any coordinate keeps classes apart in one NMS call
    float offset = 0;
    for (int j = 0; j < m; j++) {
      int i = order[j];
      offset = Math.max(offset, Math.max(Math.abs(cx[i]) + w[i], Math.abs(cy[i]) + h[i]));
    }
    offset = offset * 2 + 1;
    List<Raw> kept = new ArrayList<>();
    try (Rect2dVector rects = new Rect2dVector(m); FloatPointer scores = new FloatPointer(m); IntPointer indices = new IntPointer(m)) {
      for (int j = 0; j < m; j++) {
        int i = order[j];
        double shift = cls[i] * (double) offset;
        try (Rect2d r = new Rect2d(cx[i] - w[i] / 2 + shift, cy[i] - h[i] / 2 + shift, Math.max(0, w[i]), Math.max(0, h[i]))) {
          rects.put(j, r);
        }
        scores.put(j, score[i]);
      }
      NMSBoxes(rects, scores, minScore, iou, indices, 1f, MAX_DETECTIONS);
      long count = indices.limit() - indices.position();
      for (long k = 0; k < count && kept.size() < MAX_DETECTIONS; k++) {
        int i = order[indices.get(k)];
        kept.add(new Raw(cls[i], score[i], new Box(cx[i] - w[i] / 2, cy[i] - h[i] / 2, Math.max(0, w[i]), Math.max(0, h[i]))));
      }
    }
    kept.sort((x, y) -> Float.compare(y.score(), x.score()));
    return kept;
  }
}
