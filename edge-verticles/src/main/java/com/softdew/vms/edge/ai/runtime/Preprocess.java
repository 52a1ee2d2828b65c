package com.softdew.vms.edge.ai.runtime;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.copyMakeBorder;
import static org.bytedeco.opencv.global.opencv_core.split;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameView;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Batched network input: each frame letterboxed into a {@code size x size} square (aspect kept, grey
 * 114 bars split evenly, YOLO's convention), RGB, scaled to 0..1, laid out NCHW in one float array.
 * The CPU path is OpenCV (resize INTER_LINEAR + copyMakeBorder + convertTo + split); the GPU path
 * ({@link GpuPreprocess}) runs one CUDA kernel with the same sampling.
 */
public final class Preprocess {
  /** Grey of the letterbox bars, 0..255. */
  public static final int PAD = 114;

  private Preprocess() {}

  /**
   * @param data       N x 3 x size x size, RGB planes, values 0..1
   * @param geometries per frame: source size, scale and the bars' offsets (maps network boxes back
   *                   with {@link FrameGeometry#toSource})
   */
  public record Batch(float[] data, int count, int size, List<FrameGeometry> geometries) {
    public long[] shape() {
      return new long[] {count, 3, size, size};
    }
  }

  /** Where a {@code srcW x srcH} picture lands in the square: integer size and offsets, as both paths use. */
  public static FrameGeometry geometry(int srcW, int srcH, int size) {
    double s = Math.min((double) size / srcW, (double) size / srcH);
    int nw = Math.max(1, (int) Math.round(srcW * s));
    int nh = Math.max(1, (int) Math.round(srcH * s));
    return new FrameGeometry(srcW, srcH, size, size, s, (size - nw) / 2, (size - nh) / 2);
  }

  static int scaledW(FrameGeometry g) {
    return Math.max(1, (int) Math.round(g.srcW() * g.scale()));
  }

  static int scaledH(FrameGeometry g) {
    return Math.max(1, (int) Math.round(g.srcH() * g.scale()));
  }

  /** CPU implementation (OpenCV). */
  public static Batch letterboxNchw(List<FrameView> frames, int size) {
    if (size < 8) throw new IllegalArgumentException("input size must be >= 8, got " + size);
    int plane = size * size;
    float[] out = new float[frames.size() * 3 * plane];
    List<FrameGeometry> geoms = new ArrayList<>(frames.size());
    for (int i = 0; i < frames.size(); i++) {
      FrameView f = frames.get(i);
      FrameGeometry g = geometry(f.width(), f.height(), size);
      geoms.add(g);
      int nw = scaledW(g), nh = scaledH(g);
      int left = (int) g.offX(), top = (int) g.offY();
      try (Mat rgb = new Mat(f.height(), f.width(), CV_8UC3);
          Mat scaled = new Mat();
          Mat boxed = new Mat();
          Mat floats = new Mat();
          MatVector planes = new MatVector();
          Scalar grey = new Scalar(PAD, PAD, PAD, 0);
          Size target = new Size(nw, nh)) {
        rgb.data().put(f.rgb());
        if (nw == f.width() && nh == f.height()) rgb.copyTo(scaled);
        else resize(rgb, scaled, target, 0, 0, INTER_LINEAR);
        copyMakeBorder(scaled, boxed, top, size - nh - top, left, size - nw - left, BORDER_CONSTANT, grey);
        boxed.convertTo(floats, CV_32F, 1 / 255.0, 0);
        split(floats, planes);
        for (int c = 0; c < 3; c++) {
          try (Mat p = planes.get(c); FloatPointer fp = new FloatPointer(p.data())) {
            fp.get(out, (i * 3 + c) * plane, plane);
          }
        }
      }
    }
    return new Batch(out, frames.size(), size, List.copyOf(geoms));
  }

  /** GPU implementation when {@code gpu} is given, else the CPU one. */
  public static Batch letterboxNchw(List<FrameView> frames, int size, GpuPreprocess gpu) {
    return gpu == null ? letterboxNchw(frames, size) : gpu.letterboxNchw(frames, size);
  }
}
