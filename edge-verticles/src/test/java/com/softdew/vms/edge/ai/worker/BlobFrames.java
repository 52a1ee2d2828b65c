package com.softdew.vms.edge.ai.worker;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_8;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;

/** Test frames: grey background, a white box moving right 4 px per frame from x=20 (y 100..160, 80 wide), a static black box (x 400..500, y 250..330). */
final class BlobFrames {
  private BlobFrames() {}

  static int brightX(int i) { return 20 + 4 * i; }

  /** Packed RGB24, w x h (the boxes scale with the frame: coordinates given for 640x480). */
  static byte[] frame(int i, int w, int h) {
    double s = w / 640.0;
    try (Mat m = new Mat(h, w, CV_8UC3, new Scalar(120, 120, 120, 0))) {
      int x = brightX(i);
      rectangle(m, new Point((int) (x * s), (int) (100 * s)), new Point((int) ((x + 80) * s) - 1, (int) (160 * s) - 1),
          new Scalar(255, 255, 255, 0), FILLED, LINE_8, 0);
      rectangle(m, new Point((int) (400 * s), (int) (250 * s)), new Point((int) (500 * s) - 1, (int) (330 * s) - 1),
          new Scalar(0, 0, 0, 0), FILLED, LINE_8, 0);
      byte[] b = new byte[w * h * 3];
      m.data().get(b);
      return b;
    }
  }
}
