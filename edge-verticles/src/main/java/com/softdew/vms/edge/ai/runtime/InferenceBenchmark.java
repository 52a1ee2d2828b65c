package com.softdew.vms.edge.ai.runtime;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_8;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.edge.ai.ModelCatalog;
import com.softdew.vms.edge.ai.ModelEnvironment;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Zone;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Inference benchmark on the CPU (never a CI gate; run by {@code scripts/bench/inference.sh}). Prints
 * {@code RESULT <section> <name> <value...>} lines:
 *
 * <ul>
 *   <li>{@code preprocess}: letterbox of 1280x720 frames to 640 (OpenCV), ms/frame at batch 1 and 8;
 *   <li>{@code model}: every model of {@link ModelCatalog#load()}, ms/frame on the clips of the
 *       {@code *Scenes} classes beside {@link SyntheticClip} (their public static methods returning a
 *       clip, with no argument or one int/long seed = 1), or on a rendered walking-box clip when there
 *       are none; a model whose init fails is reported {@code skipped} with the reason;
 *   <li>{@code detector}: with {@code --detector file.onnx}, {@link OnnxYoloDetector} frames/s
 *       unbatched (batch.maxSize 1) and batched (8).
 * </ul>
 * Usage: {@code InferenceBenchmark [--detector yolo.onnx] [--threads 2] [--frames 60]}.
 */
public final class InferenceBenchmark {
  private InferenceBenchmark() {}

  public static void main(String[] args) throws Exception {
    String detector = null;
    int threads = 2;
    int maxFrames = 60;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--detector" -> detector = args[++i];
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--frames" -> maxFrames = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    JsonObject settings = new JsonObject().put("threads", threads);
    preprocess();
    List<SyntheticClip> clips = clips(maxFrames);
    models(settings, clips);
    if (detector != null) detector(settings, detector, clips);
    System.exit(0);
  }

  static void result(String section, String name, Object... values) {
    StringBuilder b = new StringBuilder("RESULT ").append(section).append(' ').append(name.replace(' ', '_'));
    for (Object v : values) b.append(' ').append(v instanceof Double d ? String.format(Locale.ROOT, "%.2f", d) : String.valueOf(v).replace(' ', '_'));
    System.out.println(b);
  }

  static void preprocess() {
    List<FrameView> frames = new ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) frames.add(new FrameView(i, i, 1280, 720, walker(1280, 720, i)));
      for (int batch : new int[] {1, 8}) {
        Preprocess.letterboxNchw(frames.subList(0, batch), 640); // warm-up
        int rounds = 40 / batch;
        long t0 = System.nanoTime();
        for (int r = 0; r < rounds; r++) Preprocess.letterboxNchw(frames.subList(0, batch), 640);
        double ms = (System.nanoTime() - t0) / 1e6 / (rounds * batch);
        result("preprocess", "letterbox_1280x720_to_640_batch" + batch, ms);
      }
    } finally {
      frames.forEach(FrameView::close);
    }
  }

  static void models(JsonObject settings, List<SyntheticClip> clips) {
    com.softdew.vms.edge.ai.Perception perception = null; // the shared perception (HOG by default), for models reading objects
    for (AnalyticsModel m : ModelCatalog.load().values()) {
      if (m.usesObjects() && perception == null) {
        perception = com.softdew.vms.edge.ai.perception.Perceptions.create(new ModelEnvironment(settings, Path.of("data"), InferenceDevice.CPU));
      }
      try (m) {
        long t0 = System.nanoTime();
        try {
          m.init(new ModelEnvironment(settings, Path.of("data"), InferenceDevice.CPU));
        } catch (Throwable t) {
          result("model", m.id(), "skipped", String.valueOf(t.getMessage()).lines().findFirst().orElse(t.toString()));
          continue;
        }
        double initMs = (System.nanoTime() - t0) / 1e6;
        long frames = 0;
        long nanos = 0;
        for (SyntheticClip clip : clips) {
          List<String> zoneSpecs = clip.zones();
          List<Zone> zones = new ArrayList<>();
          for (String z : zoneSpecs) zones.add(Zone.parse(z));
          CameraContext cam = new CameraContext("bench", clip.name(), zones, m.params().defaults(),
              FrameGeometry.identity(clip.width(), clip.height()), clip.fps());
          List<FrameView> views = clip.views();
          try (ModelSession s = m.open(cam)) {
            for (int i = 0; i < views.size(); i += 8) {
              List<FrameView> batch = views.subList(i, Math.min(views.size(), i + 8));
              long b0 = System.nanoTime();
              if (m.usesObjects()) perception.annotate(List.of(new com.softdew.vms.edge.ai.Perception.CameraFrames(cam, batch)));
              s.analyze(batch);
              nanos += System.nanoTime() - b0;
              frames += batch.size();
            }
          } finally {
            views.forEach(FrameView::close);
          }
        }
        result("model", m.id(), frames == 0 ? 0.0 : nanos / 1e6 / frames, frames, initMs);
      } catch (RuntimeException e) {
        result("model", m.id(), "skipped", String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString()));
      }
    }
  }

  static void detector(JsonObject settings, String file, List<SyntheticClip> clips) {
    List<FrameView> views = new ArrayList<>();
    for (SyntheticClip c : clips) views.addAll(c.views());
    try {
      for (int batch : new int[] {1, 8}) {
        JsonObject s = settings.copy().put("detector.onnxPath", file).put("batch.maxSize", batch);
        OnnxYoloDetector d = new OnnxYoloDetector(new ModelEnvironment(s, Path.of("data"), InferenceDevice.CPU));
        d.detect(views.subList(0, Math.min(8, views.size()))); // warm-up
        long t0 = System.nanoTime();
        long found = 0;
        for (int i = 0; i < views.size(); i += 8) {
          for (List<?> l : d.detect(views.subList(i, Math.min(views.size(), i + 8)))) found += l.size();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        result("detector", "batch" + batch, views.size() / secs, views.size(), found, d.describe());
      }
    } finally {
      views.forEach(FrameView::close);
    }
  }

  /** Clips of the scene classes on the class path, else one rendered clip. */
  static List<SyntheticClip> clips(int maxFrames) {
    List<SyntheticClip> out = new ArrayList<>();
    for (String cls : sceneClasses()) {
      try {
        for (Method m : Class.forName(cls).getMethods()) {
          if (!Modifier.isStatic(m.getModifiers()) || m.getReturnType() != SyntheticClip.class) continue;
          SyntheticClip c;
          if (m.getParameterCount() == 0) c = (SyntheticClip) m.invoke(null);
          else if (m.getParameterCount() == 1 && m.getParameterTypes()[0] == long.class) c = (SyntheticClip) m.invoke(null, 1L);
          else if (m.getParameterCount() == 1 && m.getParameterTypes()[0] == int.class) c = (SyntheticClip) m.invoke(null, 1);
          else continue;
          out.add(trim(c, maxFrames));
          result("clip", c.name(), c.width() + "x" + c.height(), Math.min(maxFrames, c.frames().size()));
        }
      } catch (Throwable t) {
        result("clip", cls, "failed", String.valueOf(t.getMessage()));
      }
    }
    if (out.isEmpty()) {
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < maxFrames; i++) frames.add(walker(640, 480, i));
      out.add(new SyntheticClip("walking-box-640x480", 640, 480, 15, frames, List.of(), List.of(), List.of()));
      result("clip", "walking-box-640x480", "640x480", maxFrames);
    }
    return out;
  }

  private static SyntheticClip trim(SyntheticClip c, int max) {
    if (c.frames().size() <= max) return c;
    return new SyntheticClip(c.name(), c.width(), c.height(), c.fps(), c.frames().subList(0, max), c.labels(),
        c.counts().isEmpty() ? c.counts() : c.counts().subList(0, Math.min(max, c.counts().size())), c.zones());
  }

  private static List<String> sceneClasses() {
    List<String> out = new ArrayList<>();
    String pkg = "com/softdew/vms/edge/ai/scenes/";
    try {
      URI where = SyntheticClip.class.getProtectionDomain().getCodeSource().getLocation().toURI();
      File f = new File(where);
      if (f.isDirectory()) {
        try (Stream<Path> s = Files.list(f.toPath().resolve(pkg))) {
          s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("Scenes.class"))
              .forEach(n -> out.add(pkg.replace('/', '.') + n.substring(0, n.length() - 6)));
        }
      } else {
        try (JarFile jar = new JarFile(f)) {
          for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
            String n = e.nextElement().getName();
            if (n.startsWith(pkg) && n.endsWith("Scenes.class") && n.indexOf('/', pkg.length()) < 0) {
              out.add(n.substring(0, n.length() - 6).replace('/', '.'));
            }
          }
        }
      }
    } catch (Exception e) {
      result("clip", "scan", "failed", e.toString());
    }
    return out;
  }

  /** A grey street with a dark 60x150 box walking left to right (BGR canvas to RGB). */
  static byte[] walker(int w, int h, int i) {
    try (Mat canvas = new Mat(h, w, CV_8UC3, new Scalar(110, 120, 120, 0));
        Point a = new Point((i * 9) % (w - 60), h / 2 - 75);
        Point b = new Point((i * 9) % (w - 60) + 60, h / 2 + 75);
        Scalar dark = new Scalar(40, 30, 60, 0)) {
      rectangle(canvas, a, b, dark, FILLED, LINE_8, 0);
      return SyntheticClip.rgbOf(canvas);
    }
  }
}
