package com.softdew.vms.edge.ai.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameView;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One YOLO-style ONNX detector file: inspects the session once (input name and size, whether the batch
 * dimension is dynamic, output layout, class names), then turns frames into detections in frame
 * pixels: {@link Preprocess#letterboxNchw} → one session run per batch → {@link YoloDecoder} → boxes
 * mapped back through the letterbox and clipped to the frame.
 *
 * <p>Batching: with a dynamic batch dimension up to {@code maxBatch} frames go into one run; with a
 * fixed one the frames run in chunks of that size (the last padded with grey). Class names, first that
 * fits the model's class count: the configured list, the file's Ultralytics {@code names} metadata,
 * the 80 COCO names, else {@code class<i>}; a configured list of the wrong length is ignored with a
 * warning when COCO or metadata fit, else an error. Blocking: call from worker threads; thread-safe.
 */
public final class YoloNetwork {
  private static final Logger log = LoggerFactory.getLogger(YoloNetwork.class);

  /** COCO class names in the index order of YOLO models trained on COCO. */
  public static final List<String> COCO80 = List.of("person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
      "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow", "elephant",
      "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
      "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon",
      "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
      "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven",
      "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush");

  /** A detection in frame pixels. */
  public record Found(int classIndex, String label, float score, Box box) {}

  private final OnnxSessions sessions;
  private final Path model;
  private final int maxBatch;
  private final String inputName;
  private final int inputSize;
  /** Fixed batch size of the model, or -1 when dynamic. */
  private final int fixedBatch;
  private final YoloDecoder.Format format;
  private final List<String> labels;

  /**
   * Opens the model (blocking) and checks it. {@code settingName} names the setting the file came from
   * in error messages; {@code configuredLabels} may be null.
   */
  public YoloNetwork(OnnxSessions sessions, Path model, int requestedInput, List<String> configuredLabels, int maxBatch, String settingName)
      throws Exception {
    this.sessions = sessions;
    this.model = model;
    this.maxBatch = Math.max(1, maxBatch);
    if (!Files.isRegularFile(model)) throw new IllegalArgumentException(settingName + ": ONNX file " + model + " does not exist");
    try (ModelCache<OrtSession>.Lease lease = sessions.open(model)) {
      OrtSession s = lease.value();
      if (s.getNumInputs() != 1) throw new IllegalArgumentException(settingName + ": " + model + " has " + s.getNumInputs()
          + " inputs, a YOLO detector has one (images)");
      Map.Entry<String, NodeInfo> in = s.getInputInfo().entrySet().iterator().next();
      inputName = in.getKey();
      long[] ishape = ((TensorInfo) in.getValue().getInfo()).getShape();
      if (ishape.length != 4 || (ishape[1] != 3 && ishape[1] > 0)) {
        throw new IllegalArgumentException(settingName + ": input " + inputName + " of " + model + " is " + Arrays.toString(ishape)
            + ", expected [N, 3, H, W]");
      }
      fixedBatch = ishape[0] > 0 ? (int) ishape[0] : -1;
      if (ishape[2] > 0 && ishape[3] > 0) {
        if (ishape[2] != ishape[3]) throw new IllegalArgumentException(settingName + ": input of " + model + " is not square: "
            + Arrays.toString(ishape));
        if (ishape[2] != requestedInput) {
          log.warn("{}: {} has a fixed input of {}, not the configured {}: using {}", settingName, model.getFileName(), ishape[2],
              requestedInput, ishape[2]);
        }
        inputSize = (int) ishape[2];
      } else {
        inputSize = requestedInput;
      }
      TensorInfo out = (TensorInfo) s.getOutputInfo().values().iterator().next().getInfo();
      long[] oshape = out.getShape();
      String meta = s.getMetadata().getCustomMetadataValue("names").orElse(null);
      List<String> metaNames = parseNames(meta);
      List<Integer> hints = new ArrayList<>();
      if (configuredLabels != null) hints.add(configuredLabels.size());
      if (metaNames != null) hints.add(metaNames.size());
      hints.add(COCO80.size());
      if (oshape.length == 3 && (oshape[1] <= 0 || oshape[2] <= 0)) {
        oshape = probeShape(s); // dimensions depend on the input size: run once to learn them
      }
      format = formatFor(oshape, hints);
      labels = labels(configuredLabels, meta, format.classes(), settingName);
    }
    log.info("YOLO {}: input {} {}x{}, batch {}, output {} with {} classes ({}), on {}", model.getFileName(), inputName, inputSize, inputSize,
        fixedBatch < 0 ? "dynamic" : String.valueOf(fixedBatch), format.layout(), format.classes(),
        labels.size() > 6 ? labels.subList(0, 6) + "..." : labels, sessions.effectiveDevice().name());
  }

  private long[] probeShape(OrtSession s) throws Exception {
    int n = fixedBatch > 0 ? fixedBatch : 1;
    float[] zeros = new float[n * 3 * inputSize * inputSize];
    try (OnnxTensor t = OnnxTensor.createTensor(sessions.environment(), FloatBuffer.wrap(zeros), new long[] {n, 3, inputSize, inputSize});
        OrtSession.Result r = s.run(Map.of(inputName, t))) {
      return ((OnnxTensor) r.get(0)).getInfo().getShape();
    }
  }

  /** The first class-count hint that fits one layout exactly, else the shape alone. */
  static YoloDecoder.Format formatFor(long[] shape, List<Integer> hints) {
    for (int c : hints) {
      if (c <= 0) continue;
      YoloDecoder.Format f = YoloDecoder.format(shape, c);
      if (f.classes() == c) return f;
    }
    return YoloDecoder.format(shape);
  }

  private static final Pattern NAME = Pattern.compile("(\\d+)\\s*:\\s*['\"]([^'\"]*)['\"]");

  /** Parses Ultralytics' {@code names} metadata: {@code {0: 'person', 1: 'bicycle'}}. */
  static List<String> parseNames(String meta) {
    if (meta == null) return null;
    TreeMap<Integer, String> m = new TreeMap<>();
    Matcher x = NAME.matcher(meta);
    while (x.find()) m.put(Integer.parseInt(x.group(1)), x.group(2));
    if (m.isEmpty() || m.lastKey() != m.size() - 1) return null;
    return new ArrayList<>(m.values());
  }

  static List<String> labels(List<String> configured, String metadata, int classes, String settingName) {
    List<String> meta = parseNames(metadata);
    if (configured != null && !configured.isEmpty() && configured.size() == classes) return List.copyOf(configured);
    String why = configured == null || configured.isEmpty() ? null
        : settingName + " lists " + configured.size() + " class names but the model outputs " + classes + " classes";
    if (meta != null && meta.size() == classes) {
      if (why != null) log.warn("{}: using the names stored in the model instead", why);
      return List.copyOf(meta);
    }
    if (classes == COCO80.size()) {
      if (why != null) log.warn("{}: using the 80 COCO names instead", why);
      return COCO80;
    }
    if (why != null) throw new IllegalArgumentException(why);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < classes; i++) out.add("class" + i);
    return out;
  }

  /**
   * Detections per frame (same order), score &gt;= {@code minScore}, NMS at {@code iou}. Blocking.
   */
  public List<List<Found>> detect(List<FrameView> frames, float minScore, float iou) throws Exception {
    List<List<Found>> out = new ArrayList<>(frames.size());
    int chunk = fixedBatch > 0 ? fixedBatch : maxBatch;
    for (int from = 0; from < frames.size(); from += chunk) {
      List<FrameView> part = frames.subList(from, Math.min(frames.size(), from + chunk));
      out.addAll(run(part, minScore, iou));
    }
    return out;
  }

  /**
   * Direct input buffers reused across runs (bounded: at most {@link #POOLED_INPUTS} kept, extra ones
   * under concurrency are dropped after use). ONNX Runtime reads a direct buffer in place; a heap
   * array would be copied into a fresh direct buffer on every run.
   */
  static final int POOLED_INPUTS = 4;
  private final java.util.concurrent.ArrayBlockingQueue<FloatBuffer> inputs = new java.util.concurrent.ArrayBlockingQueue<>(POOLED_INPUTS);

  private FloatBuffer input(int floats) {
    FloatBuffer b = inputs.poll();
    if (b == null || b.capacity() < floats) {
      b = java.nio.ByteBuffer.allocateDirect(floats * Float.BYTES).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
    }
    b.clear();
    return b;
  }

  private List<List<Found>> run(List<FrameView> part, float minScore, float iou) throws Exception {
    int n = part.size();
    int runN = fixedBatch > 0 ? fixedBatch : n;
    int per = 3 * inputSize * inputSize;
    FloatBuffer in = input(runN * per);
    List<com.softdew.vms.edge.ai.FrameGeometry> geoms;
    try {
      if (sessions.gpuPreprocessing()) {
        Preprocess.Batch b = sessions.letterboxNchw(part, inputSize);
        in.put(b.data());
        geoms = b.geometries();
      } else {
        geoms = Preprocess.letterboxInto(part, inputSize, in);
      }
      while (in.position() < runN * per) in.put(Preprocess.PAD / 255f); // fixed batch: pad with grey frames
      in.flip();
      return decodeRun(part, geoms, in, runN, minScore, iou);
    } finally {
      inputs.offer(in);
    }
  }

  private List<List<Found>> decodeRun(List<FrameView> part, List<com.softdew.vms.edge.ai.FrameGeometry> geoms, FloatBuffer in, int n,
      float minScore, float iou) throws Exception {
    float[] raw;
    try (ModelCache<OrtSession>.Lease lease = sessions.open(model);
        OnnxTensor t = OnnxTensor.createTensor(sessions.environment(), in, new long[] {n, 3, inputSize, inputSize});
        OrtSession.Result r = lease.value().run(Map.of(inputName, t))) {
      OnnxTensor o = (OnnxTensor) r.get(0);
      YoloDecoder.Format got = YoloDecoder.format(o.getInfo().getShape(), format.classes());
      if (!got.equals(format)) throw new IllegalStateException(model + ": output format changed from " + format + " to " + got);
      FloatBuffer fb = o.getFloatBuffer();
      raw = new float[fb.remaining()];
      fb.get(raw);
    }
    List<List<Found>> out = new ArrayList<>(part.size());
    for (int i = 0; i < part.size(); i++) {
      FrameGeometry g = geoms.get(i);
      List<Found> found = new ArrayList<>();
      for (YoloDecoder.Raw d : YoloDecoder.decode(raw, i, format, minScore, iou)) {
        Box src = clip(g.toSource(d.box()), g.srcW(), g.srcH());
        if (src.w() < 1 || src.h() < 1) continue;
        found.add(new Found(d.classIndex(), labels.get(d.classIndex()), d.score(), src));
      }
      out.add(found);
    }
    return out;
  }

  static Box clip(Box b, int w, int h) {
    double x0 = Math.max(0, b.x()), y0 = Math.max(0, b.y());
    double x1 = Math.min(w, b.x() + b.w()), y1 = Math.min(h, b.y() + b.h());
    return new Box(x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0));
  }

  public int inputSize() { return inputSize; }
  public boolean dynamicBatch() { return fixedBatch < 0; }
  public YoloDecoder.Format format() { return format; }
  public List<String> labels() { return labels; }
  public Path model() { return model; }
  public OnnxSessions sessions() { return sessions; }
}
