package com.softdew.vms.edge.ai;

import com.softdew.vms.edge.job.ModelRequirements;
import com.softdew.vms.model.Priority;

/**
 * One analytics model (seed §7). Implementations are found with {@link java.util.ServiceLoader}
 * (META-INF/services/com.softdew.vms.edge.ai.AnalyticsModel), need a public no-argument constructor,
 * and are initialised once per host with {@link #init}. A model may be classical computer vision
 * (OpenCV) or a neural network (ONNX Runtime, OpenCV DNN); it works on real pixels only.
 */
public interface AnalyticsModel extends AutoCloseable {
  /** Model id: one of {@link ModelRequirements#models()} or a user model's configured id. */
  String id();

  /** What the model needs from a camera stream (seed table). */
  default ModelRequirements.Requirement requirement() {
    return ModelRequirements.of(id());
  }

  /** Default priority of its jobs and events. */
  default Priority priority() {
    return requirement().priority();
  }

  /** Thresholds and parameters with defaults and bounds. */
  ModelParams params();

  /** True when the model must see every frame (no motion gating). */
  default boolean needsEveryFrame() {
    return false;
  }

  /** True when the model reads {@link FrameView#objects()} (people/vehicles from the shared perception). */
  default boolean usesObjects() {
    return false;
  }

  /** Loads what the model needs once per host (networks, cascades); called before the first {@link #open}. */
  default void init(ModelEnvironment env) throws Exception {}

  /** A session for one camera; {@code camera.params()} are already resolved against {@link #params()}. */
  ModelSession open(CameraContext camera);

  @Override
  default void close() {}
}
