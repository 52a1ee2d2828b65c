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

  /**
   * Native scratch Mats reused across calls: allocating fresh native buffers for every frame costs
   * page faults that dominated the run time (125 ms vs a few ms per 720p frame on the 2-core host).
   * At most {@link #POOLED} sets are kept (about 15 MB each for 720p in, 640 out); extra ones made
   * under concurrency are closed after use.
   */
  private static final class Scratch implements AutoCloseable {
    final Mat rgb = new Mat();
    final Mat scaled = new Mat();
    final Mat boxed = new Mat();
    final Mat floats = new Mat();
    final MatVector planes = new MatVector();

    @Override
    public void close() {
      rgb.close();
      scaled.close();
      boxed.close();
      floats.close();
      planes.close();
    }
  }

  static final int POOLED = 8;
  private static final java.util.concurrent.ArrayBlockingQueue<Scratch> SCRATCH = new java.util.concurrent.ArrayBlockingQueue<>(POOLED);

  /** CPU implementation (OpenCV). Thread-safe. */
  public static Batch letterboxNchw(List<FrameView> frames, int size) {
    float[] out = new float[frames.size() * 3 * size * size];
    List<FrameGeometry> geoms = letterboxInto(frames, size, java.nio.FloatBuffer.wrap(out));
    return new Batch(out, frames.size(), size, geoms);
  }

  /**
   * CPU implementation writing into {@code dst} from its position (N x 3 x size x size floats; a
   * reused direct buffer avoids fresh allocations, which are slow on hosts where page faults are
   * expensive); returns the geometries. Thread-safe.
   */
  public static List<FrameGeometry> letterboxInto(List<FrameView> frames, int size, java.nio.FloatBuffer dst) {
    if (size < 8) throw new IllegalArgumentException("input size must be >= 8, got " + size);
    int plane = size * size;
    if (dst.remaining() < frames.size() * 3 * plane) {
      throw new IllegalArgumentException("buffer holds " + dst.remaining() + " floats, " + frames.size() + " frames need " + frames.size() * 3 * plane);
    }
    List<FrameGeometry> geoms = new ArrayList<>(frames.size());
    Scratch k = SCRATCH.poll();
    if (k == null) k = new Scratch();
    try (Scalar grey = new Scalar(PAD, PAD, PAD, 0)) {
      for (int i = 0; i < frames.size(); i++) {
        FrameView f = frames.get(i);
        FrameGeometry g = geometry(f.width(), f.height(), size);
        geoms.add(g);
        int nw = scaledW(g), nh = scaledH(g);
        int left = (int) g.offX(), top = (int) g.offY();
        k.rgb.create(f.height(), f.width(), CV_8UC3);
        k.rgb.data().put(f.rgb());
        Mat src = k.rgb;
        if (nw != f.width() || nh != f.height()) {
          try (Size target = new Size(nw, nh)) {
            resize(k.rgb, k.scaled, target, 0, 0, INTER_LINEAR);
          }
          src = k.scaled;
        }
        copyMakeBorder(src, k.boxed, top, size - nh - top, left, size - nw - left, BORDER_CONSTANT, grey);
        k.boxed.convertTo(k.floats, CV_32F, 1 / 255.0, 0);
        split(k.floats, k.planes);
        for (int c = 0; c < 3; c++) {
          try (Mat p = k.planes.get(c); FloatPointer fp = new FloatPointer(p.data())) {
            fp.capacity(plane);
            dst.put(fp.asBuffer());
          }
        }
      }
    } finally {
      if (!SCRATCH.offer(k)) k.close();
    }
    return List.copyOf(geoms);
  }

  /** GPU implementation when {@code gpu} is given, else the CPU one. */
  public static Batch letterboxNchw(List<FrameView> frames, int size, GpuPreprocess gpu) {
    return gpu == null ? letterboxNchw(frames, size) : gpu.letterboxNchw(frames, size);
  }
}
