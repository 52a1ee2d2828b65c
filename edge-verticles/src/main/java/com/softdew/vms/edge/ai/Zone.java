package com.softdew.vms.edge.ai;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A named polygon in pixels of the frame the models analyse. Zones are configured in source pixels
 * (what an operator draws on the camera's picture) and mapped to the normalised frame with
 * {@link FrameGeometry#toFrame(Zone)}.
 */
public record Zone(String name, List<double[]> points) {
  public Zone {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) throw new IllegalArgumentException("zone name must not be blank");
    if (points.size() < 3) throw new IllegalArgumentException("zone " + name + " needs at least 3 points, got " + points.size());
    points = List.copyOf(points);
  }

  /**
   * Parses {@code NAME=x1,y1;x2,y2;x3,y3...}; IllegalArgumentException naming what is wrong.
   */
  public static Zone parse(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0) throw new IllegalArgumentException("zone '" + spec + "' must look like NAME=x1,y1;x2,y2;x3,y3");
    String name = spec.substring(0, eq).trim();
    List<double[]> pts = new ArrayList<>();
    for (String p : spec.substring(eq + 1).split(";")) {
      String[] xy = p.trim().split(",");
      if (xy.length != 2) throw new IllegalArgumentException("zone " + name + ": point '" + p + "' must be x,y");
      try {
        pts.add(new double[] {Double.parseDouble(xy[0].trim()), Double.parseDouble(xy[1].trim())});
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("zone " + name + ": point '" + p + "' is not two numbers");
      }
    }
    return new Zone(name, pts);
  }

  /** Even-odd ray casting. */
  public boolean contains(double x, double y) {
    boolean in = false;
    for (int i = 0, j = points.size() - 1; i < points.size(); j = i++) {
      double[] a = points.get(i), b = points.get(j);
      if ((a[1] > y) != (b[1] > y) && x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0]) in = !in;
    }
    return in;
  }

  /** Bounding box of the polygon. */
  public Box bounds() {
    double x0 = Double.MAX_VALUE, y0 = Double.MAX_VALUE, x1 = -Double.MAX_VALUE, y1 = -Double.MAX_VALUE;
    for (double[] p : points) {
      x0 = Math.min(x0, p[0]); y0 = Math.min(y0, p[1]); x1 = Math.max(x1, p[0]); y1 = Math.max(y1, p[1]);
    }
    return new Box(x0, y0, x1 - x0, y1 - y0);
  }

  /** Shoelace area in square pixels. */
  public double area() {
    double s = 0;
    for (int i = 0, j = points.size() - 1; i < points.size(); j = i++) {
      s += (points.get(j)[0] + points.get(i)[0]) * (points.get(j)[1] - points.get(i)[1]);
    }
    return Math.abs(s) / 2;
  }
}
