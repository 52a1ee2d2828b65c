package com.softdew.vms.edge.record;

/** Told of closed segments and gaps, on the recorder's own thread: must not block. */
public interface RecordingListener {
  void segment(RecordingSegment segment);

  default void gap(RecordingGap gap) {}
}
