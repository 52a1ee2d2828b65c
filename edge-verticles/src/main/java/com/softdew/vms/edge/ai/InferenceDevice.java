package com.softdew.vms.edge.ai;

/**
 * Where a model's inference runs: the CPU, or a CUDA device found by the GPU manager.
 *
 * @param kind        "cpu" or "cuda"
 * @param ordinal     CUDA device ordinal, -1 for the CPU
 * @param name        device name ("cpu", "NVIDIA A2"...)
 * @param memoryBytes device memory, 0 for the CPU
 */
public record InferenceDevice(String kind, int ordinal, String name, long memoryBytes) {
  public static final InferenceDevice CPU = new InferenceDevice("cpu", -1, "cpu", 0);

  public boolean isGpu() { return "cuda".equals(kind); }
}
