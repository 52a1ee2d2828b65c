package com.softdew.vms.edge.ai.scenes;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.circle;

import com.softdew.vms.edge.ai.scenes.SyntheticClip.Label;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Clips for the "fire" model, 6 s each: a flickering flame that grows on the floor (positive "fire"), a
 * smoke plume rising and spreading (positive "smoke"), a static orange box with a person walking by and
 * a steadily lit orange wall under a slow light ramp (negatives for both).
 */
public final class FireScenes {
  private FireScenes() {}

  public static final double FPS = 15;
  private static final double SECONDS = 6;

  /** A flame appears at 1 s on the floor, flickers (new random outline every frame) and grows ~3x in 4 s. */
  public static SyntheticClip growingFlame(long seed, int w, int h) {
    SplittableRandom rnd = new SplittableRandom(seed ^ 0xf1e);
    SplittableRandom shape = new SplittableRandom(seed * 31 + 7);
    int n = SceneKit.frames(FPS, SECONDS), start = SceneKit.frames(FPS, 1);
    int bx = w / 2 + (int) (seed % 5) * w / 40, by = h * 5 / 6;
    List<byte[]> frames = new ArrayList<>();
    try (Mat bg = SceneKit.background(w, h, seed); Mat canvas = new Mat()) {
      for (int i = 0; i < n; i++) {
        bg.copyTo(canvas);
        if (i >= start) {
          double grow = Math.min(1, (i - start) / (FPS * 4));
          double r = h * (0.035 + 0.075 * grow);
          flame(canvas, bx, by, r, shape);
        }
        frames.add(SceneKit.finish(canvas, rnd, 3));
      }
    }
    return new SyntheticClip("fire-flame-seed" + seed, w, h, FPS, frames, List.of(new Label("fire", null, start, n - 1)), List.of(), List.of());
  }

  /** Draws one flame: outer orange tongue polygon, inner yellow, whitish core, each with a random outline; blurred edges. */
  private static void flame(Mat canvas, int bx, int by, double r, SplittableRandom rnd) {
    double[][] layers = {{1.0, 0, 110, 255}, {0.65, 40, 200, 255}, {0.35, 170, 240, 255}};
    for (double[] l : layers) {
      int k = 18;
      int[] xy = new int[2 * k];
      for (int j = 0; j < k; j++) {
        double a = 2 * Math.PI * j / k;
        double up = Math.sin(a) < 0 ? 1 + 1.6 * (-Math.sin(a)) * (0.6 + 0.8 * rnd.nextDouble()) : 0.55; // tongues upward
        double rr = r * l[0] * (0.75 + 0.5 * rnd.nextDouble());
        xy[2 * j] = (int) Math.round(bx + Math.cos(a) * rr * 0.8);
        xy[2 * j + 1] = (int) Math.round(by + Math.sin(a) * rr * up);
      }
      SceneKit.poly(canvas, xy, l[1], l[2], l[3]);
    }
    int x0 = (int) Math.max(0, bx - 2 * r), y0 = (int) Math.max(0, by - 3.5 * r);
    int x1 = (int) Math.min(canvas.cols(), bx + 2 * r), y1 = (int) Math.min(canvas.rows(), by + 1.2 * r);
    if (x1 - x0 > 4 && y1 - y0 > 4) {
      try (Rect roi = new Rect(x0, y0, x1 - x0, y1 - y0); Mat part = new Mat(canvas, roi); Size ks = new Size(5, 5)) {
        GaussianBlur(part, part, ks, 0);
      }
    }
  }

  /** Negative: an orange box (a traffic cone, a crate) stands still; a person walks past it from 2 s to 5 s. */
  public static SyntheticClip staticOrangeBox(long seed, int w, int h) {
    SplittableRandom rnd = new SplittableRandom(seed ^ 0x0b0);
    int n = SceneKit.frames(FPS, SECONDS), a = SceneKit.frames(FPS, 2), b = SceneKit.frames(FPS, 5);
    int fw = Math.max(8, w / 12), fh = Math.max(16, h / 4);
    List<byte[]> frames = new ArrayList<>();
    try (Mat bg = SceneKit.background(w, h, seed); Mat canvas = new Mat()) {
      SceneKit.box(bg, w / 2, h * 2 / 3, w / 7, h / 6, 20, 130, 250); // bright saturated orange
      SceneKit.box(bg, w / 2 + w / 28, h * 2 / 3 + h / 24, w / 14, h / 12, 80, 220, 255); // yellowish label
      for (int i = 0; i < n; i++) {
        bg.copyTo(canvas);
        if (i >= a && i <= b) {
          int x = (int) Math.round(-fw + (i - a) * (w + fw) / (double) (b - a));
          SceneKit.figure(canvas, x, h / 2 - fh / 2, fw, fh, 90, 60, 140);
        }
        frames.add(SceneKit.finish(canvas, rnd, 3));
      }
    }
    return new SyntheticClip("fire-static-orange-seed" + seed, w, h, FPS, frames, List.of(), List.of(), List.of());
  }

  /** Negative: a third of the wall is lit orange (sunset through a window), steady, under a slow 12 % light ramp. */
  public static SyntheticClip orangeWall(long seed, int w, int h) {
    SplittableRandom rnd = new SplittableRandom(seed ^ 0x3a11);
    int n = SceneKit.frames(FPS, SECONDS);
    List<byte[]> frames = new ArrayList<>();
    try (Mat bg = SceneKit.background(w, h, seed); Mat canvas = new Mat()) {
      int[] quad = {w / 10, h / 10, w / 2, h / 12, w / 2, h / 2, w / 10, h / 2 + h / 10};
      SceneKit.poly(bg, quad, 30, 140, 245);
      try (Size k = new Size(0, 0)) {
        GaussianBlur(bg, bg, k, 2);
      }
      for (int i = 0; i < n; i++) {
        double t = i / (double) (n - 1);
        bg.convertTo(canvas, -1, 1 + 0.12 * t, 0);
        frames.add(SceneKit.finish(canvas, rnd, 3));
      }
    }
    return new SyntheticClip("fire-orange-wall-seed" + seed, w, h, FPS, frames, List.of(), List.of(), List.of());
  }

  /**
   * Smoke from 1 s on: grey puffs born every 0.2 s at a point on the floor rise, widen and fade; the
   * plume is alpha-blended (up to 65 %) over the room, veiling its edges. Label "smoke" from 2.5 s (when
   * the plume has a body) to the end.
   */
  public static SyntheticClip risingSmoke(long seed, int w, int h) {
    SplittableRandom rnd = new SplittableRandom(seed ^ 0x5a0e);
    SplittableRandom puffRnd = new SplittableRandom(seed * 17 + 3);
    int n = SceneKit.frames(FPS, SECONDS), start = SceneKit.frames(FPS, 1);
    int sx = w / 3 + (int) (seed % 5) * w / 30, sy = h * 4 / 5;
    int every = SceneKit.frames(FPS, 0.2);
    List<double[]> puffs = new ArrayList<>(); // born frame, x jitter, speed
    List<byte[]> frames = new ArrayList<>();
    int size = w * h;
    byte[] px = new byte[size * 3];
    byte[] alpha = new byte[size];
    try (Mat bg = SceneKit.background(w, h, seed); Mat canvas = new Mat(); Mat mask = new Mat(h, w, CV_8UC1)) {
      for (int i = 0; i < n; i++) {
        bg.copyTo(canvas);
        if (i >= start && (i - start) % every == 0) puffs.add(new double[] {i, puffRnd.nextDouble() * 2 - 1, 0.7 + 0.6 * puffRnd.nextDouble()});
        if (!puffs.isEmpty()) {
          try (Scalar zero = new Scalar(0)) {
            mask.put(zero);
          }
          for (double[] p : puffs) {
            double age = (i - p[0]) / FPS;
            double y = sy - age * h * 0.12 * p[2];
            double x = sx + p[1] * w * 0.02 * age * 3 + Math.sin(age * 2 + p[1]) * w * 0.01;
            int rad = (int) Math.round(h * (0.03 + 0.05 * age));
            int val = (int) Math.round(255 * Math.max(0.25, 1 - age / 6));
            try (Point c = new Point((int) x, (int) y); Scalar s = new Scalar(val)) {
              circle(mask, c, rad, s, FILLED, LINE_AA, 0);
            }
          }
          try (Size k = new Size(0, 0)) {
            GaussianBlur(mask, mask, k, Math.max(2, h / 40.0));
          }
          mask.data().get(alpha);
          canvas.data().get(px);
          for (int p = 0; p < size; p++) {
            double a = 0.65 * (alpha[p] & 0xff) / 255.0;
            if (a <= 0) continue;
            for (int c = 0; c < 3; c++) {
              int v = px[p * 3 + c] & 0xff;
              px[p * 3 + c] = SceneKit.clamp((int) Math.round(v * (1 - a) + 175 * a));
            }
          }
          canvas.data().put(px);
        }
        frames.add(SceneKit.finish(canvas, rnd, 3));
      }
    }
    int label = SceneKit.frames(FPS, 2.5);
    return new SyntheticClip("fire-smoke-seed" + seed, w, h, FPS, frames, List.of(new Label("smoke", null, label, n - 1)), List.of(), List.of());
  }
}
