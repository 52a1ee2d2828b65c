package com.softdew.vms.edge.ai.runtime;

import com.softdew.vms.edge.ai.Alarm;
import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelEnvironment;
import com.softdew.vms.edge.ai.ModelParams;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Zone;
import com.softdew.vms.edge.job.ModelRequirements;
import com.softdew.vms.model.Priority;
import com.softdew.vms.platform.config.ConfigKey;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A user's YOLO-style ONNX detector run as an analytics model (Frigate-style), from one
 * {@code ai.userModels} entry: {@code id=/path/model.onnx;classes=a,b;priority=HIGH;input=640}.
 *
 * <ul>
 *   <li>{@code id=path} (first, required): model id (letters, digits, '-', '_'; not a built-in id) and
 *       the ONNX file;
 *   <li>{@code classes} (required): the class names whose detections raise the alarm;
 *   <li>{@code priority}: CRITICAL, HIGH, MEDIUM (default) or STANDARD;
 *   <li>{@code input}: square input size 32..2048 (default 640; a fixed model input wins);
 *   <li>{@code labels}: the model's class names in index order, when the file has no Ultralytics
 *       {@code names} metadata and is not an 80-class COCO model.
 * </ul>
 *
 * <p>Per frame: detections of the listed classes with confidence &gt;= param {@code confidence};
 * when the camera has zones only those whose foot point is in a zone count. Each (zone, class) with
 * detections raises an {@link Alarm} of type {@code id}, key = class, confidence = the best one.
 */
public final class UserOnnxModel implements AnalyticsModel {
  private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

  /** One parsed {@code ai.userModels} entry. */
  public record Spec(String id, Path path, List<String> classes, Priority priority, int input, List<String> labels, String text) {
    public Spec {
      classes = List.copyOf(classes);
      labels = labels == null ? null : List.copyOf(labels);
    }

    /** Parses one entry; IllegalArgumentException naming {@code where} (e.g. "ai.userModels[0]") and the field. */
    public static Spec parse(String where, String text) {
      if (text == null || text.isBlank()) throw new IllegalArgumentException(where + ": empty; expected id=/path/model.onnx;classes=a,b");
      String[] parts = text.split(";");
      String head = parts[0].trim();
      int eq = head.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException(where + " '" + text + "': must start with id=/path/model.onnx");
      String id = head.substring(0, eq).trim();
      String path = head.substring(eq + 1).trim();
      if (!ID.matcher(id).matches()) {
        throw new IllegalArgumentException(where + " '" + text + "': field id: '" + id + "' must be a letter then letters, digits, '-' or '_'");
      }
      if (ModelRequirements.models().contains(id)) {
        throw new IllegalArgumentException(where + " '" + text + "': field id: '" + id + "' is a built-in model id");
      }
      if (path.isEmpty()) throw new IllegalArgumentException(where + " '" + text + "': field path: missing after " + id + "=");
      if (!path.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
        throw new IllegalArgumentException(where + " '" + text + "': field path: '" + path + "' is not an .onnx file");
      }
      Map<String, String> fields = new LinkedHashMap<>();
      for (int i = 1; i < parts.length; i++) {
        String p = parts[i].trim();
        if (p.isEmpty()) continue;
        int e = p.indexOf('=');
        if (e <= 0) throw new IllegalArgumentException(where + " '" + text + "': '" + p + "' must be name=value");
        String k = p.substring(0, e).trim();
        if (!Set.of("classes", "priority", "input", "labels").contains(k)) {
          throw new IllegalArgumentException(where + " '" + text + "': unknown field " + k + " (known: classes, priority, input, labels)");
        }
        if (fields.put(k, p.substring(e + 1).trim()) != null) {
          throw new IllegalArgumentException(where + " '" + text + "': field " + k + " given twice");
        }
      }
      List<String> classes = names(fields.get("classes"));
      if (classes.isEmpty()) {
        throw new IllegalArgumentException(where + " '" + text + "': field classes: required, the class names that raise the alarm (classes=person,car)");
      }
      Priority priority = Priority.MEDIUM;
      if (fields.containsKey("priority")) {
        try {
          priority = Priority.valueOf(fields.get("priority").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + " '" + text + "': field priority: '" + fields.get("priority")
              + "' is not one of CRITICAL, HIGH, MEDIUM, STANDARD");
        }
      }
      int input = 640;
      if (fields.containsKey("input")) {
        try {
          input = Integer.parseInt(fields.get("input"));
        } catch (NumberFormatException e) {
          input = -1;
        }
        if (input < 32 || input > 2048) {
          throw new IllegalArgumentException(where + " '" + text + "': field input: '" + fields.get("input") + "' must be a whole number in [32, 2048]");
        }
      }
      List<String> labels = fields.containsKey("labels") ? names(fields.get("labels")) : null;
      if (labels != null && labels.isEmpty()) throw new IllegalArgumentException(where + " '" + text + "': field labels: empty");
      return new Spec(id, Path.of(path), classes, priority, input, labels, text);
    }

    private static List<String> names(String csv) {
      List<String> out = new ArrayList<>();
      if (csv == null) return out;
      for (String s : csv.split(",")) if (!s.isBlank()) out.add(s.trim());
      return out;
    }
  }

  private final Spec spec;
  private final ModelParams params;
  private final ModelRequirements.Requirement requirement;
  private volatile YoloNetwork network;

  public UserOnnxModel(Spec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.params = new ModelParams(spec.id(), List.of(
        ConfigKey.decimal("confidence", 0.5, 0.05, 1.0, "least detector confidence of a detection that raises the alarm"),
        ConfigKey.decimal("iou", 0.45, 0.05, 0.95, "overlap above which two boxes of one class are one object (NMS)")));
    this.requirement = new ModelRequirements.Requirement(spec.id(), spec.priority(), 360, 0, 1, 0);
  }

  public Spec spec() {
    return spec;
  }

  @Override
  public String id() {
    return spec.id();
  }

  /** Permissive: 360p, any bitrate, 1 s segments, no overlap; the configured priority. */
  @Override
  public ModelRequirements.Requirement requirement() {
    return requirement;
  }

  @Override
  public ModelParams params() {
    return params;
  }

  /** Loads the network (blocking); checks that every listed class is one of the model's. */
  @Override
  public void init(ModelEnvironment env) throws Exception {
    String where = "ai.userModels " + spec.id();
    int maxBatch = (int) AiSettings.number(env.settings(), "batch.maxSize", 8, 1, 256);
    YoloNetwork n = new YoloNetwork(OnnxSessions.shared(env), spec.path(), spec.input(), spec.labels(), maxBatch, where + ": field path");
    for (String c : spec.classes()) {
      if (!n.labels().contains(c)) {
        throw new IllegalArgumentException(where + ": field classes: '" + c + "' is not a class of " + spec.path().getFileName() + " "
            + (n.labels().size() > 20 ? n.labels().subList(0, 20) + "..." : n.labels()));
      }
    }
    network = n;
  }

  @Override
  public ModelSession open(CameraContext camera) {
    YoloNetwork n = network;
    if (n == null) throw new IllegalStateException("user model " + spec.id() + " is not initialised");
    float conf = camera.params().getDouble("confidence", 0.5).floatValue();
    float iou = camera.params().getDouble("iou", 0.45).floatValue();
    Set<String> wanted = new LinkedHashSet<>(spec.classes());
    return frames -> {
      List<List<YoloNetwork.Found>> found;
      try {
        found = n.detect(frames, conf, iou);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("user model " + spec.id() + " failed: " + e.getMessage(), e);
      }
      List<FrameResult> out = new ArrayList<>(frames.size());
      for (int i = 0; i < frames.size(); i++) out.add(result(camera, frames.get(i), found.get(i), wanted));
      return out;
    };
  }

  private FrameResult result(CameraContext camera, FrameView f, List<YoloNetwork.Found> found, Set<String> wanted) {
    List<Detection> ds = new ArrayList<>();
    Map<String, double[]> best = new LinkedHashMap<>(); // "zone\0class" -> {confidence, count}
    Map<String, String[]> keyParts = new LinkedHashMap<>();
    for (YoloNetwork.Found x : found) {
      if (!wanted.contains(x.label())) continue;
      Zone z = camera.zones().isEmpty() ? null : camera.zoneAt(x.box().footX(), x.box().footY());
      if (!camera.zones().isEmpty() && z == null) continue;
      String zone = z == null ? null : z.name();
      ds.add(new Detection(x.label(), x.score(), x.box(), null, zone, new JsonObject().put("model", spec.id())));
      String k = zone + "\u0000" + x.label();
      double[] b = best.computeIfAbsent(k, kk -> new double[2]);
      b[0] = Math.max(b[0], x.score());
      b[1]++;
      keyParts.put(k, new String[] {zone, x.label()});
    }
    List<Alarm> alarms = new ArrayList<>();
    for (Map.Entry<String, double[]> e : best.entrySet()) {
      String[] kp = keyParts.get(e.getKey());
      double[] b = e.getValue();
      String reason = String.format(Locale.ROOT, "%d %s (best %.2f)%s", (int) b[1], kp[1], b[0], kp[0] == null ? "" : " in zone " + kp[0]);
      alarms.add(new Alarm(spec.id(), kp[0], kp[1], Math.min(1, b[0]), reason));
    }
    return FrameResult.of(spec.id(), f, ds, alarms);
  }

  @Override
  public void close() {
    network = null; // sessions stay in the shared cache; the cache evicts them
  }
}
