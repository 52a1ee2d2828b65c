package com.softdew.vms.edge.ai.perception;

import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameView;
import java.util.List;

/** Finds people and vehicles on frames, batched. */
public interface ObjectDetector {
  List<List<Detection>> detect(List<FrameView> frames);

  String describe();
}
