package com.softdew.vms.edge.ai.models.scene;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The per-pixel stage of the fire model: which pixels look like flame and which look like smoke. The
 * shipped implementation is {@link ColourRules} (HSV rules); a learnt segmenter (an ONNX network) can
 * replace it without touching the temporal stage (flicker, growth, veiling, persistence).
 */
public interface FireSmokeClassifier extends AutoCloseable {
  /**
   * Fills {@code fire} and {@code smoke} (8-bit, one channel, the size of {@code bgr}) with 255 where a
   * pixel is a candidate and 0 elsewhere.
   */
  void classify(Mat bgr, Mat fire, Mat smoke);

  /** Short name for logs and detections ("hsv-rules", "onnx:fire-seg"). */
  String name();

  @Override
  default void close() {}
}
