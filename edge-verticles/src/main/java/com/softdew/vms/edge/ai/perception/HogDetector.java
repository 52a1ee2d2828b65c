package com.softdew.vms.edge.ai.perception;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.CascadeClassifier;
import org.bytedeco.opencv.opencv_objdetect.HOGDescriptor;

/**
 * People with OpenCV's pretrained HOG + linear SVM pedestrian detector (Dalal-Triggs, 64x128 window,
 * {@code HOGDescriptor.getDefaultPeopleDetector()}), on the grey frame optionally upscaled so that people
 * smaller than 128 px are found. Vehicles only through an OpenCV cascade file given explicitly: Debian's
 * opencv-data ships none for vehicles (its haarcascades are faces, eyes, bodies and Russian plates), so
 * by default this detector finds no vehicles; use the ONNX detector for them.
 *
 * <p>The HOG window holds a person with a margin; boxes are shrunk to the body (as OpenCV's peopledetect
 * sample does) so that the box's foot point lies at the feet. Confidence is {@code 1 - exp(-w)} of the
 * SVM margin {@code w}. Calls are serialised (OpenCV parallelises one call over its own threads).
 */
public final class HogDetector implements ObjectDetector {
  /** Tuning; {@link #defaults()} suits 640x480 frames with people 50-300 px tall (upscale 1.5: the 64x128 window then finds people from ~75 px). */
  public record Options(double upscale, double hitThreshold, int winStride, int padding, double scale, double groupThreshold,
      double minConfidence, Path vehicleCascade) {
    public Options {
      if (!(upscale >= 0.5 && upscale <= 4)) throw new IllegalArgumentException("upscale must be in [0.5, 4]");
      if (winStride < 1 || padding < 0) throw new IllegalArgumentException("winStride must be >= 1 and padding >= 0");
      if (!(scale > 1)) throw new IllegalArgumentException("scale must be > 1");
    }

    public static Options defaults() {
      return new Options(1.5, 0.0, 8, 8, 1.05, 2, 0.3, null);
    }

    public Options withUpscale(double u) {
      return new Options(u, hitThreshold, winStride, padding, scale, groupThreshold, minConfidence, vehicleCascade);
    }

    public Options withMinConfidence(double c) {
      return new Options(upscale, hitThreshold, winStride, padding, scale, groupThreshold, c, vehicleCascade);
    }

    public Options withVehicleCascade(Path p) {
      return new Options(upscale, hitThreshold, winStride, padding, scale, groupThreshold, minConfidence, p);
    }
  }

  private final Options options;
  private final HOGDescriptor hog;
  private final Mat svm;
  private final CascadeClassifier vehicles;
  private boolean closed;

  public HogDetector() {
    this(Options.defaults());
  }

  public HogDetector(Options options) {
    this.options = options;
    CascadeClassifier v = null;
    if (options.vehicleCascade() != null) {
      Path p = options.vehicleCascade();
      if (!Files.isReadable(p)) {
        throw new IllegalStateException("vehicle cascade " + p + " not found or not readable (Debian's opencv-data package "
            + "installs cascades under /usr/share/opencv4/haarcascades but has none for vehicles; give an existing cascade file "
            + "or use detector.kind=onnx)");
      }
      v = new CascadeClassifier();
      if (!v.load(p.toString()) || v.empty()) {
        v.close();
        throw new IllegalStateException("vehicle cascade " + p + " could not be loaded by OpenCV");
      }
    }
    this.vehicles = v;
    this.hog = new HOGDescriptor();
    FloatPointer coef = HOGDescriptor.getDefaultPeopleDetector();
    this.svm = new Mat(coef);
    hog.setSVMDetector(svm);
  }

  public Options options() { return options; }

  @Override
  public synchronized List<List<Detection>> detect(List<FrameView> frames) {
    if (closed) throw new IllegalStateException("HogDetector is closed");
    List<List<Detection>> out = new ArrayList<>(frames.size());
    for (FrameView f : frames) out.add(detectOne(f));
    return out;
  }

  private List<Detection> detectOne(FrameView f) {
    List<Detection> found = new ArrayList<>();
    double u = options.upscale();
    Mat gray = f.gray();
    try (Mat scaled = new Mat(); RectVector rects = new RectVector(); DoublePointer weights = new DoublePointer(); Size stride = new Size(options.winStride(), options.winStride());
        Size pad = new Size(options.padding(), options.padding())) {
      Mat in = gray;
      if (u != 1.0) {
        try (Size s = new Size((int) Math.round(f.width() * u), (int) Math.round(f.height() * u))) {
          resize(gray, scaled, s, 0, 0, INTER_LINEAR);
        }
        in = scaled;
      }
      hog.detectMultiScale(in, rects, weights, options.hitThreshold(), stride, pad, options.scale(), options.groupThreshold(), false);
      long n = rects.size();
      for (int i = 0; i < n; i++) {
        double w = i < weights.limit() ? weights.get(i) : 0;
        double conf = clamp01(1 - Math.exp(-Math.max(0, w)));
        if (conf < options.minConfidence()) continue;
        try (Rect r = rects.get(i)) {
          // the detection window has a margin around the body: keep the inner 80 % (OpenCV peopledetect sample)
          double x = (r.x() + r.width() * 0.1) / u, y = (r.y() + r.height() * 0.07) / u;
          double bw = r.width() * 0.8 / u, bh = r.height() * 0.8 / u;
          Box b = clip(x, y, bw, bh, f.width(), f.height());
          if (b != null) found.add(new Detection(PERSON, conf, b));
        }
      }
    }
    if (vehicles != null) {
      try (RectVector rects = new RectVector()) {
        vehicles.detectMultiScale(gray, rects);
        for (int i = 0; i < rects.size(); i++) {
          try (Rect r = rects.get(i)) {
            Box b = clip(r.x(), r.y(), r.width(), r.height(), f.width(), f.height());
            if (b != null) found.add(new Detection(VEHICLE, 0.5, b));
          }
        }
      }
    }
    return found;
  }

  static Box clip(double x, double y, double w, double h, int fw, int fh) {
    double x0 = Math.max(0, x), y0 = Math.max(0, y), x1 = Math.min(fw, x + w), y1 = Math.min(fh, y + h);
    if (x1 - x0 < 2 || y1 - y0 < 2) return null;
    return new Box(x0, y0, x1 - x0, y1 - y0);
  }

  private static double clamp01(double v) {
    return Math.max(0, Math.min(1, v));
  }

  @Override
  public String describe() {
    return "hog/cpu" + (options.upscale() != 1.0 ? " x" + options.upscale() : "") + (vehicles != null ? " +vehicle-cascade" : "");
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    hog.close();
    svm.close();
    if (vehicles != null) vehicles.close();
  }
}
