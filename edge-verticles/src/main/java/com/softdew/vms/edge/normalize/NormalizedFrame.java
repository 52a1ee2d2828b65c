package com.softdew.vms.edge.normalize;

import java.time.Instant;

/**
 * One analytics frame of a camera after normalisation (default 640x480, packed RGB24, letterboxed or
 * cropped without distortion, at the target fps). Frames stay in the process: they are handed from
 * ingest to the frame ring, the segmenter and the models by reference, never over the bus or Kafka.
 *
 * @param seq         per-camera frame number after fps conversion (gap-free)
 * @param captureTime when the camera captured it: from RTCP sender reports when the camera sends
 *                    them ({@code clock = "rtcp"}), else the receive time ({@code clock = "receive"})
 * @param rgb         width * height * 3 bytes, row-major, no padding; do not modify (shared)
 */
public record NormalizedFrame(String tenantId, String cameraId, long seq, Instant captureTime, String clock, int width, int height,
    byte[] rgb) {
  public NormalizedFrame {
    if (rgb.length != width * height * 3) throw new IllegalArgumentException("rgb must be width*height*3 bytes");
  }
}
