package com.softdew.vms.edge.ai.worker;

import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.EventAccumulator;
import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.edge.ai.ModelCatalog;
import com.softdew.vms.edge.ai.ModelEnvironment;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Perception;
import com.softdew.vms.edge.ai.Zone;
import com.softdew.vms.edge.normalize.FrameNormalizer;
import com.softdew.vms.edge.normalize.NormalizedFrame;
import com.softdew.vms.platform.config.ConfigException;
import com.softdew.vms.platform.config.ConfigLoader;
import com.softdew.vms.platform.config.ConfigSchema;
import com.softdew.vms.platform.config.VmsConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

/**
 * {@code analyze --input FILE --models m1,m2 [--zone NAME=x1,y1;x2,y2;...]... [--every-frame] [--out FILE]}:
 * runs models over a video file offline and writes JSON Lines. The file is decoded with FFmpeg,
 * normalised like a camera stream ({@link FrameNormalizer}: 640x480 letterbox RGB at 15 fps by
 * timestamps, or every source frame with {@code --every-frame}); each model's session (after the shared
 * perception for models that use objects) gets batches of 15 frames. One line per analysed frame and
 * model: {@code {"frame":N,"ptsMs":T,"model":"crowd","count":K,"detections":[{"class","confidence","box":[x,y,w,h],"track","zone"}]}}
 * (N = source frame number, T = ms from the start of the file, boxes in source pixels), and one line
 * per event ({@link EventAccumulator}, gap 1 s): {@code {"event":"intrusion","zone":"NAME","startFrame":N,"endFrame":M,"confidence":0.9}}, plus
 * {@code "key"} when the model distinguishes simultaneous events (track id, plate text, tamper kind).
 * Zones are given in source pixels. Bad arguments: exit code 2 and one line naming the argument.
 */
public final class AnalyzeCommand {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILED = 1;
  public static final int EXIT_USAGE = 2;
  static final int BATCH = 15;
  static final long EVENT_GAP_MS = 1000;
  static final String USAGE = "usage: analyze --input FILE --models m1,m2 [--zone NAME=x1,y1;x2,y2;...]... [--param MODEL.NAME=VALUE]... [--every-frame] [--out FILE]";

  /** Parsed arguments. */
  public record Args(Path input, List<String> models, List<Zone> zones, boolean everyFrame, Path out, Map<String, JsonObject> params) {
    public Args(Path input, List<String> models, List<Zone> zones, boolean everyFrame, Path out) {
      this(input, models, zones, everyFrame, out, Map.of());
    }
  }

  private final Function<ModelEnvironment, Perception> perceptionFactory;
  private final InferenceDevice device;

  /**
   * @param perceptionFactory the shared perception's factory, null = {@link com.softdew.vms.edge.ai.perception.Perceptions#create}
   * @param device            where inference runs, null = the GPU manager's choice (the CPU here, with the reason logged)
   */
  public AnalyzeCommand(Function<ModelEnvironment, Perception> perceptionFactory, InferenceDevice device) {
    this.perceptionFactory = perceptionFactory == null ? com.softdew.vms.edge.ai.perception.Perceptions::create : perceptionFactory;
    this.device = device;
  }

  /** Entry point of the launchers: {@code args} without the leading "analyze"; returns the exit code. */
  public static int main(String[] args, Function<ModelEnvironment, Perception> perceptionFactory) {
    // JSON Lines own stdout: everything else that prints to System.out (the console log appender) goes to stderr
    PrintStream json = System.out;
    System.setOut(System.err);
    try {
      return new AnalyzeCommand(perceptionFactory, null).run(args, json, System.err);
    } finally {
      json.flush();
    }
  }

  /** True when the command line asks for this command ({@code analyze ...}). */
  public static boolean isCommand(String[] args) {
    return args.length > 0 && "analyze".equals(args[0]);
  }

  /** The arguments after "analyze". */
  public static String[] commandArgs(String[] args) {
    return java.util.Arrays.copyOfRange(args, 1, args.length);
  }

  /** Parses arguments; IllegalArgumentException with one line naming the bad one. */
  public static Args parse(String[] a) {
    Path input = null, out = null;
    List<String> models = null;
    List<Zone> zones = new ArrayList<>();
    boolean every = false;
    Map<String, JsonObject> params = new LinkedHashMap<>();
    for (int i = 0; i < a.length; i++) {
      String arg = a[i];
      String name = arg.startsWith("--") && arg.contains("=") && !arg.startsWith("--zone=") ? arg.substring(0, arg.indexOf('=')) : arg;
      String inline = null;
      if (arg.startsWith("--zone=")) {
        name = "--zone";
        inline = arg.substring("--zone=".length());
      } else if (!name.equals(arg)) {
        inline = arg.substring(arg.indexOf('=') + 1);
      }
      switch (name) {
        case "--every-frame" -> every = true;
        case "--input", "--models", "--zone", "--out", "--param" -> {
          String v = inline;
          if (v == null) {
            if (i + 1 >= a.length || a[i + 1].startsWith("--")) throw new IllegalArgumentException(name + " needs a value");
            v = a[++i];
          }
          switch (name) {
            case "--input" -> {
              input = Path.of(v);
              if (!Files.isRegularFile(input)) throw new IllegalArgumentException("--input " + v + ": no such file");
            }
            case "--models" -> {
              models = new ArrayList<>();
              for (String m : v.split(",")) if (!m.isBlank()) models.add(m.trim());
              if (models.isEmpty()) throw new IllegalArgumentException("--models " + v + ": no model id");
            }
            case "--zone" -> {
              try {
                Zone z = Zone.parse(v);
                if (zones.stream().anyMatch(x -> x.name().equals(z.name()))) throw new IllegalArgumentException("zone " + z.name() + " given twice");
                zones.add(z);
              } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--zone '" + v + "': " + e.getMessage());
              }
            }
            case "--param" -> {
              int dot = v.indexOf('.'), eq = v.indexOf('=');
              if (dot <= 0 || eq < dot + 2) throw new IllegalArgumentException("--param '" + v + "': must look like MODEL.NAME=VALUE");
              params.computeIfAbsent(v.substring(0, dot), k -> new JsonObject()).put(v.substring(dot + 1, eq), v.substring(eq + 1));
            }
            default -> out = Path.of(v);
          }
        }
        default -> throw new IllegalArgumentException(arg + ": unknown argument; " + USAGE);
      }
    }
    if (input == null) throw new IllegalArgumentException("--input is required; " + USAGE);
    if (models == null) throw new IllegalArgumentException("--models is required; " + USAGE);
    for (String m : params.keySet()) {
      if (!models.contains(m)) throw new IllegalArgumentException("--param " + m + ".*: model " + m + " is not in --models");
    }
    return new Args(input, List.copyOf(models), List.copyOf(zones), every, out, Map.copyOf(params));
  }

  /** Runs the command; returns the exit code (0 ok, 1 failed, 2 bad arguments). */
  public int run(String[] argv, PrintStream stdout, PrintStream stderr) {
    Args args;
    VmsConfig cfg;
    try {
      args = parse(argv);
      Map<String, AnalyticsModel> known = ModelCatalog.load();
      for (String m : args.models()) {
        if (!known.containsKey(m)) throw new IllegalArgumentException("--models: unknown model '" + m + "', known: " + known.keySet());
        known.get(m).params().resolve(args.params().getOrDefault(m, new JsonObject())); // a bad --param is a usage error
      }
      cfg = new ConfigLoader(ConfigSchema.platform()).load(null, null);
    } catch (ConfigException | IllegalArgumentException e) {
      stderr.println("analyze: " + e.getMessage());
      return EXIT_USAGE;
    }
    try (Writer w = args.out() == null ? new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8))
        : Files.newBufferedWriter(args.out(), StandardCharsets.UTF_8)) {
      Summary s = analyze(args, cfg, w);
      w.flush();
      stderr.printf("analyze: %d source frames, %d analysed, %d records, %d events, %.1f s%n", s.sourceFrames, s.analysed, s.records,
          s.events, s.ms / 1000.0);
      return EXIT_OK;
    } catch (Exception e) {
      stderr.println("analyze: " + args.input() + ": " + e);
      return EXIT_FAILED;
    }
  }

  /** What a run did. */
  public static final class Summary {
    long sourceFrames;
    long analysed;
    long records;
    long events;
    long ms;
  }

  Summary analyze(Args args, VmsConfig cfg, Writer out) throws Exception {
    long t0 = System.currentTimeMillis();
    Summary sum = new Summary();
    InferenceDevice on = device != null ? device
        : com.softdew.vms.edge.ai.runtime.GpuManager.probe(AiWorkersVerticle.aiSettings(cfg), null).preferred();
    ModelHost host = new ModelHost(null, AiWorkersVerticle.aiSettings(cfg), args.models(), Path.of(cfg.string("data.dir")), perceptionFactory,
        on, 64, null).strict(true);
    FFmpegFrameGrabber g = new FFmpegFrameGrabber(args.input().toFile());
    FrameNormalizer norm = null;
    Map<String, ModelSession> sessions = new LinkedHashMap<>();
    Map<String, EventAccumulator> acc = new LinkedHashMap<>();
    List<FrameView> batch = new ArrayList<>(BATCH);
    try {
      host.startBlocking();
      g.start();
      int srcW = g.getImageWidth(), srcH = g.getImageHeight();
      double srcFps = g.getFrameRate() > 0 ? g.getFrameRate() : 15;
      FrameNormalizer.Config nc = FrameNormalizer.Config.DEFAULT;
      norm = new FrameNormalizer("local", "analyze", nc);
      FrameGeometry geo = FrameGeometry.letterbox(srcW, srcH, nc.width(), nc.height());
      List<Zone> zones = new ArrayList<>();
      for (Zone z : args.zones()) zones.add(geo.toFrame(z));
      double fps = args.everyFrame() ? srcFps : nc.fps();
      CameraContext base = new CameraContext("local", args.input().getFileName().toString(), zones, new JsonObject(), geo, fps);
      Map<String, CameraContext> contexts = new LinkedHashMap<>();
      for (AnalyticsModel m : host.models()) {
        CameraContext c = base.withParams(m.params().resolve(args.params().getOrDefault(m.id(), new JsonObject())));
        contexts.put(m.id(), c);
        sessions.put(m.id(), m.open(c));
        acc.put(m.id(), new EventAccumulator(EVENT_GAP_MS));
      }
      double slotUs = 1_000_000.0 / nc.fps();
      long firstPtsMs = Long.MIN_VALUE;
      long lastPtsMs = Long.MIN_VALUE;
      long n = -1;
      Frame f;
      while ((f = g.grabImage()) != null) {
        n++;
        sum.sourceFrames++;
        long tsUs = f.timestamp;
        if (firstPtsMs == Long.MIN_VALUE) firstPtsMs = tsUs / 1000;
        List<NormalizedFrame> outs = args.everyFrame()
            ? norm.accept(f, Math.round(n * slotUs), Instant.EPOCH, "file") // one slot per source frame
            : norm.accept(f, tsUs, Instant.EPOCH, "file");
        for (NormalizedFrame nf : outs) {
          long pts = args.everyFrame() ? tsUs / 1000 - firstPtsMs : Math.round(nf.seq() * 1000.0 / nc.fps());
          if (pts <= lastPtsMs) pts = lastPtsMs + 1;
          lastPtsMs = pts;
          batch.add(new FrameView(n, pts, nf.width(), nf.height(), nf.rgb()));
          if (batch.size() == BATCH) {
            runBatch(host, contexts, sessions, acc, batch, geo, out, sum);
            batch.clear();
          }
        }
      }
      if (!batch.isEmpty()) runBatch(host, contexts, sessions, acc, batch, geo, out, sum);
      batch.clear();
      for (Map.Entry<String, EventAccumulator> e : acc.entrySet()) {
        for (EventAccumulator.ModelEvent ev : e.getValue().flush()) writeEvent(out, ev, sum);
      }
      g.stop();
    } finally {
      batch.forEach(FrameView::close);
      for (ModelSession s : sessions.values()) {
        try {
          s.close();
        } catch (Exception ignored) {
          // closing
        }
      }
      if (norm != null) norm.close();
      g.close();
      host.close();
    }
    sum.ms = System.currentTimeMillis() - t0;
    return sum;
  }

  private static void runBatch(ModelHost host, Map<String, CameraContext> contexts, Map<String, ModelSession> sessions,
      Map<String, EventAccumulator> acc, List<FrameView> batch, FrameGeometry geo, Writer out, Summary sum) throws IOException {
    try {
      sum.analysed += batch.size();
      for (AnalyticsModel m : host.models()) {
        host.annotate(m, List.of(new Perception.CameraFrames(contexts.get(m.id()), batch)));
        List<FrameResult> results = sessions.get(m.id()).analyze(batch);
        for (FrameResult r : results) {
          JsonArray dets = new JsonArray();
          for (Detection d : r.detections()) dets.add(geo.toSource(d).toJson());
          JsonObject line = new JsonObject().put("frame", r.frameIndex()).put("ptsMs", r.ptsMs()).put("model", m.id()).put("count", r.count())
              .put("detections", dets);
          out.write(line.encode());
          out.write('\n');
          sum.records++;
          for (EventAccumulator.ModelEvent ev : acc.get(m.id()).accept(r)) writeEvent(out, ev, sum);
        }
      }
    } finally {
      batch.forEach(FrameView::close);
    }
  }

  private static void writeEvent(Writer out, EventAccumulator.ModelEvent ev, Summary sum) throws IOException {
    JsonObject j = new JsonObject().put("event", ev.type());
    if (ev.zone() != null) j.put("zone", ev.zone());
    if (ev.key() != null) j.put("key", ev.key()); // track id, plate text, tamper kind...
    j.put("startFrame", ev.startFrame()).put("endFrame", ev.endFrame()).put("confidence", Math.round(ev.confidence() * 1000) / 1000.0);
    out.write(j.encode());
    out.write('\n');
    sum.events++;
  }
}
