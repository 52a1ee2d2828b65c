package com.softdew.vms.edge.ai.scenes;

import static org.bytedeco.opencv.global.opencv_core.CV_16SC3;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.add;
import static org.bytedeco.opencv.global.opencv_core.randu;
import static org.bytedeco.opencv.global.opencv_core.setRNGSeed;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.circle;
import static org.bytedeco.opencv.global.opencv_imgproc.fillPoly;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

import java.util.SplittableRandom;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Drawing helpers shared by the scene generators: a textured background (gradient, furniture, fine
 * texture) so that background subtraction sees a realistic picture, per-frame sensor noise, shapes.
 * Everything is deterministic for a seed.
 */
final class SceneKit {
  private SceneKit() {}

  /**
   * A textured indoor-looking background (BGR): vertical and horizontal gradient, a floor line, a few
   * muted "furniture" rectangles and circles, fixed fine texture, lightly blurred. No fire-coloured
   * and no bright grey areas, so that fire/smoke candidates come only from what a scene adds.
   */
  static Mat background(int w, int h, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    byte[] px = new byte[w * h * 3];
    double gx = 30 + rnd.nextInt(30), gy = 20 + rnd.nextInt(30);
    int floor = h * 2 / 3;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double fx = (double) x / w, fy = (double) y / h;
        int base = (int) (70 + gx * fx + gy * fy);
        int b = base + 12, g = base + 4, r = base - 6; // a cool wall
        if (y > floor) { b = base - 20; g = base - 5; r = base + 2; } // a warmer, darker floor
        int t = rnd.nextInt(21) - 10; // fixed texture
        int i = (y * w + x) * 3;
        px[i] = clamp(b + t);
        px[i + 1] = clamp(g + t);
        px[i + 2] = clamp(r + t);
      }
    }
    Mat m = new Mat(h, w, CV_8UC3);
    m.data().put(px);
    int n = 4 + rnd.nextInt(3);
    for (int k = 0; k < n; k++) {
      int rw = w / 10 + rnd.nextInt(w / 6), rh = h / 10 + rnd.nextInt(h / 5);
      int x = rnd.nextInt(Math.max(1, w - rw)), y = rnd.nextInt(Math.max(1, h - rh));
      // muted blues/greens/dark browns: saturation or value too low for the fire rule, colour too strong for smoke
      Scalar c = switch (k % 3) {
        case 0 -> new Scalar(110 + rnd.nextInt(40), 70 + rnd.nextInt(30), 40 + rnd.nextInt(20), 0);
        case 1 -> new Scalar(50 + rnd.nextInt(30), 100 + rnd.nextInt(40), 50 + rnd.nextInt(20), 0);
        default -> new Scalar(30 + rnd.nextInt(20), 50 + rnd.nextInt(20), 80 + rnd.nextInt(25), 0);
      };
      try (c; Rect r = new Rect(x, y, rw, rh)) {
        rectangle(m, r, c, FILLED, LINE_AA, 0);
      }
      try (Point p = new Point(rnd.nextInt(w), rnd.nextInt(h)); Scalar c2 = new Scalar(40 + rnd.nextInt(60), 60 + rnd.nextInt(60), 60, 0)) {
        circle(m, p, 4 + rnd.nextInt(Math.max(5, w / 30)), c2, FILLED, LINE_AA, 0);
      }
    }
    // window frames / shelves: thin dark lines give edges for focus and phase correlation
    for (int k = 0; k < 6; k++) {
      int x = rnd.nextInt(w), y = rnd.nextInt(h);
      try (Point a = new Point(x, y); Point b = new Point(Math.min(w - 1, x + w / 8 + rnd.nextInt(w / 4)), y + rnd.nextInt(3));
          Scalar c = new Scalar(25, 30, 35, 0)) {
        org.bytedeco.opencv.global.opencv_imgproc.line(m, a, b, c, 2, LINE_AA, 0);
      }
    }
    try (Size k = new Size(3, 3)) {
      GaussianBlur(m, m, k, 0);
    }
    return m;
  }

  /**
   * Clip frame: the canvas as packed RGB24 with sensor noise, uniform integers in [-amp, amp] per
   * channel (OpenCV randu, seeded from {@code rnd} so the clip is deterministic).
   */
  static byte[] finish(Mat bgr, SplittableRandom rnd, int amp) {
    if (amp <= 0) return SyntheticClip.rgbOf(bgr);
    setRNGSeed(rnd.nextInt());
    try (Mat noise = new Mat(bgr.rows(), bgr.cols(), CV_16SC3); Mat lo = scalarMat(-amp); Mat hi = scalarMat(amp + 1);
        Mat noMask = new Mat(); Mat out = new Mat()) {
      randu(noise, lo, hi);
      add(bgr, noise, out, noMask, CV_8U);
      return SyntheticClip.rgbOf(out);
    }
  }

  private static Mat scalarMat(double v) {
    Mat m = new Mat(1, 1, CV_64F);
    try (DoubleIndexer i = m.createIndexer()) {
      i.put(0, 0, v);
    }
    return m;
  }

  /** Filled rectangle. */
  static void box(Mat m, int x, int y, int w, int h, double b, double g, double r) {
    try (Rect rect = new Rect(x, y, w, h); Scalar c = new Scalar(b, g, r, 0)) {
      rectangle(m, rect, c, FILLED, LINE_AA, 0);
    }
  }

  /** Filled polygon from x0,y0,x1,y1... */
  static void poly(Mat m, int[] xy, double b, double g, double r) {
    try (Point pts = new Point(xy.length / 2); Scalar c = new Scalar(b, g, r, 0); Point origin = new Point(0, 0)) {
      for (int i = 0; i < xy.length / 2; i++) pts.position(i).x(xy[2 * i]).y(xy[2 * i + 1]);
      pts.position(0);
      fillPoly(m, pts, new int[] {xy.length / 2}, 1, c, LINE_AA, 0, origin);
    }
  }

  /** A person-like figure (body box plus head), top-left at x,y, size w x h. */
  static void figure(Mat m, int x, int y, int w, int h, double b, double g, double r) {
    box(m, x, y + h / 5, w, h - h / 5, b, g, r);
    try (Point c = new Point(x + w / 2, y + h / 10); Scalar col = new Scalar(b * 0.8 + 30, g * 0.8 + 40, r * 0.8 + 60, 0)) {
      circle(m, c, Math.max(2, h / 10), col, FILLED, LINE_AA, 0);
    }
  }

  /** Zone spec NAME=x1,y1;... for a rectangle. */
  static String rectZone(String name, int x, int y, int w, int h) {
    return name + "=" + x + "," + y + ";" + (x + w) + "," + y + ";" + (x + w) + "," + (y + h) + ";" + x + "," + (y + h);
  }

  static byte clamp(int v) {
    return (byte) (v < 0 ? 0 : Math.min(255, v));
  }

  static int frames(double fps, double seconds) {
    return (int) Math.round(fps * seconds);
  }
}
