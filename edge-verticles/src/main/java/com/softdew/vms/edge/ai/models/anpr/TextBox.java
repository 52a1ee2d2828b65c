package com.softdew.vms.edge.ai.models.anpr;

import com.softdew.vms.edge.ai.Box;

/**
 * A detected text line: a rotated rectangle given by its four corners in image pixels, ordered
 * top-left, top-right, bottom-right, bottom-left (PaddleOCR's order), plus the detector's mean
 * probability inside it.
 *
 * @param pts   x0,y0 (top-left), x1,y1 (top-right), x2,y2 (bottom-right), x3,y3 (bottom-left)
 * @param score mean text probability inside the box, 0..1
 */
public record TextBox(double[] pts, double score) {
  public TextBox {
    if (pts.length != 8) throw new IllegalArgumentException("a text box has 4 corners");
    pts = pts.clone();
  }

  /** Length of the top/bottom edges (the longer of the two). */
  public double width() {
    return Math.max(dist(0, 1), dist(3, 2));
  }

  /** Length of the left/right edges (the longer of the two). */
  public double height() {
    return Math.max(dist(0, 3), dist(1, 2));
  }

  /** width / height (a text line reads along its width; vertical text has aspect < 1). */
  public double aspect() {
    double h = height();
    return h <= 0 ? 0 : width() / h;
  }

  /** Axis-aligned bounding box. */
  public Box bounds() {
    double x0 = Double.MAX_VALUE, y0 = Double.MAX_VALUE, x1 = -Double.MAX_VALUE, y1 = -Double.MAX_VALUE;
    for (int i = 0; i < 8; i += 2) {
      x0 = Math.min(x0, pts[i]); x1 = Math.max(x1, pts[i]);
      y0 = Math.min(y0, pts[i + 1]); y1 = Math.max(y1, pts[i + 1]);
    }
    return new Box(x0, y0, x1 - x0, y1 - y0);
  }

  /** The same box moved by (dx, dy) and scaled by s around the origin first: p' = p * s + d. */
  public TextBox mapped(double s, double dx, double dy) {
    double[] q = new double[8];
    for (int i = 0; i < 8; i += 2) {
      q[i] = pts[i] * s + dx;
      q[i + 1] = pts[i + 1] * s + dy;
    }
    return new TextBox(q, score);
  }

  private double dist(int a, int b) {
    return Math.hypot(pts[2 * a] - pts[2 * b], pts[2 * a + 1] - pts[2 * b + 1]);
  }
}
