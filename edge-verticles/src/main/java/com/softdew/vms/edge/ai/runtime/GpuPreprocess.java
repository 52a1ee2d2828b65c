package com.softdew.vms.edge.ai.runtime;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static jcuda.nvrtc.JNvrtc.nvrtcCompileProgram;
import static jcuda.nvrtc.JNvrtc.nvrtcCreateProgram;
import static jcuda.nvrtc.JNvrtc.nvrtcDestroyProgram;
import static jcuda.nvrtc.JNvrtc.nvrtcGetPTX;
import static jcuda.nvrtc.JNvrtc.nvrtcGetProgramLog;

import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.model.Priority;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.nvrtc.JNvrtc;
import jcuda.nvrtc.nvrtcProgram;

/**
 * {@link Preprocess#letterboxNchw} on a CUDA device: one kernel (compiled at run time with NVRTC, which
 * needs {@code libnvrtc.so} of a CUDA toolkit 12.x besides the driver) samples each frame bilinearly
 * with OpenCV's INTER_LINEAR convention (pixel centres, clamped edges), writes the grey bars and the
 * 0..1 RGB planes. Frames are copied and launched on the stream of the caller's priority
 * ({@link CudaStreams}). Not thread-safe per instance (one per inference thread). Exercised only by
 * {@code @Tag("gpu")} tests: this class is untested on hosts without a GPU.
 */
public final class GpuPreprocess implements AutoCloseable {
  static final String KERNEL = """
      extern "C" __global__ void letterbox(const unsigned char* src, int sw, int sh, float* dst, int size,
                                           int nw, int nh, int left, int top) {
        int x = blockIdx.x * blockDim.x + threadIdx.x;
        int y = blockIdx.y * blockDim.y + threadIdx.y;
        if (x >= size || y >= size) return;
        const float pad = 114.0f / 255.0f;
        float r = pad, g = pad, b = pad;
        int ix = x - left, iy = y - top;
        if (ix >= 0 && iy >= 0 && ix < nw && iy < nh) {
          float fx = (ix + 0.5f) * ((float) sw / nw) - 0.5f;
          float fy = (iy + 0.5f) * ((float) sh / nh) - 0.5f;
          int x0 = (int) floorf(fx), y0 = (int) floorf(fy);
          float ax = fx - x0, ay = fy - y0;
          if (x0 < 0) { x0 = 0; ax = 0.0f; }
          if (y0 < 0) { y0 = 0; ay = 0.0f; }
          int x1 = min(x0 + 1, sw - 1), y1 = min(y0 + 1, sh - 1);
          if (x0 > sw - 1) x0 = sw - 1;
          if (y0 > sh - 1) y0 = sh - 1;
          const unsigned char* p00 = src + (y0 * sw + x0) * 3;
          const unsigned char* p01 = src + (y0 * sw + x1) * 3;
          const unsigned char* p10 = src + (y1 * sw + x0) * 3;
          const unsigned char* p11 = src + (y1 * sw + x1) * 3;
          float v[3];
          for (int c = 0; c < 3; c++) {
            float top_ = p00[c] + ax * (p01[c] - p00[c]);
            float bot_ = p10[c] + ax * (p11[c] - p10[c]);
            v[c] = (top_ + ay * (bot_ - top_)) / 255.0f;
          }
          r = v[0]; g = v[1]; b = v[2];
        }
        int plane = size * size;
        dst[y * size + x] = r;
        dst[plane + y * size + x] = g;
        dst[2 * plane + y * size + x] = b;
      }
      """;

  private final GpuManager gpu;
  private final InferenceDevice device;
  private final CUmodule module = new CUmodule();
  private final CUfunction function = new CUfunction();
  private Priority priority = Priority.STANDARD;

  private GpuPreprocess(GpuManager gpu, InferenceDevice device) {
    this.gpu = gpu;
    this.device = device;
  }

  /**
   * Compiles the kernel for {@code device}; throws (with NVRTC's log, or the load error when
   * libnvrtc is missing) when it cannot: callers fall back to the CPU path.
   */
  public static GpuPreprocess create(GpuManager gpu, InferenceDevice device) {
    if (!device.isGpu()) throw new IllegalArgumentException("GPU preprocessing needs a CUDA device, got " + device);
    JNvrtc.setExceptionsEnabled(true);
    gpu.makeCurrent(device);
    nvrtcProgram prog = new nvrtcProgram();
    nvrtcCreateProgram(prog, KERNEL, "letterbox.cu", 0, null, null);
    String ptx;
    try {
      try {
        nvrtcCompileProgram(prog, 0, null);
      } catch (RuntimeException e) {
        String[] log = new String[1];
        nvrtcGetProgramLog(prog, log);
        throw new IllegalStateException("NVRTC could not compile the letterbox kernel: " + log[0], e);
      }
      String[] out = new String[1];
      nvrtcGetPTX(prog, out);
      ptx = out[0];
    } finally {
      nvrtcDestroyProgram(prog);
    }
    GpuPreprocess p = new GpuPreprocess(gpu, device);
    cuModuleLoadData(p.module, ptx);
    cuModuleGetFunction(p.function, p.module, "letterbox");
    return p;
  }

  /** Priority of the work that follows: CRITICAL/HIGH go to the device's high-priority stream. */
  public GpuPreprocess priority(Priority p) {
    this.priority = p;
    return this;
  }

  public Preprocess.Batch letterboxNchw(List<FrameView> frames, int size) {
    gpu.makeCurrent(device);
    CUstream stream = gpu.streams(device).forPriority(priority);
    int plane = size * size;
    float[] out = new float[frames.size() * 3 * plane];
    List<FrameGeometry> geoms = new ArrayList<>(frames.size());
    long maxSrc = 0;
    for (FrameView f : frames) maxSrc = Math.max(maxSrc, (long) f.width() * f.height() * 3);
    CUdeviceptr src = new CUdeviceptr();
    CUdeviceptr dst = new CUdeviceptr();
    cuMemAlloc(src, Math.max(1, maxSrc));
    cuMemAlloc(dst, (long) out.length * Float.BYTES);
    try {
      for (int i = 0; i < frames.size(); i++) {
        FrameView f = frames.get(i);
        FrameGeometry g = Preprocess.geometry(f.width(), f.height(), size);
        geoms.add(g);
        cuMemcpyHtoDAsync(src, Pointer.to(f.rgb()), (long) f.width() * f.height() * 3, stream);
        CUdeviceptr dstFrame = dst.withByteOffset((long) i * 3 * plane * Float.BYTES);
        Pointer params = Pointer.to(Pointer.to(src), Pointer.to(new int[] {f.width()}), Pointer.to(new int[] {f.height()}),
            Pointer.to(dstFrame), Pointer.to(new int[] {size}), Pointer.to(new int[] {Preprocess.scaledW(g)}),
            Pointer.to(new int[] {Preprocess.scaledH(g)}), Pointer.to(new int[] {(int) g.offX()}), Pointer.to(new int[] {(int) g.offY()}));
        int block = 16;
        cuLaunchKernel(function, (size + block - 1) / block, (size + block - 1) / block, 1, block, block, 1, 0, stream, params, null);
        // the source buffer is reused by the next frame: wait for this kernel first
        cuStreamSynchronize(stream);
      }
      cuMemcpyDtoHAsync(Pointer.to(out), dst, (long) out.length * Float.BYTES, stream);
      cuStreamSynchronize(stream);
    } finally {
      cuMemFree(src);
      cuMemFree(dst);
    }
    return new Preprocess.Batch(out, frames.size(), size, List.copyOf(geoms));
  }

  @Override
  public void close() {
    gpu.makeCurrent(device);
    cuModuleUnload(module);
  }
}
