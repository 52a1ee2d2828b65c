package com.softdew.vms.edge.ai.perception;

import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;

import com.softdew.vms.edge.ai.FrameView;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Cheap motion test for one camera: the grey frame downscaled to {@code width} px wide and blurred,
 * differenced with the previous one; motion when more than {@code minFraction} of the pixels changed by
 * more than {@code diffThreshold} grey levels. The first frame (and the first after a size change) counts
 * as motion. Not thread-safe (one per camera, used under the camera's lock).
 */
public final class MotionGate implements AutoCloseable {
  public record Options(int width, int diffThreshold, double minFraction) {
    public Options {
      if (width < 16) throw new IllegalArgumentException("width must be >= 16");
      if (diffThreshold < 1 || diffThreshold > 254) throw new IllegalArgumentException("diffThreshold must be in [1, 254]");
      if (!(minFraction >= 0 && minFraction < 1)) throw new IllegalArgumentException("minFraction must be in [0, 1)");
    }

    public static Options defaults() {
      return new Options(160, 18, 0.0015);
    }
  }

  private final Options options;
  private Mat prev;
  private double lastFraction;

  public MotionGate(Options options) {
    this.options = options;
  }

  /** True when {@code f} differs enough from the frame given before it. */
  public boolean moved(FrameView f) {
    int w = Math.min(options.width(), f.width());
    int h = Math.max(1, (int) Math.round((double) f.height() * w / f.width()));
    Mat small = new Mat();
    try (Size s = new Size(w, h); Size k = new Size(5, 5)) {
      resize(f.gray(), small, s, 0, 0, INTER_AREA);
      GaussianBlur(small, small, k, 0);
    }
    boolean moved;
    if (prev == null || prev.cols() != small.cols() || prev.rows() != small.rows()) {
      moved = true;
      lastFraction = 1;
    } else {
      try (Mat diff = new Mat()) {
        absdiff(small, prev, diff);
        threshold(diff, diff, options.diffThreshold(), 255, THRESH_BINARY);
        lastFraction = (double) countNonZero(diff) / ((long) w * h);
        moved = lastFraction > options.minFraction();
      }
    }
    if (prev != null) prev.close();
    prev = small;
    return moved;
  }

  /** Fraction of changed pixels measured by the last {@link #moved} call. */
  public double lastFraction() { return lastFraction; }

  @Override
  public void close() {
    if (prev != null) prev.close();
    prev = null;
  }
}
