package com.softdew.vms.edge.ai.perception;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;

/** HOG on real pictures of people (Debian opencv-doc samples, fetched by scripts/fetch-footage.sh). */
class HogDetectorTest {
  static FrameView image(Path p, int w, int h) {
    try (Mat img = imread(p.toString()); Mat out = new Mat(); Size s = new Size(w, h)) {
      assertTrue(!img.empty(), "cannot read " + p);
      resize(img, out, s);
      return new FrameView(0, 0, w, h, SyntheticClip.rgbOf(out));
    }
  }

  @Test
  void findsTheStandingPlayerOnARealPhoto() {
    // basketball1.png: 640x480 grey photo, a man standing on the left (x ~35-160, head ~80, feet ~475)
    try (HogDetector hog = new HogDetector(); FrameView f = image(Footage.require("basketball1.png"), 640, 480)) {
      List<Detection> ds = hog.detect(List.of(f)).get(0);
      Box truth = new Box(35, 80, 125, 395);
      assertTrue(ds.stream().anyMatch(d -> d.objectClass().equals("person") && d.box().iou(truth) > 0.4), "found " + ds);
    }
  }

  @Test
  void findsPedestriansOnRealCctvFootage() throws Exception {
    // vtest.avi frame 0 at 640x480: three people on the road, ~75 px tall (needs the 1.5x upscale)
    List<Box> truth = List.of(new Box(211, 183, 24, 73), new Box(416, 130, 24, 63), new Box(533, 200, 37, 71));
    List<FrameView> frames = Footage.frames(Footage.require("vtest.avi"), 0, 1, 640, 480);
    try (HogDetector hog = new HogDetector(HogDetector.Options.defaults().withUpscale(1.5))) {
      List<Detection> ds = hog.detect(frames).get(0);
      for (Box t : truth) assertTrue(ds.stream().anyMatch(d -> d.box().iou(t) > 0.3), "missed " + t + " in " + ds);
      for (Detection d : ds) assertTrue(d.confidence() > 0 && d.confidence() <= 1);
    } finally {
      frames.forEach(FrameView::close);
    }
  }

  @Test
  void findsNobodyOnAnEmptyPicture() {
    try (HogDetector hog = new HogDetector(HogDetector.Options.defaults().withUpscale(1.5));
        Mat grey = new Mat(480, 640, CV_8UC3, new Scalar(120, 130, 125, 0));
        FrameView f = new FrameView(0, 0, 640, 480, SyntheticClip.rgbOf(grey))) {
      assertEquals(List.of(), hog.detect(List.of(f)).get(0));
    }
  }

  @Test
  void aMissingCascadeIsAClearError() {
    Path missing = Path.of("/usr/share/opencv4/haarcascades/haarcascade_car.xml");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new HogDetector(HogDetector.Options.defaults().withVehicleCascade(missing)));
    assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("opencv-data"), e.getMessage());
  }
}
