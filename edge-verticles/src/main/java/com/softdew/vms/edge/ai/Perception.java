package com.softdew.vms.edge.ai;

import java.util.List;

/**
 * The host's shared object perception: finds people and vehicles on frames and tracks them per camera,
 * once per frame whatever the number of models that use it (results are stored on the
 * {@link FrameView}, see {@link FrameView#objects()}). Implementations batch the frames of several
 * cameras into one detector call where the detector benefits from it.
 */
public interface Perception extends AutoCloseable {
  /** One camera's frames of a batch, in capture order. */
  record CameraFrames(CameraContext camera, List<FrameView> frames) {}

  /**
   * Annotates every frame that has no {@link FrameView#objects()} yet with tracked detections
   * (classes "person" and "vehicle", track ids stable per camera). Thread-safe; frames of one camera
   * must arrive in capture order (frames already seen, e.g. segment overlap, keep their first tracks).
   */
  void annotate(List<CameraFrames> batch);

  /** One line for logs and /health: detector kind and where it runs ("hog/cpu", "onnx:yolov8n/cpu"...). */
  String describe();

  @Override
  default void close() {}
}
