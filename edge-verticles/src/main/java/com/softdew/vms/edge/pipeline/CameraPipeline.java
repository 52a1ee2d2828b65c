package com.softdew.vms.edge.pipeline;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.ingest.CameraIngestLoop;
import com.softdew.vms.edge.job.JobDispatcher;
import com.softdew.vms.edge.job.ModelRequirements;
import com.softdew.vms.edge.normalize.FrameNormalizer;
import com.softdew.vms.edge.normalize.FrameRing;
import com.softdew.vms.edge.record.MainStreamRecorder;
import com.softdew.vms.edge.segment.SegmentInfo;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.edge.segment.SegmentWriter;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One camera's edge pipeline: ingest loop (its own thread) → normaliser → frame ring and segment
 * writer (its own thread) → job dispatcher (Kafka, priority topics). Frames never leave the process;
 * each closed segment is announced on {@link Addresses#SEGMENT_WRITTEN} and, when models are enabled,
 * becomes one VideoJob per priority class.
 *
 * <p><b>Source quality.</b> The jobs' {@code metadata.sourceQuality} is what the ingest loop measured
 * ({@link CameraIngestLoop#measuredQuality()}: resolution, bitrate, fps, codec); a field not measured
 * yet falls back to the one of the spec (declared by the registry), else stays unknown.
 *
 * <p><b>Run-time degradation.</b> At every closed segment the measured quality is checked against each
 * enabled model's needs ({@link ModelRequirements#validate}, quality reasons only). A verdict must hold
 * for two segments in a row before it changes the state (bitrates wobble around thresholds). A model
 * that becomes degraded is announced on {@link Addresses#PIPELINE_DEGRADED} ({@code degraded: true},
 * reasons), counted in the gauge {@code vms.pipeline.degraded{model}} and either kept (action
 * {@code keep}, default) or left out of the jobs' enabled models ({@code pause}, runtime key
 * {@code models.<id>.onDegraded}); recovery publishes {@code degraded: false} and resumes it.
 *
 * <p>The seed's job schema has UUIDs for customer and camera; registry ids that are not UUIDs are
 * mapped to name-based UUIDs ({@link #uuidOf}), stable across restarts and nodes.
 */
public final class CameraPipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CameraPipeline.class);

  /**
   * What to ingest and what to run on it.
   *
   * @param enabledModels enabled model id → its configured priority
   * @param source        quality the registry declares (fallback for what is not measured yet)
   * @param onDegraded    model id → keep|pause (missing = keep)
   * @param normalize     analytics frame size, fit and fps
   * @param ringFrames    frames kept in the camera's ring
   * @param hwDecode      node setting ingest.hwDecode (auto|none|vaapi|cuda|qsv)
   * @param onvifUrl      the camera's ONVIF device service URL (SD-card gap filling), null when unknown
   * @param recorders     what the recorders do ({@link Recording#OFF} = nothing recorded, the default)
   */
  public record Spec(String tenantId, String cameraId, String url, String user, String password, Map<String, Priority> enabledModels,
      VideoJob.SourceQuality source, int segmentLengthSeconds, double overlapSeconds, Map<String, String> onDegraded,
      FrameNormalizer.Config normalize, int ringFrames, String hwDecode, String onvifUrl, Recording recorders) {
    public Spec {
      if (onvifUrl != null && onvifUrl.isBlank()) onvifUrl = null;
      if (recorders == null) recorders = Recording.OFF;
      enabledModels = Map.copyOf(enabledModels);
      onDegraded = onDegraded == null ? Map.of() : Map.copyOf(onDegraded);
      if (normalize == null) normalize = FrameNormalizer.Config.DEFAULT;
      if (ringFrames <= 0) ringFrames = FrameRing.DEFAULT_CAPACITY;
      if (hwDecode == null || hwDecode.isBlank()) hwDecode = "auto";
      if (source == null) source = new VideoJob.SourceQuality("", 0, 0, "");
    }

    public Spec(String tenantId, String cameraId, String url, String user, String password, Map<String, Priority> enabledModels,
        VideoJob.SourceQuality source, int segmentLengthSeconds, double overlapSeconds) {
      this(tenantId, cameraId, url, user, password, enabledModels, source, segmentLengthSeconds, overlapSeconds, Map.of(), null, 0, "auto");
    }

    /** Without recording (the constructor before recording existed). */
    public Spec(String tenantId, String cameraId, String url, String user, String password, Map<String, Priority> enabledModels,
        VideoJob.SourceQuality source, int segmentLengthSeconds, double overlapSeconds, Map<String, String> onDegraded,
        FrameNormalizer.Config normalize, int ringFrames, String hwDecode) {
      this(tenantId, cameraId, url, user, password, enabledModels, source, segmentLengthSeconds, overlapSeconds, onDegraded, normalize,
          ringFrames, hwDecode, null, Recording.OFF);
    }

    /** True when the main stream is recorded. */
    public boolean recording() {
      return recorders.mainUrl() != null;
    }

    /** The recorded main stream, null when it is not recorded. */
    public String recordUrl() {
      return recorders.mainUrl();
    }

    /** Recording segment length, seconds. */
    public int recordSegmentSeconds() {
      return recorders.segmentSeconds();
    }

    /** The same spec recording {@code mainUrl} continuously (same credentials) in segments of {@code segmentSeconds}; null url = off. */
    public Spec withRecording(String mainUrl, int segmentSeconds) {
      return withRecording(Recording.continuousMain(mainUrl, segmentSeconds));
    }

    /** The same spec with these recorders. */
    public Spec withRecording(Recording r) {
      return new Spec(tenantId, cameraId, url, user, password, enabledModels, source, segmentLengthSeconds, overlapSeconds, onDegraded,
          normalize, ringFrames, hwDecode, onvifUrl, r);
    }

    /** The same spec with the camera's ONVIF device URL. */
    public Spec withOnvifUrl(String v) {
      return new Spec(tenantId, cameraId, url, user, password, enabledModels, source, segmentLengthSeconds, overlapSeconds, onDegraded,
          normalize, ringFrames, hwDecode, v, recorders);
    }

    /** tenant/camera. */
    public String key() {
      return tenantId + "/" + cameraId;
    }

    public Spec withHwDecode(String v) {
      return new Spec(tenantId, cameraId, url, user, password, enabledModels, source, segmentLengthSeconds, overlapSeconds, onDegraded,
          normalize, ringFrames, v, onvifUrl, recorders);
    }

    /** The spec as sent to a pipeline agent (credentials included: the bus must be TLS across hosts). */
    public JsonObject toJson() {
      JsonObject models = new JsonObject();
      new TreeMap<>(enabledModels).forEach((m, p) -> models.put(m, p.name()));
      JsonObject onDeg = new JsonObject();
      new TreeMap<>(onDegraded).forEach(onDeg::put);
      JsonObject j = new JsonObject().put("tenantId", tenantId).put("cameraId", cameraId).put("url", url).put("user", user)
          .put("password", password).put("models", models).put("onDegraded", onDeg)
          .put("source", new JsonObject().put("resolution", source.resolution()).put("bitrate", source.bitrate()).put("fps", source.fps())
              .put("codec", source.codec()))
          .put("segment", new JsonObject().put("lengthSeconds", segmentLengthSeconds).put("overlapSeconds", overlapSeconds))
          .put("normalize", new JsonObject().put("width", normalize.width()).put("height", normalize.height())
              .put("fps", normalize.fps()).put("fit", normalize.fit().name().toLowerCase(Locale.ROOT)))
          .put("ringFrames", ringFrames);
      if (onvifUrl != null) j.put("onvifUrl", onvifUrl);
      if (recorders.on()) j.put("record", recorders.toJson());
      return j;
    }

    /** Parses {@link #toJson()}; the hardware decode setting is the receiving node's. */
    public static Spec fromJson(JsonObject j, String hwDecode) {
      Map<String, Priority> models = new LinkedHashMap<>();
      JsonObject m = j.getJsonObject("models", new JsonObject());
      for (String id : m.fieldNames()) models.put(id, Priority.valueOf(m.getString(id)));
      Map<String, String> onDeg = new HashMap<>();
      JsonObject d = j.getJsonObject("onDegraded", new JsonObject());
      for (String id : d.fieldNames()) onDeg.put(id, d.getString(id));
      JsonObject s = j.getJsonObject("source", new JsonObject());
      JsonObject seg = j.getJsonObject("segment", new JsonObject());
      JsonObject n = j.getJsonObject("normalize", new JsonObject());
      JsonObject rec = j.getJsonObject("record");
      FrameNormalizer.Config nc = FrameNormalizer.Config.DEFAULT
          .withSize(n.getInteger("width", FrameNormalizer.Config.DEFAULT.width()), n.getInteger("height", FrameNormalizer.Config.DEFAULT.height()))
          .withFps(n.getDouble("fps", FrameNormalizer.Config.DEFAULT.fps()))
          .withFit("crop".equalsIgnoreCase(n.getString("fit")) ? FrameNormalizer.Fit.CROP : FrameNormalizer.Fit.LETTERBOX);
      return new Spec(j.getString("tenantId"), j.getString("cameraId"), j.getString("url"), j.getString("user"), j.getString("password"),
          models, new VideoJob.SourceQuality(s.getString("resolution", ""), s.getLong("bitrate", 0L), s.getDouble("fps", 0.0),
              s.getString("codec", "")),
          seg.getInteger("lengthSeconds", 5), seg.getDouble("overlapSeconds", 1.0), onDeg, nc, j.getInteger("ringFrames", 0), hwDecode,
          j.getString("onvifUrl"), rec == null ? Recording.OFF : Recording.fromJson(rec));
    }
  }

  /**
   * The camera's recorders (runtime keys {@code recording.*}): the main stream when {@code mainUrl} is set, the sub stream
   * when {@code subUrl} is set, each under its modes; pre/post roll, event types and the weekly schedule (in the
   * tenant's time zone) are shared.
   */
  public record Recording(String mainUrl, List<String> mainModes, String subUrl, List<String> subModes, int segmentSeconds,
      int preRollSeconds, int postRollSeconds, List<String> eventTypes, List<String> schedule, String timeZone) {
    /** Nothing recorded. */
    public static final Recording OFF = new Recording(null, List.of("continuous"), null, List.of("continuous"), 10, 10, 10, List.of(), List.of(),
        "UTC");

    public Recording {
      if (mainUrl != null && mainUrl.isBlank()) mainUrl = null;
      if (subUrl != null && subUrl.isBlank()) subUrl = null;
      mainModes = mainModes == null ? List.of("continuous") : List.copyOf(mainModes);
      subModes = subModes == null ? List.of("continuous") : List.copyOf(subModes);
      if (segmentSeconds <= 0) segmentSeconds = 10;
      preRollSeconds = Math.max(0, preRollSeconds);
      postRollSeconds = Math.max(0, postRollSeconds);
      eventTypes = eventTypes == null ? List.of() : List.copyOf(eventTypes);
      schedule = schedule == null ? List.of() : List.copyOf(schedule);
      if (timeZone == null || timeZone.isBlank()) timeZone = "UTC";
    }

    /** The main stream recorded continuously (what recording was before modes). */
    public static Recording continuousMain(String mainUrl, int segmentSeconds) {
      return new Recording(mainUrl, List.of("continuous"), null, List.of("continuous"), segmentSeconds, 10, 10, List.of(), List.of(), "UTC");
    }

    public boolean on() {
      return mainUrl != null || subUrl != null;
    }

    /** The parsed modes of "main" or "sub"; an invalid value throws IllegalArgumentException naming the key. */
    public com.softdew.vms.edge.record.RecordingModes modes(String stream) {
      return com.softdew.vms.edge.record.RecordingModes.parse("recording." + stream + ".modes", "sub".equals(stream) ? subModes : mainModes,
          preRollSeconds, postRollSeconds, eventTypes, schedule, timeZone);
    }

    public JsonObject toJson() {
      JsonObject j = new JsonObject().put("segmentSeconds", segmentSeconds).put("preRollSeconds", preRollSeconds)
          .put("postRollSeconds", postRollSeconds).put("eventTypes", new JsonArray(eventTypes)).put("schedule", new JsonArray(schedule))
          .put("timeZone", timeZone);
      if (mainUrl != null) j.put("url", mainUrl).put("modes", new JsonArray(mainModes));
      if (subUrl != null) j.put("sub", new JsonObject().put("url", subUrl).put("modes", new JsonArray(subModes)));
      return j;
    }

    /** Parses {@link #toJson()}; the form before modes ({url, segmentSeconds}) means continuous main. */
    public static Recording fromJson(JsonObject j) {
      JsonObject sub = j.getJsonObject("sub", new JsonObject());
      return new Recording(j.getString("url"), strings(j.getJsonArray("modes"), List.of("continuous")), sub.getString("url"),
          strings(sub.getJsonArray("modes"), List.of("continuous")), j.getInteger("segmentSeconds", 0), j.getInteger("preRollSeconds", 10),
          j.getInteger("postRollSeconds", 10), strings(j.getJsonArray("eventTypes"), List.of()), strings(j.getJsonArray("schedule"), List.of()),
          j.getString("timeZone", "UTC"));
    }

    private static List<String> strings(JsonArray a, List<String> dflt) {
      if (a == null) return dflt;
      List<String> out = new java.util.ArrayList<>();
      for (Object o : a) out.add(String.valueOf(o));
      return out;
    }
  }

  /** Degradation state of one enabled model on this camera. */
  private static final class ModelState {
    boolean degraded;
    Boolean candidate; // verdict of the last check when it differs from the state
    List<String> reasons = List.of();
  }

  private final Vertx vertx;
  private final Spec spec;
  private final DegradationBoard board;
  private final Map<String, ModelState> models = new HashMap<>();
  private CameraIngestLoop loop;
  private SegmentWriter writer;
  private MainStreamRecorder recorder;
  private MainStreamRecorder subRecorder;
  private volatile boolean closed;

  private CameraPipeline(Vertx vertx, Spec spec, DegradationBoard board) {
    this.vertx = vertx;
    this.spec = spec;
    this.board = board;
    for (String m : spec.enabledModels().keySet()) models.put(m, new ModelState());
  }

  /** Registry id → UUID: the id itself when it is one, else a name-based UUID of kind and id. */
  public static UUID uuidOf(String kind, String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      return UUID.nameUUIDFromBytes(("vms:" + kind + ":" + id).getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Starts the writer and the ingest loop (blocking parts on a worker); completes when both run. */
  public static Future<CameraPipeline> start(Vertx vertx, SegmentStore store, JobDispatcher dispatcher, Spec spec, MeterRegistry metrics) {
    // metrics may be disabled (metrics.enabled=false): the stages still count into a private registry
    MeterRegistry registry = metrics != null ? metrics : new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    CameraPipeline p = new CameraPipeline(vertx, spec, DegradationBoard.of(registry));
    Context ctx = vertx.getOrCreateContext();
    return vertx.executeBlocking(() -> {
      p.startRecorders(store, registry);
      if (spec.enabledModels().isEmpty() && spec.recorders().on()) {
        return p; // a recording-only camera: no analytics ingest (no decode), only the remux recorders
      }
      FrameNormalizer.Config nc = spec.normalize();
      SegmentWriter.Options d = SegmentWriter.Options.defaults();
      p.writer = SegmentWriter.start(spec.tenantId(), spec.cameraId(), new SegmentWriter.Options(spec.segmentLengthSeconds(),
          spec.overlapSeconds(), nc.fps(), d.videoBitrate(), d.queueFrames()), store,
          seg -> ctx.runOnContext(v -> p.onSegment(seg, dispatcher)), registry);
      p.loop = new CameraIngestLoop(vertx, registry, new CameraIngestLoop.Options().tenantId(spec.tenantId()).cameraId(spec.cameraId())
          .url(spec.url()).credentials(spec.user(), spec.password()).hwaccel(spec.hwDecode()).normalize(nc).ringCapacity(spec.ringFrames()),
          frame -> {
            if (!p.writer.offer(frame)) {
              // the writer's bounded queue is full: the frame is dropped and counted by the writer
            }
          }).start();
      return p;
    });
  }

  /** Remux recorders of the main and/or sub stream (no decode): dataDir/recordings next to dataDir/segments. */
  private void startRecorders(SegmentStore store, MeterRegistry registry) {
    Recording r = spec.recorders();
    for (String stream : List.of("main", "sub")) {
      String url = "main".equals(stream) ? r.mainUrl() : r.subUrl();
      if (url == null) continue;
      com.softdew.vms.edge.record.RecordingModes modes;
      try {
        modes = r.modes(stream);
      } catch (IllegalArgumentException e) {
        LOG.error("camera {}: {} stream not recorded: {}", spec.key(), stream, e.getMessage());
        continue;
      }
      if (modes.never()) continue;
      MainStreamRecorder rec = new MainStreamRecorder(vertx, registry, new MainStreamRecorder.Options().tenantId(spec.tenantId())
          .cameraId(spec.cameraId()).stream(stream).url(url).credentials(spec.user(), spec.password()).dataDir(store.root().getParent())
          .segmentLength(java.time.Duration.ofSeconds(r.segmentSeconds())).modes(modes), null).start();
      if ("main".equals(stream)) recorder = rec; else subRecorder = rec;
    }
  }

  private void onSegment(SegmentInfo seg, JobDispatcher dispatcher) {
    if (closed) return;
    vertx.eventBus().publish(Addresses.SEGMENT_WRITTEN, new JsonObject().put("tenantId", seg.tenantId()).put("cameraId", seg.cameraId())
        .put("seq", seg.seq()).put("start", seg.start().toString()).put("end", seg.end().toString()).put("frames", seg.frameCount())
        .put("bytes", seg.bytes()).put("path", seg.path().toString()));
    VideoJob.SourceQuality source = sourceQuality();
    checkDegradation(source);
    if (spec.enabledModels().isEmpty()) return;
    Map<String, Priority> run = activeModels();
    if (run.isEmpty()) return; // every model paused while the stream is degraded
    JobDispatcher.CameraProfile profile = new JobDispatcher.CameraProfile(uuidOf("tenant", spec.tenantId()), uuidOf("camera", spec.cameraId()),
        run, source);
    dispatcher.dispatch(seg, profile).onFailure(e -> LOG.warn("camera {} of {}: jobs of segment {} not sent: {}", seg.cameraId(),
        seg.tenantId(), seg.seq(), e.getMessage()));
  }

  /** Measured quality, each unknown field taken from the declared one (else "unknown" / 0). */
  public VideoJob.SourceQuality sourceQuality() {
    VideoJob.SourceQuality m = loop == null ? new VideoJob.SourceQuality(null, 0, 0, null) : loop.measuredQuality();
    VideoJob.SourceQuality d = spec.source();
    return new VideoJob.SourceQuality(first(m.resolution(), d.resolution()), m.bitrate() > 0 ? m.bitrate() : d.bitrate(),
        m.fps() > 0 ? m.fps() : d.fps(), first(m.codec(), d.codec()));
  }

  private static String first(String a, String b) {
    if (a != null && !a.isEmpty()) return a;
    if (b != null && !b.isEmpty()) return b;
    return "unknown";
  }

  /** The enabled models the jobs carry now: every enabled one but those paused while degraded. */
  public synchronized Map<String, Priority> activeModels() {
    Map<String, Priority> out = new HashMap<>();
    spec.enabledModels().forEach((m, p) -> {
      ModelState st = models.get(m);
      if (st == null || !st.degraded || !"pause".equals(action(m))) out.put(m, p);
    });
    return out;
  }

  /** Enabled models currently degraded → their reasons. */
  public synchronized Map<String, List<String>> degradedModels() {
    Map<String, List<String>> out = new TreeMap<>();
    models.forEach((m, st) -> {
      if (st.degraded) out.put(m, st.reasons);
    });
    return out;
  }

  private String action(String model) {
    return "pause".equalsIgnoreCase(spec.onDegraded().get(model)) ? "pause" : "keep";
  }

  private synchronized void checkDegradation(VideoJob.SourceQuality source) {
    if (loop == null || loop.measuredQuality().resolution() == null) return; // nothing measured yet
    for (Map.Entry<String, ModelState> e : models.entrySet()) {
      String model = e.getKey();
      ModelState st = e.getValue();
      List<String> reasons;
      try {
        ModelRequirements.of(model);
      } catch (IllegalArgumentException unknown) {
        continue; // a user model without a row in the table: no requirement to check
      }
      // quality reasons only: a segment length of an hour passes the duration and overlap rules
      reasons = ModelRequirements.validate(model, source, 3600);
      boolean bad = !reasons.isEmpty();
      if (bad == st.degraded) {
        st.candidate = null;
        if (bad) st.reasons = reasons;
        continue;
      }
      if (st.candidate == null || st.candidate != bad) {
        st.candidate = bad; // first check with the new verdict: wait for a second one
        continue;
      }
      st.candidate = null;
      st.degraded = bad;
      st.reasons = bad ? reasons : List.of();
      String action = action(model);
      if (bad) {
        board.add(model, spec.key());
        LOG.warn("camera {}: model {} degraded ({}), action {}: {}", spec.key(), model, describe(source), action, reasons);
      } else {
        board.remove(model, spec.key());
        LOG.info("camera {}: model {} recovered ({})", spec.key(), model, describe(source));
      }
      vertx.eventBus().publish(Addresses.PIPELINE_DEGRADED, new JsonObject().put("tenantId", spec.tenantId()).put("cameraId", spec.cameraId())
          .put("model", model).put("degraded", bad).put("action", action).put("reasons", new JsonArray(reasons))
          .put("source", new JsonObject().put("resolution", source.resolution()).put("bitrate", source.bitrate()).put("fps", source.fps())
              .put("codec", source.codec()))
          .put("at", Instant.now().toString()));
    }
  }

  private static String describe(VideoJob.SourceQuality s) {
    return s.codec() + " " + s.resolution() + " " + s.bitrate() / 1000 + " kbit/s " + s.fps() + " fps";
  }

  public CameraIngestLoop loop() {
    return loop;
  }

  public SegmentWriter writer() {
    return writer;
  }

  /** The main-stream recorder, null when the spec does not record it. */
  public MainStreamRecorder recorder() {
    return recorder;
  }

  /** The sub-stream recorder, null when the spec does not record it. */
  public MainStreamRecorder subRecorder() {
    return subRecorder;
  }

  public Spec spec() {
    return spec;
  }

  @Override
  public void close() {
    closed = true;
    if (loop != null) loop.close();
    if (recorder != null) recorder.close();
    if (subRecorder != null) subRecorder.close();
    if (writer != null) writer.close();
    synchronized (this) {
      models.forEach((m, st) -> {
        if (st.degraded) board.remove(m, spec.key());
      });
    }
  }

  /** Node-wide count of degraded camera-model pairs, gauge {@code vms.pipeline.degraded{model}} (one board per registry). */
  static final class DegradationBoard {
    private static final Map<MeterRegistry, DegradationBoard> BOARDS = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    private final MeterRegistry registry;
    private final Map<String, java.util.Set<String>> pairs = new java.util.concurrent.ConcurrentHashMap<>();

    private DegradationBoard(MeterRegistry registry) {
      this.registry = registry;
      for (String m : ModelRequirements.models()) gauge(m);
    }

    static DegradationBoard of(MeterRegistry registry) {
      return BOARDS.computeIfAbsent(registry, DegradationBoard::new);
    }

    private java.util.Set<String> gauge(String model) {
      return pairs.computeIfAbsent(model, m -> {
        java.util.Set<String> s = java.util.concurrent.ConcurrentHashMap.newKeySet();
        io.micrometer.core.instrument.Gauge.builder("vms.pipeline.degraded", s, java.util.Set::size)
            .description("camera-model pairs whose measured stream quality is below the model's needs").tag("model", m).register(registry);
        return s;
      });
    }

    void add(String model, String camera) {
      gauge(model).add(camera);
    }

    void remove(String model, String camera) {
      gauge(model).remove(camera);
    }
  }
}
