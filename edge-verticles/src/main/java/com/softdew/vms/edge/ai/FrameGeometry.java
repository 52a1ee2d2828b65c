package com.softdew.vms.edge.ai;

import java.util.ArrayList;
import java.util.List;

/**
 * How a source picture (srcW x srcH) was fitted into the analysed frame (dstW x dstH): uniform scale
 * plus offset, for letterbox (offsets >= 0, bars) and crop (offsets <= 0, edges cut) alike. Maps boxes
 * back to source pixels (analyze command output) and zones forward to frame pixels.
 */
public record FrameGeometry(int srcW, int srcH, int dstW, int dstH, double scale, double offX, double offY) {
  /** Letterbox: the whole source visible, bars on two sides. */
  public static FrameGeometry letterbox(int srcW, int srcH, int dstW, int dstH) {
    double s = Math.min((double) dstW / srcW, (double) dstH / srcH);
    return new FrameGeometry(srcW, srcH, dstW, dstH, s, (dstW - srcW * s) / 2, (dstH - srcH * s) / 2);
  }

  /** Crop: the frame filled, the source's excess cut evenly on two sides. */
  public static FrameGeometry crop(int srcW, int srcH, int dstW, int dstH) {
    double s = Math.max((double) dstW / srcW, (double) dstH / srcH);
    return new FrameGeometry(srcW, srcH, dstW, dstH, s, (dstW - srcW * s) / 2, (dstH - srcH * s) / 2);
  }

  /** Identity: frames are analysed at source size. */
  public static FrameGeometry identity(int w, int h) {
    return new FrameGeometry(w, h, w, h, 1, 0, 0);
  }

  public Box toSource(Box b) {
    return new Box((b.x() - offX) / scale, (b.y() - offY) / scale, b.w() / scale, b.h() / scale);
  }

  public Zone toFrame(Zone z) {
    List<double[]> pts = new ArrayList<>();
    for (double[] p : z.points()) pts.add(new double[] {p[0] * scale + offX, p[1] * scale + offY});
    return new Zone(z.name(), pts);
  }

  public Detection toSource(Detection d) {
    return d.withBox(toSource(d.box()));
  }
}
