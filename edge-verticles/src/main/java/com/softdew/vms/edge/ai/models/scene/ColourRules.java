package com.softdew.vms.edge.ai.models.scene;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2HSV;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Colour rules in HSV (OpenCV ranges H 0..180, S and V 0..255): flame = red-orange-yellow hue
 * ({@code H <= fireMaxHue}), saturated ({@code S >= fireMinSat}) and bright ({@code V >= fireMinValue});
 * smoke = greyish ({@code S <= smokeMaxSat}) at mid-to-high brightness ({@code smokeMinValue..smokeMaxValue}).
 * Colour alone is never an alarm: the fire model adds flicker, growth and (for smoke) veiling of the
 * background.
 */
public final class ColourRules implements FireSmokeClassifier {
  private final Scalar fireLo, fireHi, smokeLo, smokeHi;
  private final Mat hsv = new Mat();

  public ColourRules(int fireMaxHue, int fireMinSat, int fireMinValue, int smokeMaxSat, int smokeMinValue, int smokeMaxValue) {
    fireLo = new Scalar(0, fireMinSat, fireMinValue, 0);
    fireHi = new Scalar(fireMaxHue, 255, 255, 0);
    smokeLo = new Scalar(0, 0, smokeMinValue, 0);
    smokeHi = new Scalar(180, smokeMaxSat, smokeMaxValue, 0);
  }

  @Override
  public void classify(Mat bgr, Mat fire, Mat smoke) {
    cvtColor(bgr, hsv, COLOR_BGR2HSV);
    try (Mat lo = new Mat(fireLo); Mat hi = new Mat(fireHi)) {
      org.bytedeco.opencv.global.opencv_core.inRange(hsv, lo, hi, fire);
    }
    try (Mat lo = new Mat(smokeLo); Mat hi = new Mat(smokeHi)) {
      org.bytedeco.opencv.global.opencv_core.inRange(hsv, lo, hi, smoke);
    }
  }

  @Override
  public String name() {
    return "hsv-rules";
  }

  @Override
  public void close() {
    hsv.close();
    fireLo.close();
    fireHi.close();
    smokeLo.close();
    smokeHi.close();
  }
}
