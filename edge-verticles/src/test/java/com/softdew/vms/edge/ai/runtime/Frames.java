package com.softdew.vms.edge.ai.runtime;

import com.softdew.vms.edge.ai.FrameView;

/** Test pictures drawn pixel by pixel: packed RGB24. */
final class Frames {
  private Frames() {}

  static byte[] canvas(int w, int h, int r, int g, int b) {
    byte[] px = new byte[w * h * 3];
    fill(px, w, 0, 0, w, h, r, g, b);
    return px;
  }

  static void fill(byte[] px, int w, int x0, int y0, int rw, int rh, int r, int g, int b) {
    int h = px.length / 3 / w;
    for (int y = Math.max(0, y0); y < Math.min(h, y0 + rh); y++) {
      for (int x = Math.max(0, x0); x < Math.min(w, x0 + rw); x++) {
        int i = (y * w + x) * 3;
        px[i] = (byte) r;
        px[i + 1] = (byte) g;
        px[i + 2] = (byte) b;
      }
    }
  }

  static FrameView view(long index, int w, int h, byte[] px) {
    return new FrameView(index, index * 66, w, h, px);
  }
}
