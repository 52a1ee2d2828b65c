package com.softdew.vms.edge.ai.runtime;

import static jcuda.driver.JCudaDriver.cuCtxGetStreamPriorityRange;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuStreamCreateWithPriority;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;

import com.softdew.vms.model.Priority;
import jcuda.driver.CUcontext;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/**
 * Two non-blocking CUDA streams of one device: work of CRITICAL and HIGH priority models goes to the
 * stream with the device's greatest priority (the GPU scheduler runs its blocks first when both have
 * work queued), MEDIUM and STANDARD to the one with the least. The range comes from
 * {@code cuCtxGetStreamPriorityRange}: numerically lower is higher priority. Only exercised on hosts
 * with a GPU ({@code @Tag("gpu")} tests).
 */
public final class CudaStreams implements AutoCloseable {
  private final CUstream critical = new CUstream();
  private final CUstream normal = new CUstream();
  private final int greatestPriority;
  private final int leastPriority;

  private CudaStreams(int least, int greatest) {
    this.leastPriority = least;
    this.greatestPriority = greatest;
  }

  static CudaStreams create(CUcontext ctx) {
    cuCtxSetCurrent(ctx);
    int[] least = {0}, greatest = {0};
    cuCtxGetStreamPriorityRange(least, greatest);
    CudaStreams s = new CudaStreams(least[0], greatest[0]);
    cuStreamCreateWithPriority(s.critical, CUstream_flags.CU_STREAM_NON_BLOCKING, greatest[0]);
    cuStreamCreateWithPriority(s.normal, CUstream_flags.CU_STREAM_NON_BLOCKING, least[0]);
    return s;
  }

  /** The stream for work of a model of this priority. */
  public CUstream forPriority(Priority p) {
    return p == Priority.CRITICAL || p == Priority.HIGH ? critical : normal;
  }

  /** CUDA priority of the critical stream (numerically lowest). */
  public int greatestPriority() {
    return greatestPriority;
  }

  public int leastPriority() {
    return leastPriority;
  }

  @Override
  public void close() {
    cuStreamDestroy(critical);
    cuStreamDestroy(normal);
  }
}
