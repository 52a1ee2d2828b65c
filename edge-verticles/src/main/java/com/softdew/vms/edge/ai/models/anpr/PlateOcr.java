package com.softdew.vms.edge.ai.models.anpr;

import static org.bytedeco.opencv.global.opencv_core.BORDER_REPLICATE;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC2;
import static org.bytedeco.opencv.global.opencv_core.ROTATE_90_COUNTERCLOCKWISE;
import static org.bytedeco.opencv.global.opencv_core.rotate;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_CUBIC;
import static org.bytedeco.opencv.global.opencv_imgproc.getPerspectiveTransform;
import static org.bytedeco.opencv.global.opencv_imgproc.warpPerspective;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.InferenceDevice;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plate reading with PP-OCRv4 on ONNX Runtime: text detection (DB) on whole images or on regions of
 * them (vehicle boxes), plate-shaped text lines kept, each cut out with a perspective warp and read by
 * the recogniser in batches over all the images of a call. Loaded once per host; thread-safe (ONNX
 * Runtime sessions are; no mutable state but the timing counters).
 */
public final class PlateOcr implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PlateOcr.class);

  /**
   * What is looked for.
   *
   * @param detMaxSide   long side of the detector's input, pixels (multiples of 32)
   * @param db           DB post-processing thresholds
   * @param minAspect    least width/height of a plate text line (after unclipping)
   * @param maxAspect    largest width/height
   * @param minHeightPx  least height of a plate text line in image pixels
   * @param detBatch     most same-size images per detector call
   * @param recBatch     most crops per recogniser call
   */
  public record Options(int detMaxSide, DbPostProcessor.Params db, double minAspect, double maxAspect, double minHeightPx, int detBatch,
      int recBatch) {
    public static final Options DEFAULT = new Options(640, DbPostProcessor.Params.PADDLE, 1.5, 8, 10, 4, 4);

    public Options withRecBatch(int n) {
      return new Options(detMaxSide, db, minAspect, maxAspect, minHeightPx, detBatch, n);
    }
  }

  /**
   * One plate-shaped text line and what the recogniser read.
   *
   * @param box        where, in pixels of the image
   * @param raw        the recogniser's text
   * @param text       {@link PlateText#normalize normalised} text (may be empty)
   * @param confidence the recogniser's mean character probability
   */
  public record Read(TextBox box, String raw, String text, double confidence) {}

  private final OrtEnvironment env;
  private final OrtSession detSession;
  private final OrtSession recSession;
  private final TextDetector det;
  private final TextRecognizer rec;
  private final String device;
  private final LongAdder detNanos = new LongAdder();
  private final LongAdder detImages = new LongAdder();
  private final LongAdder recNanos = new LongAdder();
  private final LongAdder recCrops = new LongAdder();

  private PlateOcr(OrtEnvironment env, OrtSession detSession, OrtSession recSession, CtcGreedyDecoder decoder, String device) {
    this.env = env;
    this.detSession = detSession;
    this.recSession = recSession;
    this.det = new TextDetector(env, detSession);
    this.rec = new TextRecognizer(env, recSession, decoder);
    this.device = device;
  }

  /**
   * Loads the detector and the recogniser.
   *
   * @param threads intra-op threads of each session
   * @param device  a CUDA device is tried (ONNX Runtime's CUDA provider) and the CPU used when that fails
   */
  public static PlateOcr load(OcrModelFiles files, int threads, InferenceDevice device) throws OrtException, IOException {
    OrtEnvironment env = environment();
    CtcGreedyDecoder decoder = CtcGreedyDecoder.load(files.keys());
    String where = "cpu";
    OrtSession d = null;
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(threads);
      o.setInterOpNumThreads(1);
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (device != null && device.isGpu()) {
        try {
          o.addCUDA(device.ordinal());
          where = "cuda:" + device.ordinal();
        } catch (Throwable t) {
          log.warn("ANPR: CUDA device {} ({}) not usable by ONNX Runtime, running on the CPU: {}", device.ordinal(), device.name(), t.toString());
        }
      }
      try {
        d = env.createSession(files.det().toString(), o);
        OrtSession r = env.createSession(files.rec().toString(), o);
        return new PlateOcr(env, d, r, decoder, where + "/" + threads + "t");
      } catch (OrtException e) {
        if (d != null) d.close();
        throw e;
      }
    }
  }

  /** ONNX Runtime's process-wide environment ({@link com.softdew.vms.edge.ai.runtime.OrtEnv}: created on a big-stack thread). */
  static OrtEnvironment environment() throws OrtException {
    return com.softdew.vms.edge.ai.runtime.OrtEnv.get();
  }

  /** "cpu/2t", "cuda:0/2t". */
  public String device() {
    return device;
  }

  /** Plate reads of each image (whole images). */
  public List<List<Read>> read(List<Mat> images, Options o) throws OrtException {
    return read(images, null, o);
  }

  /**
   * Plate reads of each image.
   *
   * @param rois per image, the regions to search (vehicle boxes), or null / an empty list for the
   *             whole image
   */
  public List<List<Read>> read(List<Mat> images, List<List<Box>> rois, Options o) throws OrtException {
    List<List<TextBox>> boxes = detectPlates(images, rois, o);
    List<Mat> crops = new ArrayList<>();
    try {
      for (int i = 0; i < images.size(); i++) for (TextBox b : boxes.get(i)) crops.add(crop(images.get(i), b));
      List<CtcGreedyDecoder.Text> texts = recognize(crops, o.recBatch());
      List<List<Read>> out = new ArrayList<>(images.size());
      int k = 0;
      for (int i = 0; i < images.size(); i++) {
        List<Read> reads = new ArrayList<>();
        for (TextBox b : boxes.get(i)) {
          CtcGreedyDecoder.Text t = texts.get(k++);
          reads.add(new Read(b, t.text(), PlateText.normalize(t.text()), t.confidence()));
        }
        out.add(reads);
      }
      return out;
    } finally {
      for (Mat c : crops) c.close();
    }
  }

  /** Plate-shaped text lines of each image (detector + shape filter). */
  public List<List<TextBox>> detectPlates(List<Mat> images, List<List<Box>> rois, Options o) throws OrtException {
    List<Mat> inputs = new ArrayList<>();
    List<int[]> owner = new ArrayList<>(); // image index, x offset, y offset
    List<Mat> views = new ArrayList<>();
    try {
      for (int i = 0; i < images.size(); i++) {
        Mat img = images.get(i);
        List<Box> r = rois == null ? null : rois.get(i);
        if (r == null || r.isEmpty()) {
          inputs.add(img);
          owner.add(new int[] {i, 0, 0});
          continue;
        }
        for (Box b : r) {
          int x0 = clampInt(b.x(), 0, img.cols() - 1), y0 = clampInt(b.y(), 0, img.rows() - 1);
          int x1 = clampInt(b.x() + b.w(), x0 + 1, img.cols()), y1 = clampInt(b.y() + b.h(), y0 + 1, img.rows());
          if (x1 - x0 < 16 || y1 - y0 < 16) continue;
          try (Rect rect = new Rect(x0, y0, x1 - x0, y1 - y0)) {
            Mat v = new Mat(img, rect);
            views.add(v);
            inputs.add(v);
            owner.add(new int[] {i, x0, y0});
          }
        }
      }
      long t0 = System.nanoTime();
      List<List<TextBox>> found = det.detect(inputs, o.detMaxSide(), o.detBatch(), o.db());
      detNanos.add(System.nanoTime() - t0);
      detImages.add(inputs.size());
      List<List<TextBox>> out = new ArrayList<>(images.size());
      for (int i = 0; i < images.size(); i++) out.add(new ArrayList<>());
      for (int k = 0; k < inputs.size(); k++) {
        int[] ow = owner.get(k);
        List<TextBox> dst = out.get(ow[0]);
        for (TextBox b : mergeLine(found.get(k))) {
          TextBox m = b.mapped(1, ow[1], ow[2]);
          if (!plateShaped(m, o)) continue;
          if (overlapsBetter(dst, m)) continue;
          dst.removeIf(x -> x.bounds().iou(m.bounds()) > 0.5);
          dst.add(m);
        }
      }
      return out;
    } finally {
      for (Mat v : views) v.close();
    }
  }

  /** Reads crops (text left to right), batched. */
  public List<CtcGreedyDecoder.Text> recognize(List<Mat> crops, int batch) throws OrtException {
    if (crops.isEmpty()) return List.of();
    long t0 = System.nanoTime();
    List<CtcGreedyDecoder.Text> out = rec.recognize(crops, batch);
    recNanos.add(System.nanoTime() - t0);
    recCrops.add(crops.size());
    return out;
  }

  /**
   * Joins the words of one text line: boxes of similar height, on the same line (centres less than half
   * a height apart vertically) and less than 1.2 heights apart horizontally become their common
   * axis-aligned box ("KX 4821" is detected as "KX" and "4821"). Boxes that lean more than ~10° are
   * left alone.
   */
  static List<TextBox> mergeLine(List<TextBox> boxes) {
    List<TextBox> cur = new ArrayList<>(boxes);
    boolean merged = true;
    while (merged) {
      merged = false;
      outer:
      for (int i = 0; i < cur.size(); i++) {
        for (int j = i + 1; j < cur.size(); j++) {
          TextBox a = cur.get(i), b = cur.get(j);
          if (!sameLine(a, b)) continue;
          Box ua = a.bounds(), ub = b.bounds();
          double x0 = Math.min(ua.x(), ub.x()), y0 = Math.min(ua.y(), ub.y());
          double x1 = Math.max(ua.x() + ua.w(), ub.x() + ub.w()), y1 = Math.max(ua.y() + ua.h(), ub.y() + ub.h());
          TextBox u = new TextBox(new double[] {x0, y0, x1, y0, x1, y1, x0, y1}, Math.min(a.score(), b.score()));
          cur.remove(j);
          cur.set(i, u);
          merged = true;
          break outer;
        }
      }
    }
    return cur;
  }

  private static boolean sameLine(TextBox a, TextBox b) {
    if (lean(a) > 0.18 || lean(b) > 0.18) return false;
    Box ua = a.bounds(), ub = b.bounds();
    double ha = a.height(), hb = b.height();
    if (Math.max(ha, hb) > 1.5 * Math.min(ha, hb)) return false;
    double h = Math.max(ha, hb);
    if (Math.abs(ua.cy() - ub.cy()) > 0.5 * h) return false;
    double gap = Math.max(ua.x(), ub.x()) - Math.min(ua.x() + ua.w(), ub.x() + ub.w());
    return gap < 1.2 * h;
  }

  /** |slope| of the top edge. */
  private static double lean(TextBox b) {
    double[] p = b.pts();
    double dx = p[2] - p[0];
    return dx <= 0 ? Double.MAX_VALUE : Math.abs(p[3] - p[1]) / dx;
  }

  static boolean plateShaped(TextBox b, Options o) {
    double a = b.aspect();
    return a >= o.minAspect() && a <= o.maxAspect() && b.height() >= o.minHeightPx();
  }

  private static boolean overlapsBetter(List<TextBox> have, TextBox b) {
    for (TextBox x : have) if (x.bounds().iou(b.bounds()) > 0.5 && x.score() >= b.score()) return true;
    return false;
  }

  /**
   * The text line cut out and straightened (PaddleOCR's {@code get_rotate_crop_image}): perspective
   * warp of the four corners to an upright rectangle, replicated border; a line taller than wide by
   * 1.5 is turned to read left to right. The caller closes it.
   */
  public static Mat crop(Mat img, TextBox b) {
    double[] p = b.pts();
    int w = Math.max(1, (int) Math.round(b.width()));
    int h = Math.max(1, (int) Math.round(b.height()));
    Mat out = new Mat();
    try (Mat src = new Mat(1, 4, CV_32FC2); Mat dst = new Mat(1, 4, CV_32FC2); Size size = new Size(w, h); Scalar border = new Scalar(0.0)) {
      FloatPointer s = new FloatPointer(src.data()); // views, own nothing
      FloatPointer d = new FloatPointer(dst.data());
      float[] dp = {0, 0, w, 0, w, h, 0, h};
      for (int k = 0; k < 8; k++) {
        s.put(k, (float) p[k]);
        d.put(k, dp[k]);
      }
      try (Mat m = getPerspectiveTransform(src, dst)) {
        warpPerspective(img, out, m, size, INTER_CUBIC, BORDER_REPLICATE, border);
      }
    }
    if (h >= 1.5 * w) {
      Mat turned = new Mat();
      rotate(out, turned, ROTATE_90_COUNTERCLOCKWISE);
      out.close();
      return turned;
    }
    return out;
  }

  private static int clampInt(double v, int lo, int hi) {
    return (int) Math.max(lo, Math.min(hi, Math.round(v)));
  }

  /** Detector milliseconds per detector input image so far (whole frames or vehicle regions). */
  public double detMsPerImage() {
    long n = detImages.sum();
    return n == 0 ? 0 : detNanos.sum() / 1e6 / n;
  }

  /** Recogniser milliseconds per crop so far. */
  public double recMsPerCrop() {
    long n = recCrops.sum();
    return n == 0 ? 0 : recNanos.sum() / 1e6 / n;
  }

  @Override
  public void close() {
    try {
      detSession.close();
    } catch (OrtException e) {
      log.debug("closing the ANPR detector", e);
    }
    try {
      recSession.close();
    } catch (OrtException e) {
      log.debug("closing the ANPR recogniser", e);
    }
  }
}
