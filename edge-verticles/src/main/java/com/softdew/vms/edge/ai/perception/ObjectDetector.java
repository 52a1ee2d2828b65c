package com.softdew.vms.edge.ai.perception;

import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameView;
import java.util.List;

/**
 * Finds people and vehicles on frames, without tracking: the detector behind {@link DefaultPerception}.
 * Implementations: {@link HogDetector} (OpenCV HOG, people only) and
 * {@code com.softdew.vms.edge.ai.runtime.OnnxYoloDetector} (YOLO-style ONNX network).
 *
 * <p>Contract: {@link #detect} returns exactly one list per input frame, in the same order; each
 * {@link Detection} has class "person" or "vehicle", a confidence in [0,1] and a box in pixels of that
 * frame, no track id and no zone. Frames may come from several cameras and may differ in size. Called
 * from worker threads (never an event loop); implementations must be safe to call from several threads
 * (serialising internally is fine). Must not modify or close the frames.
 */
public interface ObjectDetector extends AutoCloseable {
  String PERSON = "person";
  String VEHICLE = "vehicle";

  /** One list of detections per frame, same order as {@code frames}. */
  List<List<Detection>> detect(List<FrameView> frames);

  /** One line for logs and /health: "hog/cpu", "onnx:yolov8n/cpu"... */
  String describe();

  /** Frees native resources (networks, sessions). */
  @Override
  default void close() {}
}
