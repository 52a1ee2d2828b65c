package com.softdew.vms.edge.record;

/** Told of what a {@link GapFiller} does, on its worker thread: must not block for long. */
public interface GapFillerListener {
  /** A segment filled from the camera's SD card was closed (source "sdcard"). */
  default void segment(RecordingSegment segment) {}

  /** A fill ended (filled, partial, unfillable, or failed and left open). */
  default void done(GapFillerResult result) {}
}
