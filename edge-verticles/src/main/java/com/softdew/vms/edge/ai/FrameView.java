package com.softdew.vms.edge.ai;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * One decoded frame shared by every model on a host: the packed RGB24 pixels plus lazily built OpenCV
 * views (BGR and grey) and the shared perception's tracked objects, each computed at most once. Models
 * must not modify the pixels or the Mats. The owner (segment decoder, analyze command) closes it when
 * every model is done; closing frees the native Mats.
 *
 * @param index  frame number in its source (segment frame number for jobs, source frame number for
 *               the analyze command)
 * @param ptsMs  capture time: epoch milliseconds for jobs, milliseconds from the start of the file for
 *               the analyze command; strictly increasing per camera
 */
public final class FrameView implements AutoCloseable {
  private final long index;
  private final long ptsMs;
  private final int width;
  private final int height;
  private final byte[] rgb;
  private Mat bgr;
  private Mat gray;
  private volatile List<Detection> objects;
  private boolean closed;

  public FrameView(long index, long ptsMs, int width, int height, byte[] rgb) {
    if (rgb.length != width * height * 3) throw new IllegalArgumentException("rgb must be width*height*3 bytes");
    this.index = index;
    this.ptsMs = ptsMs;
    this.width = width;
    this.height = height;
    this.rgb = rgb;
  }

  public long index() { return index; }
  public long ptsMs() { return ptsMs; }
  public int width() { return width; }
  public int height() { return height; }
  /** Packed RGB24, row-major; do not modify. */
  public byte[] rgb() { return rgb; }

  /** 8-bit BGR (OpenCV's order), built once. */
  public synchronized Mat bgr() {
    check();
    if (bgr == null) {
      try (Mat rgbMat = new Mat(height, width, CV_8UC3)) {
        rgbMat.data().put(rgb);
        bgr = new Mat();
        cvtColor(rgbMat, bgr, COLOR_RGB2BGR);
      }
    }
    return bgr;
  }

  /** 8-bit grey, built once. */
  public synchronized Mat gray() {
    check();
    if (gray == null) {
      gray = new Mat();
      cvtColor(bgr(), gray, COLOR_BGR2GRAY);
    }
    return gray;
  }

  /**
   * Tracked people and vehicles on this frame from the host's {@link Perception}, or null when no
   * perception has annotated it yet.
   */
  public List<Detection> objects() { return objects; }

  /** Set once by the {@link Perception}; later calls are ignored (the first result is shared). */
  public synchronized void objects(List<Detection> found) {
    if (objects == null) objects = List.copyOf(found);
  }

  private void check() {
    if (closed) throw new IllegalStateException("frame " + index + " is closed");
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (bgr != null) bgr.close();
    if (gray != null) gray.close();
    bgr = gray = null;
  }
}
