package com.softdew.vms.edge.ai.models.anpr;

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
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * The PP-OCRv4 CRNN/SVTR text recogniser on ONNX Runtime, batched: crops sorted by aspect ratio,
 * each batch resized to height 48 keeping the aspect, normalised to [-1, 1], right-padded with zeros
 * to the widest (at least 320, PaddleOCR's {@code rec_image_shape} 3,48,320), decoded with
 * {@link CtcGreedyDecoder}. Thread-safe.
 */
final class TextRecognizer {
  static final int HEIGHT = 48;
  static final int MIN_WIDTH = 320;
  /** Widest input (an aspect of 25:1); wider crops are squeezed. */
  static final int MAX_WIDTH = 1200;

  private final OrtEnvironment env;
  private final OrtSession session;
  private final String input;
  private final CtcGreedyDecoder decoder;

  TextRecognizer(OrtEnvironment env, OrtSession session, CtcGreedyDecoder decoder) {
    this.env = env;
    this.session = session;
    this.input = session.getInputNames().iterator().next();
    this.decoder = decoder;
  }

  /** Reads every crop (BGR, text running left to right), {@code maxBatch} crops per inference call. */
  List<CtcGreedyDecoder.Text> recognize(List<Mat> crops, int maxBatch) throws OrtException {
    CtcGreedyDecoder.Text[] out = new CtcGreedyDecoder.Text[crops.size()];
    Integer[] order = new Integer[crops.size()];
    for (int i = 0; i < order.length; i++) order[i] = i;
    Arrays.sort(order, Comparator.comparingDouble(i -> ratio(crops.get(i))));
    for (int s = 0; s < order.length; s += maxBatch) {
      int e = Math.min(order.length, s + maxBatch);
      List<Mat> batch = new ArrayList<>(e - s);
      for (int k = s; k < e; k++) batch.add(crops.get(order[k]));
      List<CtcGreedyDecoder.Text> got = run(batch);
      for (int k = s; k < e; k++) out[order[k]] = got.get(k - s);
    }
    return Arrays.asList(out);
  }

  private static double ratio(Mat m) {
    return (double) m.cols() / Math.max(1, m.rows());
  }

  private List<CtcGreedyDecoder.Text> run(List<Mat> batch) throws OrtException {
    int n = batch.size();
    double maxRatio = (double) MIN_WIDTH / HEIGHT;
    for (Mat m : batch) maxRatio = Math.max(maxRatio, ratio(m));
    int w = Math.min(MAX_WIDTH, (int) Math.ceil(HEIGHT * maxRatio));
    int plane = HEIGHT * w;
    // allocateDirect zero-fills: the padding is 0, the normalised value of mid-grey, as in PaddleOCR
    FloatBuffer buf = ByteBuffer.allocateDirect(n * 3 * plane * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    for (int b = 0; b < n; b++) {
      Mat m = batch.get(b);
      int rw = Math.max(1, Math.min(w, (int) Math.ceil(HEIGHT * ratio(m))));
      fill(m, rw, w, buf, b * 3 * plane);
    }
    buf.rewind();
    List<CtcGreedyDecoder.Text> out = new ArrayList<>(n);
    try (OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {n, 3, HEIGHT, w});
        OrtSession.Result r = session.run(Map.of(input, t))) {
      OnnxTensor o = (OnnxTensor) r.get(0);
      long[] shape = o.getInfo().getShape(); // n, steps, classes
      int steps = (int) shape[1], classes = (int) shape[2];
      if (classes != decoder.classCount()) {
        throw new IllegalStateException("recogniser outputs " + classes + " classes but the character list gives " + decoder.classCount());
      }
      FloatBuffer fb = o.getFloatBuffer();
      float[] all = new float[fb.remaining()];
      fb.get(all);
      for (int b = 0; b < n; b++) out.add(decoder.decode(all, b * steps * classes, steps));
    }
    return out;
  }

  private static void fill(Mat bgr, int rw, int padW, FloatBuffer dst, int at) {
    try (Mat resized = new Mat(); Mat f = new Mat(); MatVector ch = new MatVector(); Size size = new Size(rw, HEIGHT)) {
      resize(bgr, resized, size, 0, 0, INTER_LINEAR);
      resized.convertTo(f, CV_32FC3, 2.0 / 255.0, -1.0);
      opencv_core.split(f, ch);
      float[] row = new float[rw];
      for (int c = 0; c < 3; c++) {
        try (Mat one = ch.get(c)) {
          FloatPointer fp = new FloatPointer(one.data()); // a view, owns nothing
          for (int y = 0; y < HEIGHT; y++) {
            fp.position((long) y * rw).get(row);
            dst.position(at + c * HEIGHT * padW + y * padW);
            dst.put(row);
          }
        }
      }
    }
  }
}
