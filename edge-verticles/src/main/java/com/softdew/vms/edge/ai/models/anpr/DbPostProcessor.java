package com.softdew.vms.edge.ai.models.anpr;

import static org.bytedeco.opencv.global.opencv_core.CV_32SC2;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_imgproc.CHAIN_APPROX_SIMPLE;
import static org.bytedeco.opencv.global.opencv_imgproc.RETR_LIST;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.fillPoly;
import static org.bytedeco.opencv.global.opencv_imgproc.findContours;
import static org.bytedeco.opencv.global.opencv_imgproc.minAreaRect;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RotatedRect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Post-processing of a DB (Differentiable Binarization) text detector's probability map, as
 * PaddleOCR's {@code DBPostProcess} does it: threshold the map, take the contours (OpenCV), fit a
 * minimum-area rectangle to each, score it by the mean probability inside, expand ("unclip") it by
 * {@code area * unclipRatio / perimeter} on every side, drop boxes whose short side is too small.
 *
 * <p>Written by hand because no Java library does it; the geometry (contours, rectangles, polygon
 * masks) is OpenCV's. PaddleOCR unclips with the Clipper polygon-offset library; for the rectangles
 * used here the rounded offset polygon's minimum-area rectangle is exactly the rectangle grown by the
 * offset on each side, which is what {@link #unclip} computes.
 */
public final class DbPostProcessor {
  /**
   * @param thresh        pixel probability that counts as text (PaddleOCR 0.3)
   * @param boxThresh     least mean probability inside a box (PaddleOCR 0.6)
   * @param unclipRatio   expansion ratio (PaddleOCR 1.5)
   * @param minSize       least short side in map pixels before unclipping (PaddleOCR 3)
   * @param maxCandidates most contours looked at (PaddleOCR 1000)
   */
  public record Params(double thresh, double boxThresh, double unclipRatio, int minSize, int maxCandidates) {
    public static final Params PADDLE = new Params(0.3, 0.6, 1.5, 3, 1000);
  }

  private DbPostProcessor() {}

  /**
   * Boxes found on one probability map.
   *
   * @param prob  CV_32F map, values 0..1, of the detector's input size
   * @param scaleX multiply map x by this to get image x (image width / map width)
   * @param scaleY multiply map y by this to get image y (image height / map height)
   * @param imgW  image width, boxes are clipped to it
   * @param imgH  image height
   */
  public static List<TextBox> boxes(Mat prob, double scaleX, double scaleY, int imgW, int imgH, Params p) {
    List<TextBox> out = new ArrayList<>();
    if (prob.cols() <= 0 || prob.rows() <= 0) return out;
    try (Mat bin32 = new Mat(); Mat bin = new Mat(); MatVector contours = new MatVector()) {
      threshold(prob, bin32, p.thresh(), 255, THRESH_BINARY);
      bin32.convertTo(bin, CV_8U);
      findContours(bin, contours, RETR_LIST, CHAIN_APPROX_SIMPLE);
      long n = Math.min(contours.size(), p.maxCandidates());
      for (long i = 0; i < n; i++) {
        try (Mat c = contours.get(i)) {
          if (c.rows() < 3) continue;
          double[] box;
          try (RotatedRect r = minAreaRect(c)) {
            if (Math.min(r.size().width(), r.size().height()) < p.minSize()) continue;
            box = corners(r.center().x(), r.center().y(), r.size().width(), r.size().height(), r.angle());
          }
          double score = meanInside(prob, box);
          if (score < p.boxThresh()) continue;
          double[] grown = unclip(box, p.unclipRatio());
          double w = Math.hypot(grown[0] - grown[2], grown[1] - grown[3]);
          double h = Math.hypot(grown[0] - grown[6], grown[1] - grown[7]);
          if (Math.min(w, h) < p.minSize() + 2) continue;
          double[] img = new double[8];
          for (int k = 0; k < 8; k += 2) {
            img[k] = clamp(grown[k] * scaleX, 0, imgW - 1);
            img[k + 1] = clamp(grown[k + 1] * scaleY, 0, imgH - 1);
          }
          out.add(new TextBox(img, score));
        }
      }
    }
    return out;
  }

  /**
   * Grows a rectangle (corners in {@link TextBox} order) by {@code d = area * ratio / perimeter} on
   * every side, keeping its centre and orientation.
   */
  public static double[] unclip(double[] box, double ratio) {
    double cx = 0, cy = 0;
    for (int k = 0; k < 8; k += 2) { cx += box[k] / 4; cy += box[k + 1] / 4; }
    double w = Math.hypot(box[2] - box[0], box[3] - box[1]);
    double h = Math.hypot(box[6] - box[0], box[7] - box[1]);
    if (w <= 0 || h <= 0) return box.clone();
    double d = w * h * ratio / (2 * (w + h));
    double ux = (box[2] - box[0]) / w, uy = (box[3] - box[1]) / w; // along the top edge
    double vx = (box[6] - box[0]) / h, vy = (box[7] - box[1]) / h; // down the left edge
    double hw = w / 2 + d, hh = h / 2 + d;
    return new double[] {
        cx - ux * hw - vx * hh, cy - uy * hw - vy * hh,
        cx + ux * hw - vx * hh, cy + uy * hw - vy * hh,
        cx + ux * hw + vx * hh, cy + uy * hw + vy * hh,
        cx - ux * hw + vx * hh, cy - uy * hw + vy * hh};
  }

  /**
   * Corners of a rotated rectangle ordered like PaddleOCR's {@code get_mini_boxes}: sorted by x, the
   * left pair gives top-left/bottom-left by y, the right pair top-right/bottom-right.
   */
  static double[] corners(double cx, double cy, double w, double h, double angleDeg) {
    double a = Math.toRadians(angleDeg), c = Math.cos(a), s = Math.sin(a);
    double[][] p = new double[4][];
    double[][] signs = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
    for (int i = 0; i < 4; i++) {
      double dx = signs[i][0] * w / 2, dy = signs[i][1] * h / 2;
      p[i] = new double[] {cx + dx * c - dy * s, cy + dx * s + dy * c};
    }
    Arrays.sort(p, (m, n) -> Double.compare(m[0], n[0]));
    double[] tl, bl, tr, br;
    if (p[0][1] <= p[1][1]) { tl = p[0]; bl = p[1]; } else { tl = p[1]; bl = p[0]; }
    if (p[2][1] <= p[3][1]) { tr = p[2]; br = p[3]; } else { tr = p[3]; br = p[2]; }
    return new double[] {tl[0], tl[1], tr[0], tr[1], br[0], br[1], bl[0], bl[1]};
  }

  /** Mean of the map inside the polygon (PaddleOCR's "fast" box score). */
  static double meanInside(Mat prob, double[] box) {
    int xmin = (int) clamp(Math.floor(min(box, 0)), 0, prob.cols() - 1);
    int xmax = (int) clamp(Math.ceil(max(box, 0)), 0, prob.cols() - 1);
    int ymin = (int) clamp(Math.floor(min(box, 1)), 0, prob.rows() - 1);
    int ymax = (int) clamp(Math.ceil(max(box, 1)), 0, prob.rows() - 1);
    int w = xmax - xmin + 1, h = ymax - ymin + 1;
    try (Mat mask = new Mat(h, w, CV_8U, new Scalar(0.0));
        Mat poly = new Mat(1, 4, CV_32SC2);
        MatVector polys = new MatVector(1);
        Rect rect = new Rect(xmin, ymin, w, h);
        Mat roi = new Mat(prob, rect);
        IntPointer ip = new IntPointer(poly.data());
        Scalar one = new Scalar(1.0)) {
      for (int k = 0; k < 4; k++) {
        ip.put(2L * k, (int) Math.round(box[2 * k] - xmin));
        ip.put(2L * k + 1, (int) Math.round(box[2 * k + 1] - ymin));
      }
      polys.put(0, poly);
      fillPoly(mask, polys, one);
      try (Scalar m = opencv_core.mean(roi, mask)) {
        return m.get(0);
      }
    }
  }

  private static double min(double[] b, int off) {
    double m = Double.MAX_VALUE;
    for (int k = off; k < 8; k += 2) m = Math.min(m, b[k]);
    return m;
  }

  private static double max(double[] b, int off) {
    double m = -Double.MAX_VALUE;
    for (int k = off; k < 8; k += 2) m = Math.max(m, b[k]);
    return m;
  }

  private static double clamp(double v, double lo, double hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
