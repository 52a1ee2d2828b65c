package com.softdew.vms.edge.ai.models.scene;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.meanStdDev;
import static org.bytedeco.opencv.global.opencv_imgproc.CC_STAT_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.CC_STAT_HEIGHT;
import static org.bytedeco.opencv.global.opencv_imgproc.CC_STAT_LEFT;
import static org.bytedeco.opencv.global.opencv_imgproc.CC_STAT_TOP;
import static org.bytedeco.opencv.global.opencv_imgproc.CC_STAT_WIDTH;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.connectedComponentsWithStats;
import static org.bytedeco.opencv.global.opencv_imgproc.fillPoly;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.Zone;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.javacpp.indexer.IntIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/** Small OpenCV helpers of the scene models; every temporary native object is closed here. */
final class Cv {
  private Cv() {}

  /** A connected component of a mask, in pixels of the mask. */
  record Blob(int x, int y, int w, int h, int area, double cx, double cy) {
    Box box(double scale) {
      return new Box(x * scale, y * scale, w * scale, h * scale);
    }
  }

  /** 8-connected components of a binary mask with at least {@code minArea} pixels, largest first. */
  static List<Blob> blobs(Mat mask, int minArea) {
    List<Blob> out = new ArrayList<>();
    try (Mat labels = new Mat(); Mat stats = new Mat(); Mat centroids = new Mat()) {
      int n = connectedComponentsWithStats(mask, labels, stats, centroids, 8, org.bytedeco.opencv.global.opencv_core.CV_32S);
      try (IntIndexer s = stats.createIndexer(); DoubleIndexer c = centroids.createIndexer()) {
        for (int i = 1; i < n; i++) {
          int area = s.get(i, CC_STAT_AREA);
          if (area < minArea) continue;
          out.add(new Blob(s.get(i, CC_STAT_LEFT), s.get(i, CC_STAT_TOP), s.get(i, CC_STAT_WIDTH), s.get(i, CC_STAT_HEIGHT), area, c.get(i, 0), c.get(i, 1)));
        }
      }
    }
    out.sort((a, b) -> Integer.compare(b.area(), a.area()));
    return out;
  }

  /** Mean and standard deviation of a one-channel image (optionally under a mask). */
  static double[] meanStd(Mat img, Mat mask) {
    try (Mat m = new Mat(); Mat s = new Mat()) {
      if (mask == null) meanStdDev(img, m, s);
      else meanStdDev(img, m, s, mask);
      try (DoubleIndexer mi = m.createIndexer(); DoubleIndexer si = s.createIndexer()) {
        return new double[] {mi.get(0), si.get(0)};
      }
    }
  }

  /** A 0/255 mask of one zone at {@code scale} (analysis pixels per frame pixel). */
  static Mat zoneMask(Zone z, int w, int h, double scale) {
    Mat m = new Mat(h, w, CV_8UC1);
    try (Scalar zero = new Scalar(0)) {
      m.put(zero);
    }
    List<double[]> pts = z.points();
    try (Point p = new Point(pts.size()); Scalar white = new Scalar(255); Point origin = new Point(0, 0)) {
      for (int i = 0; i < pts.size(); i++) p.position(i).x((int) Math.round(pts.get(i)[0] * scale)).y((int) Math.round(pts.get(i)[1] * scale));
      p.position(0);
      fillPoly(m, p, new int[] {pts.size()}, 1, white, 8, 0, origin);
    }
    return m;
  }

  /** Union of the zones' masks, or null when there is no zone. */
  static Mat unionMask(List<Zone> zones, int w, int h, double scale) {
    if (zones.isEmpty()) return null;
    Mat u = zoneMask(zones.get(0), w, h, scale);
    for (int i = 1; i < zones.size(); i++) {
      try (Mat m = zoneMask(zones.get(i), w, h, scale)) {
        org.bytedeco.opencv.global.opencv_core.bitwise_or(u, m, u);
      }
    }
    return u;
  }

  /**
   * {@code src} shrunk (INTER_AREA) so that its width is at most {@code maxWidth}, written to {@code dst};
   * returns the scale applied (analysis pixels per frame pixel, 1 when not shrunk).
   */
  static double shrink(Mat src, Mat dst, int maxWidth) {
    if (src.cols() <= maxWidth) {
      src.copyTo(dst);
      return 1;
    }
    double s = (double) maxWidth / src.cols();
    try (Size size = new Size(maxWidth, (int) Math.round(src.rows() * s))) {
      resize(src, dst, size, 0, 0, INTER_AREA);
    }
    return s;
  }

  /**
   * Affine light normalisation of a grey image: maps its mean and standard deviation to {@code mean0}
   * and {@code std0}, which cancels global gain and offset changes (lights, auto-exposure).
   */
  static void normaliseLight(Mat gray, Mat dst, double mean0, double std0) {
    double[] ms = meanStd(gray, null);
    double a = std0 / Math.max(1, ms[1]);
    gray.convertTo(dst, -1, a, mean0 - a * ms[0]);
  }

  static double clamp01(double v) {
    return v < 0 ? 0 : Math.min(1, v);
  }
}
