package com.softdew.vms.edge.segment;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A closed segment in the segment store.
 *
 * @param start    capture time of its first frame
 * @param end      capture time of its last frame plus one frame interval (so end - start is its duration)
 * @param path     the final file (already renamed from its temporary name)
 * @param bitrate  measured average bitrate of the file, bits per second
 * @param resolution WIDTHxHEIGHT of the encoded frames
 * @param closedAt when the file was complete (start of the close → job acknowledged latency)
 */
public record SegmentInfo(String tenantId, String cameraId, long seq, Instant start, Instant end, int frameCount, Path path,
    long bytes, long bitrate, String resolution, Instant closedAt) {

  public Duration duration() {
    return Duration.between(start, end);
  }
}
