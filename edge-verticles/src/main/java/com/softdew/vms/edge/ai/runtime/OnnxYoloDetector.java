package com.softdew.vms.edge.ai.runtime;

import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelEnvironment;
import com.softdew.vms.edge.ai.perception.ObjectDetector;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The shared person/vehicle detector on a YOLO-style ONNX network ({@code ai.detector.kind=onnx}).
 *
 * <p>Settings ({@code ai.} prefix omitted): {@code detector.onnxPath} (required), {@code detector.classes}
 * (class names in the model's index order; see {@link YoloNetwork} for what happens when they do not
 * fit), {@code detector.inputSize} (square input, 32..2048, 640), {@code batch.maxSize} (frames per run
 * when the batch dimension is dynamic, 8), optional {@code detector.confidence} (0.25) and
 * {@code detector.iou} (NMS, 0.45), {@code threads}.
 *
 * <p>Output classes: "person", and "vehicle" for car, bus, truck, motorcycle and bicycle (the original
 * class in attribute {@code class}); every other class is dropped. Boxes in pixels of the frame given.
 * Blocking (ONNX Runtime on the caller's thread): call from a worker pool, never an event loop.
 */
public final class OnnxYoloDetector implements ObjectDetector {
  /** Model classes reported as "vehicle". */
  public static final Set<String> VEHICLES = Set.of("car", "bus", "truck", "motorcycle", "bicycle", "motorbike");

  private final YoloNetwork network;
  private final float minScore;
  private final float iou;

  public OnnxYoloDetector(ModelEnvironment env) {
    JsonObject s = env.settings();
    String path = AiSettings.string(s, "detector.onnxPath", "");
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("ai.detector.onnxPath is empty: set it to a YOLO ONNX file to use ai.detector.kind=onnx");
    }
    int input = (int) AiSettings.number(s, "detector.inputSize", 640, 32, 2048);
    int maxBatch = (int) AiSettings.number(s, "batch.maxSize", 8, 1, 256);
    this.minScore = fraction(s, "detector.confidence", 0.25);
    this.iou = fraction(s, "detector.iou", 0.45);
    try {
      this.network = new YoloNetwork(OnnxSessions.shared(env), Path.of(path), input, AiSettings.list(s, "detector.classes"), maxBatch,
          "ai.detector.onnxPath");
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("ai.detector.onnxPath: " + path + " cannot be loaded by ONNX Runtime: " + e.getMessage(), e);
    }
  }

  static float fraction(JsonObject s, String key, double def) {
    Object v = AiSettings.value(s, key);
    double d;
    try {
      d = v == null ? def : v instanceof Number n ? n.doubleValue() : Double.parseDouble(v.toString());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("ai." + key + " must be a number in [0, 1], got '" + v + "'");
    }
    if (!(d >= 0 && d <= 1)) throw new IllegalArgumentException("ai." + key + " must be in [0, 1], got " + d);
    return (float) d;
  }

  @Override
  public List<List<Detection>> detect(List<FrameView> frames) {
    List<List<YoloNetwork.Found>> raw;
    try {
      raw = network.detect(frames, minScore, iou);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("ONNX detector " + network.model().getFileName() + " failed: " + e.getMessage(), e);
    }
    List<List<Detection>> out = new ArrayList<>(raw.size());
    for (List<YoloNetwork.Found> frame : raw) {
      List<Detection> ds = new ArrayList<>();
      for (YoloNetwork.Found f : frame) {
        String label = f.label().toLowerCase(Locale.ROOT);
        String cls = label.equals("person") ? "person" : VEHICLES.contains(label) ? "vehicle" : null;
        if (cls == null) continue;
        ds.add(new Detection(cls, f.score(), f.box(), null, null, new JsonObject().put("class", f.label())));
      }
      out.add(ds);
    }
    return out;
  }

  @Override
  public String describe() {
    String name = network.model().getFileName().toString();
    if (name.endsWith(".onnx")) name = name.substring(0, name.length() - 5);
    return "onnx:" + name + "/" + (network.sessions().effectiveDevice().isGpu() ? "cuda:" + network.sessions().effectiveDevice().ordinal() : "cpu");
  }

  public YoloNetwork network() {
    return network;
  }
}
