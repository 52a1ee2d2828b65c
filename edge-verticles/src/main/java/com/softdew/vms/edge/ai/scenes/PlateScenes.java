package com.softdew.vms.edge.ai.scenes;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.CV_16SC3;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC2;
import static org.bytedeco.opencv.global.opencv_core.CV_32SC2;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_DUPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_8;
import static org.bytedeco.opencv.global.opencv_imgproc.circle;
import static org.bytedeco.opencv.global.opencv_imgproc.fillConvexPoly;
import static org.bytedeco.opencv.global.opencv_imgproc.getPerspectiveTransform;
import static org.bytedeco.opencv.global.opencv_imgproc.getTextSize;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;
import static org.bytedeco.opencv.global.opencv_imgproc.warpPerspective;

import com.softdew.vms.edge.ai.scenes.SyntheticClip.Label;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Synthetic number-plate scenes for the ANPR model: the rear of a car-like shape (body, rear window,
 * tail lights, bumper, wheels) drives across a textured road scene, carrying a white plate with black
 * text drawn with OpenCV's Hershey fonts (thick strokes), warped onto the car with a small
 * perspective skew; the frame is slightly blurred and gets Gaussian sensor noise every frame.
 * Deterministic for a seed.
 *
 * <p><b>Label convention for ANPR clips:</b> a positive clip has one {@link Label} with
 * {@code eventType = "anpr"} and {@code zone = the plate text} (normalised: upper case letters and
 * digits), {@code startFrame..endFrame} = the frames where the whole plate is inside the picture. The
 * {@code zone} field carries the plate text because a label has no other free-text field; no zone is
 * involved. Negative clips (a car without a plate, a car with a blank plate) have no label.
 */
public final class PlateScenes {
  public static final String EVENT = "anpr";
  private static final double[][] CAR_COLOURS = {{40, 40, 170}, {150, 90, 30}, {60, 60, 60}, {200, 200, 200}, {30, 110, 40}, {20, 20, 20}};

  /** What the car carries. */
  public enum PlateKind { TEXT, BLANK, NONE }

  private PlateScenes() {}

  /** A car with a readable plate crossing a 640x480 picture in 3 s at 15 fps. */
  public static SyntheticClip positive(String plate, long seed) {
    return render(plate, PlateKind.TEXT, seed, 640, 480, 15, 3.0);
  }

  /** The same car without a plate. */
  public static SyntheticClip noPlate(long seed) {
    return render("", PlateKind.NONE, seed, 640, 480, 15, 3.0);
  }

  /** The same car with a blank white plate. */
  public static SyntheticClip blankPlate(long seed) {
    return render("", PlateKind.BLANK, seed, 640, 480, 15, 3.0);
  }

  /**
   * Renders a clip.
   *
   * @param plate   plate text (letters, digits, spaces); ignored unless {@code kind} is TEXT
   * @param width   640 or 960 are the intended sizes (any size from 320x240 works)
   * @param seconds 2..4 intended
   */
  public static SyntheticClip render(String plate, PlateKind kind, long seed, int width, int height, double fps, double seconds) {
    Random rnd = new Random(seed);
    opencv_core.setRNGSeed((int) seed);
    int n = (int) Math.round(fps * seconds);
    double[] colour = CAR_COLOURS[rnd.nextInt(CAR_COLOURS.length)];
    double carW0 = width * (0.40 + 0.04 * rnd.nextDouble());
    double skew = (rnd.nextDouble() - 0.5) * 0.10; // perspective skew of the plate
    double baseY = height * (0.80 + 0.04 * rnd.nextDouble());
    List<byte[]> frames = new ArrayList<>(n);
    long first = -1, last = -1;
    try (Mat bg = background(width, height, rnd);
        Mat plateImg = kind == PlateKind.NONE ? null : renderPlate(kind == PlateKind.TEXT ? plate : "", 240);
        Mat noise = new Mat(height, width, CV_16SC3);
        Mat mean = new Mat(0.0, 0.0, 0.0);
        Mat std = new Mat(5.0, 5.0, 5.0)) {
      for (int i = 0; i < n; i++) {
        double t = n == 1 ? 0.5 : (double) i / (n - 1);
        double scale = 0.92 + 0.16 * t; // the car comes closer
        double carW = carW0 * scale;
        double cx = -0.25 * width + t * 1.5 * width;
        double cy = baseY - 0.05 * height * (1 - t);
        try (Mat frame = bg.clone()) {
          drawCar(frame, cx, cy, carW, colour);
          if (plateImg != null) { // without a plate the bumper stays plain
            double[] q = plateQuad(cx, cy, carW, skew);
            overlay(frame, plateImg, q);
            if (kind == PlateKind.TEXT && inside(q, width, height)) {
              if (first < 0) first = i;
              last = i;
            }
          }
          try (Mat blurred = new Mat(); Size k = new Size(3, 3); Mat f16 = new Mat()) {
            GaussianBlur(frame, blurred, k, 0.8);
            opencv_core.randn(noise, mean, std);
            blurred.convertTo(f16, CV_16SC3);
            opencv_core.add(f16, noise, f16);
            f16.convertTo(frame, CV_8UC3);
          }
          frames.add(SyntheticClip.rgbOf(frame));
        }
      }
    }
    List<Label> labels = new ArrayList<>();
    String name;
    if (kind == PlateKind.TEXT) {
      String text = normalised(plate);
      if (first >= 0) labels.add(new Label(EVENT, text, first, last));
      name = "anpr-" + text + "-seed" + seed;
    } else {
      name = "anpr-" + (kind == PlateKind.BLANK ? "blank-plate" : "no-plate") + "-seed" + seed;
    }
    return new SyntheticClip(name, width, height, fps, frames, labels, List.of(), List.of());
  }

  /**
   * A plate alone: white, black border, black text in a Hershey font fitted to 85 % of the width;
   * height = width / 4.2 (a European plate is 520x110 mm, 4.7:1; a little taller reads better at low
   * resolution). The caller closes it.
   */
  public static Mat renderPlate(String text, int plateW) {
    int plateH = (int) Math.round(plateW / 4.2);
    Mat p;
    try (Scalar white = new Scalar(245, 245, 245, 0)) {
      p = new Mat(plateH, plateW, CV_8UC3, white);
    }
    rect(p, 1, 1, plateW - 2, plateH - 2, 0, 0, 0, Math.max(2, plateW / 80));
    if (!text.isEmpty()) {
      int font = text.length() % 2 == 0 ? FONT_HERSHEY_SIMPLEX : FONT_HERSHEY_DUPLEX;
      int thick = Math.max(2, plateW / 50);
      double s = 1.0;
      int[] base = new int[1];
      int tw, th;
      try (Size sz = getTextSize(text, font, s, thick, base)) {
        tw = sz.width();
        th = sz.height();
      }
      double fit = Math.min(0.86 * plateW / tw, 0.62 * plateH / th);
      s *= fit;
      try (Size sz = getTextSize(text, font, s, thick, base)) {
        tw = sz.width();
        th = sz.height();
      }
      try (Point org = new Point((plateW - tw) / 2, (plateH + th) / 2); Scalar black = new Scalar(10, 10, 10, 0)) {
        putText(p, text, org, font, s, black, thick, LINE_AA, false);
      }
    }
    return p;
  }

  /** Text as the ANPR model reports it: upper case letters and digits only. */
  public static String normalised(String plate) {
    return plate.toUpperCase().replaceAll("[^A-Z0-9]", "");
  }

  private static Mat background(int w, int h, Random rnd) {
    Mat bg = new Mat(h, w, CV_8UC3);
    int horizon = (int) (h * 0.45);
    // sky/buildings: vertical gradient plus blocks
    for (int y = 0; y < horizon; y += 4) {
      double v = 150 + 60.0 * y / horizon;
      rect(bg, 0, y, w - 1, y + 3, v, v - 5, v - 25, -1);
    }
    for (int i = 0; i < 9; i++) {
      int bx = rnd.nextInt(w), bw = 40 + rnd.nextInt(110), bh = 40 + rnd.nextInt(horizon - 40);
      double g = 70 + rnd.nextInt(90);
      rect(bg, bx, horizon - bh, bx + bw, horizon, g, g + rnd.nextInt(20), g + rnd.nextInt(30), -1);
      for (int wy = horizon - bh + 8; wy < horizon - 12; wy += 18) {
        for (int wx = bx + 6; wx < bx + bw - 10; wx += 16) rect(bg, wx, wy, wx + 7, wy + 9, g - 40, g - 35, g - 20, -1);
      }
    }
    // road: asphalt with grain and lane marks
    rect(bg, 0, horizon, w - 1, h - 1, 85, 85, 88, -1);
    byte[] px = new byte[w * h * 3];
    bg.data().get(px);
    for (int y = horizon; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int g = rnd.nextInt(25) - 12;
        int o = (y * w + x) * 3;
        for (int c = 0; c < 3; c++) px[o + c] = (byte) Math.max(0, Math.min(255, (px[o + c] & 0xff) + g));
      }
    }
    bg.data().put(px);
    for (int x = 0; x < w; x += 70) rect(bg, x, (int) (h * 0.62), x + 35, (int) (h * 0.62) + 4, 220, 220, 220, -1);
    return bg;
  }

  /** Draws the car's rear: wheels, cabin, rear window, body, tail lights, bumper. */
  private static void drawCar(Mat f, double cx, double baseY, double carW, double[] c) {
    double carH = carW * 0.72;
    double x0 = cx - carW / 2, x1 = cx + carW / 2, top = baseY - carH;
    // wheels (behind the body)
    disc(f, x0 + carW * 0.17, baseY - carH * 0.04, carW * 0.10, 25, 25, 25);
    disc(f, x1 - carW * 0.17, baseY - carH * 0.04, carW * 0.10, 25, 25, 25);
    // cabin (trapezoid) and body
    poly(f, new double[] {x0 + carW * 0.16, top + carH * 0.42, x0 + carW * 0.26, top, x1 - carW * 0.26, top, x1 - carW * 0.16,
        top + carH * 0.42}, c[0] * 0.9, c[1] * 0.9, c[2] * 0.9);
    poly(f, new double[] {x0 + carW * 0.22, top + carH * 0.38, x0 + carW * 0.30, top + carH * 0.06, x1 - carW * 0.30,
        top + carH * 0.06, x1 - carW * 0.22, top + carH * 0.38}, 60, 50, 45);
    rect(f, (int) x0, (int) (top + carH * 0.40), (int) x1, (int) (baseY - carH * 0.08), c[0], c[1], c[2], -1);
    // tail lights
    rect(f, (int) (x0 + carW * 0.03), (int) (top + carH * 0.47), (int) (x0 + carW * 0.18), (int) (top + carH * 0.58), 30, 30, 200, -1);
    rect(f, (int) (x1 - carW * 0.18), (int) (top + carH * 0.47), (int) (x1 - carW * 0.03), (int) (top + carH * 0.58), 30, 30, 200, -1);
    // bumper
    rect(f, (int) (x0 + carW * 0.02), (int) (top + carH * 0.80), (int) (x1 - carW * 0.02), (int) (baseY - carH * 0.06), 45, 45, 45, -1);
  }

  /** Where the plate goes: centred under the tail lights, with a small perspective skew. */
  private static double[] plateQuad(double cx, double baseY, double carW, double skew) {
    double carH = carW * 0.72, top = baseY - carH;
    double pw = carW * 0.50, ph = pw / 4.2;
    double py = top + carH * 0.62;
    double dl = skew * ph, dr = -skew * ph;
    return new double[] {cx - pw / 2, py + dl, cx + pw / 2, py + dr, cx + pw / 2, py + ph - dr * 0.3, cx - pw / 2, py + ph - dl * 0.3};
  }

  private static boolean inside(double[] q, int w, int h) {
    for (int k = 0; k < 8; k += 2) if (q[k] < 0 || q[k] > w - 1 || q[k + 1] < 0 || q[k + 1] > h - 1) return false;
    return true;
  }

  /** Warps {@code img} onto the quadrilateral {@code q} (tl, tr, br, bl) of {@code frame}. */
  private static void overlay(Mat frame, Mat img, double[] q) {
    try (Mat src = new Mat(1, 4, CV_32FC2); Mat dst = new Mat(1, 4, CV_32FC2);
        Mat warped = new Mat(); Mat mask = new Mat(); Scalar full = new Scalar(255, 0, 0, 0);
        Mat ones = new Mat(img.rows(), img.cols(), CV_8UC1, full); Size size = new Size(frame.cols(), frame.rows());
        Scalar zero = new Scalar(0, 0, 0, 0)) {
      FloatPointer s = new FloatPointer(src.data()), d = new FloatPointer(dst.data()); // views
      float[] sp = {0, 0, img.cols(), 0, img.cols(), img.rows(), 0, img.rows()};
      for (int k = 0; k < 8; k++) {
        s.put(k, sp[k]);
        d.put(k, (float) q[k]);
      }
      try (Mat m = getPerspectiveTransform(src, dst)) {
        warpPerspective(img, warped, m, size, INTER_LINEAR, BORDER_CONSTANT, zero);
        warpPerspective(ones, mask, m, size, INTER_LINEAR, BORDER_CONSTANT, zero);
      }
      warped.copyTo(frame, mask);
    }
  }

  private static void rect(Mat m, int x0, int y0, int x1, int y1, double b, double g, double r, int thickness) {
    try (Point a = new Point(x0, y0); Point z = new Point(x1, y1); Scalar s = new Scalar(b, g, r, 0)) {
      rectangle(m, a, z, s, thickness, LINE_8, 0);
    }
  }

  private static void disc(Mat m, double x, double y, double radius, double b, double g, double r) {
    try (Point c = new Point((int) Math.round(x), (int) Math.round(y)); Scalar s = new Scalar(b, g, r, 0)) {
      circle(m, c, (int) Math.round(radius), s, -1, LINE_AA, 0);
    }
  }

  private static void poly(Mat m, double[] xy, double b, double g, double r) {
    try (Mat pts = new Mat(1, xy.length / 2, CV_32SC2); Scalar s = new Scalar(b, g, r, 0)) {
      IntPointer ip = new IntPointer(pts.data()); // a view
      for (int k = 0; k < xy.length; k++) ip.put(k, (int) Math.round(xy[k]));
      fillConvexPoly(m, pts, s, LINE_AA, 0);
    }
  }
}
