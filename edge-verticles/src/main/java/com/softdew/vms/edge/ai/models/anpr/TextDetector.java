package com.softdew.vms.edge.ai.models.anpr;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * The PP-OCRv4 DB text detector on ONNX Runtime: BGR image → resized so that its long side is
 * {@code maxSide} (both sides multiples of 32) → ImageNet-normalised NCHW float tensor → probability
 * map → {@link DbPostProcessor}. Images of the same input size are run as one batch. Thread-safe
 * (OrtSession.run is).
 */
final class TextDetector {
  private static final double[] MEAN = {0.485, 0.456, 0.406};
  private static final double[] STD = {0.229, 0.224, 0.225};
  private static final double MAX_UPSCALE = 3.0;

  private final OrtEnvironment env;
  private final OrtSession session;
  private final String input;

  TextDetector(OrtEnvironment env, OrtSession session) {
    this.env = env;
    this.session = session;
    this.input = session.getInputNames().iterator().next();
  }

  /** Input size for an image: long side {@code maxSide} (at most 3x up), multiples of 32. */
  static int[] inputSize(int w, int h, int maxSide) {
    double r = Math.min(MAX_UPSCALE, (double) maxSide / Math.max(w, h));
    int rw = Math.max(32, (int) Math.round(w * r / 32) * 32);
    int rh = Math.max(32, (int) Math.round(h * r / 32) * 32);
    return new int[] {rw, rh};
  }

  /**
   * Text boxes of each image, in that image's pixels.
   *
   * @param images   BGR 8-bit images
   * @param maxBatch most images per inference call (same-size images only share a call)
   */
  List<List<TextBox>> detect(List<Mat> images, int maxSide, int maxBatch, DbPostProcessor.Params p) throws OrtException {
    List<List<TextBox>> out = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) out.add(List.of());
    // group consecutive images with the same input size (frames of one camera all share it)
    int i = 0;
    while (i < images.size()) {
      int[] sz = inputSize(images.get(i).cols(), images.get(i).rows(), maxSide);
      int j = i + 1;
      while (j < images.size() && j - i < maxBatch
          && java.util.Arrays.equals(sz, inputSize(images.get(j).cols(), images.get(j).rows(), maxSide))) j++;
      List<List<TextBox>> got = run(images.subList(i, j), sz[0], sz[1], p);
      for (int k = 0; k < got.size(); k++) out.set(i + k, got.get(k));
      i = j;
    }
    return out;
  }

  private List<List<TextBox>> run(List<Mat> batch, int rw, int rh, DbPostProcessor.Params p) throws OrtException {
    int n = batch.size();
    int plane = rw * rh;
    FloatBuffer buf = ByteBuffer.allocateDirect(n * 3 * plane * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    for (int b = 0; b < n; b++) fillChw(batch.get(b), rw, rh, buf, b * 3 * plane);
    List<List<TextBox>> out = new ArrayList<>(n);
    try (OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {n, 3, rh, rw});
        OrtSession.Result r = session.run(Map.of(input, t))) {
      OnnxTensor o = (OnnxTensor) r.get(0);
      long[] shape = o.getInfo().getShape(); // n,1,h,w
      int mh = (int) shape[2], mw = (int) shape[3];
      FloatBuffer maps = o.getFloatBuffer();
      float[] one = new float[mh * mw];
      for (int b = 0; b < n; b++) {
        maps.position(b * mh * mw);
        maps.get(one);
        Mat img = batch.get(b);
        try (Mat prob = new Mat(mh, mw, CV_32F)) {
          new FloatPointer(prob.data()).put(one);
          out.add(DbPostProcessor.boxes(prob, (double) img.cols() / mw, (double) img.rows() / mh, img.cols(), img.rows(), p));
        }
      }
    }
    return out;
  }

  /** Resizes, normalises ((x/255 - mean) / std per BGR channel) and writes CHW floats at {@code at}. */
  private static void fillChw(Mat bgr, int rw, int rh, FloatBuffer dst, int at) {
    try (Mat resized = new Mat(); Mat f = new Mat(); MatVector ch = new MatVector(); Size size = new Size(rw, rh)) {
      resize(bgr, resized, size, 0, 0, INTER_LINEAR);
      resized.convertTo(f, CV_32FC3);
      opencv_core.split(f, ch);
      int plane = rw * rh;
      float[] tmp = new float[plane];
      for (int c = 0; c < 3; c++) {
        try (Mat src = ch.get(c); Mat norm = new Mat()) {
          src.convertTo(norm, CV_32F, 1.0 / (255.0 * STD[c]), -MEAN[c] / STD[c]);
          new FloatPointer(norm.data()).get(tmp);
          dst.position(at + c * plane);
          dst.put(tmp);
        }
      }
      dst.rewind();
    }
  }
}
