package com.softdew.vms.edge.ai;

import java.util.List;

/**
 * A model's state for one camera (background model, reference picture, tracks, dwell timers...).
 * Created by {@link AnalyticsModel#open}, fed the camera's frames in capture order batch after batch,
 * closed when the camera goes away. Not thread-safe: the caller serialises calls per session.
 */
public interface ModelSession extends AutoCloseable {
  /**
   * Analyses frames of this session's camera, oldest first, returning one result per frame, in the
   * same order. A frame whose ptsMs is not after the last one analysed (overlap between consecutive
   * segments) is analysed again for its detections but must not advance timers or counters twice.
   * The shared perception has already annotated the frames when {@link AnalyticsModel#usesObjects()}.
   */
  List<FrameResult> analyze(List<FrameView> frames);

  @Override
  default void close() {}
}
