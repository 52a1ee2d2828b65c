package com.softdew.vms.edge.ai;

import io.vertx.core.json.JsonArray;

/** An axis-aligned box in pixels of the frame it was found in: top-left corner, width, height. */
public record Box(double x, double y, double w, double h) {
  public Box {
    if (w < 0 || h < 0) throw new IllegalArgumentException("box width and height must be >= 0");
  }

  public double area() { return w * h; }
  public double cx() { return x + w / 2; }
  public double cy() { return y + h / 2; }
  /** Bottom centre: where a standing person touches the ground (used for zone membership). */
  public double footX() { return x + w / 2; }
  public double footY() { return y + h; }

  /** Intersection over union, 0 when disjoint. */
  public double iou(Box o) {
    double ix = Math.max(0, Math.min(x + w, o.x + o.w) - Math.max(x, o.x));
    double iy = Math.max(0, Math.min(y + h, o.y + o.h) - Math.max(y, o.y));
    double inter = ix * iy;
    double union = area() + o.area() - inter;
    return union <= 0 ? 0 : inter / union;
  }

  /** [x, y, w, h] rounded to whole pixels. */
  public JsonArray toJson() {
    return new JsonArray().add(Math.round(x)).add(Math.round(y)).add(Math.round(w)).add(Math.round(h));
  }
}
