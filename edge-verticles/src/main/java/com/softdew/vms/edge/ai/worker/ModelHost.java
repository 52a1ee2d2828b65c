package com.softdew.vms.edge.ai.worker;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.edge.ai.ModelCatalog;
import com.softdew.vms.edge.ai.runtime.UserModels;
import com.softdew.vms.edge.ai.ModelEnvironment;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Perception;
import com.softdew.vms.edge.ai.Zone;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one worker host: loads them ({@link ModelCatalog#select}), initialises each once
 * ({@link AnalyticsModel#init}), holds the shared {@link Perception} (created only when a model
 * {@linkplain AnalyticsModel#usesObjects() uses objects}), keeps one {@link ModelSession} per
 * (tenant, camera, model) in a bounded LRU (evicted sessions are closed) and serialises the calls of each
 * session. Resolves each camera's {@link CameraContext} from the hierarchical configuration service over
 * the bus ({@link Addresses#CONFIG_SERVICE}, action {@code effective}), cached per camera for 30 s; when no
 * service answers (a worker alone) it uses the models' defaults and counts a warning
 * ({@code vms.ai.config.fallback}).
 */
public final class ModelHost implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelHost.class);
  /** How long a camera's effective configuration is reused. */
  public static final long CONFIG_TTL_MS = 30_000;
  static final long CONFIG_TIMEOUT_MS = 2_000;

  private final Vertx vertx;
  private final List<String> modelIds;
  private final JsonObject aiSettings;
  private final Path dataDir;
  private final InferenceDevice device;
  private final Function<ModelEnvironment, Perception> perceptionFactory;
  private final int maxSessions;
  private final Map<String, AnalyticsModel> models = new LinkedHashMap<>();
  private Perception perception;
  private final LinkedHashMap<SessionKey, SessionHolder> sessions = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<String, CachedConfig> configs = new ConcurrentHashMap<>();
  private final Counter fallback;
  private final Counter badConfig;
  private final Counter sessionEvictions;
  private long lastFallbackLog;
  private volatile boolean closed;

  private record SessionKey(String tenant, String camera, String model) {}

  private record CachedConfig(JsonObject effective, long atMs, boolean fallback) {}

  /** A model's session for one camera; {@link #analyze} serialises the calls. */
  public static final class SessionHolder {
    private final ModelSession session;
    private final CameraContext camera;
    private final String signature;
    private boolean closed;

    SessionHolder(ModelSession session, CameraContext camera, String signature) {
      this.session = session;
      this.camera = camera;
      this.signature = signature;
    }

    public CameraContext camera() { return camera; }

    /** Runs the session on frames (serialised per session). */
    public synchronized List<FrameResult> analyze(List<FrameView> frames) {
      if (closed) throw new IllegalStateException("session of " + camera.cameraId() + " is closed");
      return session.analyze(frames);
    }

    synchronized void close() {
      if (closed) return;
      closed = true;
      try {
        session.close();
      } catch (Exception e) {
        LOG.warn("closing a session of camera {} failed: {}", camera.cameraId(), e.toString());
      }
    }
  }

  /**
   * @param aiSettings         the {@code ai.*} start-up keys, flat, without the prefix ({@link ModelEnvironment#settings()})
   * @param modelIds           models to run (empty = every model on the class path)
   * @param perceptionFactory  the shared perception's factory ({@code Perceptions::create}); may be null when no model uses objects
   * @param device             where inference runs (the GPU manager's choice), null = CPU
   * @param maxSessions        sessions kept (LRU)
   */
  public ModelHost(Vertx vertx, JsonObject aiSettings, Collection<String> modelIds, Path dataDir,
      Function<ModelEnvironment, Perception> perceptionFactory, InferenceDevice device, int maxSessions, MeterRegistry registry) {
    this.vertx = vertx;
    this.aiSettings = aiSettings == null ? new JsonObject() : aiSettings;
    this.modelIds = List.copyOf(modelIds);
    this.dataDir = dataDir;
    this.perceptionFactory = perceptionFactory;
    this.device = device == null ? InferenceDevice.CPU : device;
    if (maxSessions < 1) throw new IllegalArgumentException("maxSessions must be >= 1");
    this.maxSessions = maxSessions;
    MeterRegistry r = registry == null ? new SimpleMeterRegistry() : registry;
    fallback = r.counter("vms.ai.config.fallback");
    badConfig = r.counter("vms.ai.config.invalid");
    sessionEvictions = r.counter("vms.ai.sessions.evicted");
    Gauge.builder("vms.ai.sessions", this, ModelHost::sessionCount).register(r);
  }

  private final Map<String, String> failed = new java.util.concurrent.ConcurrentHashMap<>();
  private boolean strict;

  /** Strict: a model that fails to initialise fails the start (the analyze command); default: it is skipped and reported. */
  public ModelHost strict(boolean on) {
    this.strict = on;
    return this;
  }

  /** Models that failed to initialise, with the reason (lenient mode). */
  public Map<String, String> failedModels() {
    return Map.copyOf(failed);
  }

  /** Loads and initialises the models (and the perception when needed) on a worker thread. */
  public Future<ModelHost> start() {
    return vertx.executeBlocking(() -> {
      startBlocking();
      return this;
    }, false);
  }

  /** As {@link #start()}, on the calling thread (the analyze command). */
  public void startBlocking() throws Exception {
    ModelEnvironment env = new ModelEnvironment(aiSettings, dataDir, device);
    List<AnalyticsModel> selected = ModelCatalog.select(modelIds, new ArrayList<>(UserModels.fromSettings(aiSettings)));
    try {
      for (AnalyticsModel m : selected) {
        long t0 = System.nanoTime();
        try {
          m.init(env);
        } catch (Exception | LinkageError e) {
          if (strict) throw e;
          // one model that cannot load (missing network files...) must not take the other models down
          failed.put(m.id(), String.valueOf(e.getMessage()));
          LOG.error("model {} NOT started: {} (the other models run; fix it and restart)", m.id(), e.getMessage());
          try {
            m.close();
          } catch (Exception ignored) {
            // best effort
          }
          continue;
        }
        models.put(m.id(), m);
        LOG.info("model {} initialised on {} in {} ms", m.id(), device.name(), (System.nanoTime() - t0) / 1_000_000);
      }
      if (selected.stream().anyMatch(AnalyticsModel::usesObjects)) {
        if (perceptionFactory == null) {
          throw new IllegalStateException("models " + selected.stream().filter(AnalyticsModel::usesObjects).map(AnalyticsModel::id).toList()
              + " need the shared object perception but none is configured");
        }
        perception = perceptionFactory.apply(env);
        LOG.info("shared perception: {}", perception.describe());
      }
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  public Collection<AnalyticsModel> models() { return models.values(); }

  public AnalyticsModel model(String id) {
    AnalyticsModel m = models.get(id);
    if (m == null) throw new IllegalArgumentException("model " + id + " is not loaded on this host (loaded: " + models.keySet() + ")");
    return m;
  }

  /** The shared perception, or null when no loaded model uses objects. */
  public Perception perception() { return perception; }

  public InferenceDevice device() { return device; }

  /** Runs the perception on the frames of the models that use objects (no-op otherwise). Blocking. */
  public void annotate(AnalyticsModel model, List<Perception.CameraFrames> batch) {
    if (model.usesObjects() && perception != null && !batch.isEmpty()) perception.annotate(batch);
  }

  /**
   * The camera's context for a model: effective configuration from the config service (cached 30 s)
   * or defaults; zones in source pixels mapped into the analysed frame.
   *
   * @param sourceResolution "WxH" of the camera stream (job metadata), null/blank when unknown
   * @param frameW           width of the analysed frames (after normalisation)
   */
  public Future<CameraContext> cameraContext(String tenantId, String cameraId, String model, String sourceResolution, int frameW, int frameH) {
    return effective(tenantId, cameraId).map(eff -> context(eff, tenantId, cameraId, model(model), sourceResolution, frameW, frameH));
  }

  /** As {@link #cameraContext} from the cached configuration only (defaults when none is cached); any thread. */
  public CameraContext cachedContext(String tenantId, String cameraId, String model, String sourceResolution, int frameW, int frameH) {
    CachedConfig c = configs.get(tenantId + "/" + cameraId);
    return context(c == null ? new JsonObject() : c.effective(), tenantId, cameraId, model(model), sourceResolution, frameW, frameH);
  }

  /** The camera's effective configuration (nested JSON), from cache, the service, or {} (defaults). */
  Future<JsonObject> effective(String tenantId, String cameraId) {
    String key = tenantId + "/" + cameraId;
    CachedConfig c = configs.get(key);
    long now = System.currentTimeMillis();
    if (c != null && now - c.atMs() < CONFIG_TTL_MS) return Future.succeededFuture(c.effective());
    JsonObject req = new JsonObject().put("action", "effective").put("customerId", tenantId).put("cameraId", cameraId);
    return vertx.eventBus().<JsonObject>request(Addresses.CONFIG_SERVICE, req, new DeliveryOptions().setSendTimeout(CONFIG_TIMEOUT_MS))
        .map(m -> {
          JsonObject eff = m.body() == null ? new JsonObject() : m.body().getJsonObject("effective", new JsonObject());
          configs.put(key, new CachedConfig(eff, System.currentTimeMillis(), false));
          return eff;
        })
        .recover(e -> {
          fallback.increment();
          long t = System.currentTimeMillis();
          if (t - lastFallbackLog > 60_000) {
            lastFallbackLog = t;
            LOG.warn("no configuration for camera {} of {} from {} ({}); using model defaults and no zones for {} s", cameraId, tenantId,
                Addresses.CONFIG_SERVICE, e.getMessage(), CONFIG_TTL_MS / 1000);
          }
          JsonObject eff = new JsonObject();
          configs.put(key, new CachedConfig(eff, t, true));
          return Future.succeededFuture(eff);
        });
  }

  /** Drops cached configurations (a configuration change was announced). */
  public void forgetConfigs() {
    configs.clear();
  }

  CameraContext context(JsonObject eff, String tenantId, String cameraId, AnalyticsModel model, String sourceResolution, int frameW,
      int frameH) {
    JsonObject video = eff.getJsonObject("video", new JsonObject());
    JsonObject normalize = video.getJsonObject("normalize", new JsonObject());
    double fps = normalize.getNumber("fps", 15).doubleValue();
    boolean crop = "crop".equals(normalize.getString("fit", "letterbox"));
    int[] src = parseResolution(sourceResolution);
    FrameGeometry g = src == null ? FrameGeometry.identity(frameW, frameH)
        : crop ? FrameGeometry.crop(src[0], src[1], frameW, frameH) : FrameGeometry.letterbox(src[0], src[1], frameW, frameH);
    JsonObject mcfg = eff.getJsonObject("models", new JsonObject()).getJsonObject(model.id(), new JsonObject());
    JsonObject params;
    try {
      params = model.params().resolve(mcfg.getJsonObject("params", new JsonObject()));
    } catch (RuntimeException e) {
      badConfig.increment();
      LOG.warn("camera {}: invalid parameters for {} ({}); using defaults", cameraId, model.id(), e.getMessage());
      params = model.params().defaults();
    }
    List<Zone> zones = new ArrayList<>();
    JsonArray zs = mcfg.getJsonArray("zones", new JsonArray());
    for (Object o : zs) {
      try {
        zones.add(g.toFrame(Zone.parse(String.valueOf(o))));
      } catch (RuntimeException e) {
        badConfig.increment();
        LOG.warn("camera {}: zone '{}' of {} ignored: {}", cameraId, o, model.id(), e.getMessage());
      }
    }
    return new CameraContext(tenantId, cameraId, zones, params, g, fps);
  }

  static int[] parseResolution(String r) {
    if (r == null) return null;
    String[] p = r.toLowerCase().split("x");
    if (p.length != 2) return null;
    try {
      int w = Integer.parseInt(p[0].trim()), h = Integer.parseInt(p[1].trim());
      return w > 0 && h > 0 ? new int[] {w, h} : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * The session of (tenant, camera, model), opened with {@code camera} if there is none or if the camera's
   * parameters or zones changed since it was opened (the old one is closed).
   */
  public SessionHolder session(CameraContext camera, String modelId) {
    Objects.requireNonNull(camera, "camera");
    AnalyticsModel m = model(modelId);
    String sig = signature(camera);
    SessionKey key = new SessionKey(camera.tenantId(), camera.cameraId(), modelId);
    List<SessionHolder> toClose = new ArrayList<>();
    SessionHolder h;
    synchronized (sessions) {
      if (closed) throw new IllegalStateException("model host is closed");
      h = sessions.get(key);
      if (h != null && !h.signature.equals(sig)) {
        toClose.add(h);
        sessions.remove(key);
        h = null;
      }
      if (h == null) {
        h = new SessionHolder(m.open(camera), camera, sig);
        sessions.put(key, h);
        var it = sessions.entrySet().iterator();
        while (sessions.size() > maxSessions && it.hasNext()) {
          toClose.add(it.next().getValue());
          it.remove();
          sessionEvictions.increment();
        }
      }
    }
    toClose.forEach(SessionHolder::close);
    return h;
  }

  private static String signature(CameraContext c) {
    StringBuilder sb = new StringBuilder(c.params().encode()).append('|').append(c.fps()).append('|').append(c.geometry());
    for (Zone z : c.zones()) {
      sb.append('|').append(z.name());
      for (double[] p : z.points()) sb.append(';').append(p[0]).append(',').append(p[1]);
    }
    return sb.toString();
  }

  public int sessionCount() {
    synchronized (sessions) {
      return sessions.size();
    }
  }

  /** Closes the sessions, the perception and the models. */
  @Override
  public void close() {
    List<SessionHolder> all;
    synchronized (sessions) {
      if (closed) return;
      closed = true;
      all = new ArrayList<>(sessions.values());
      sessions.clear();
    }
    all.forEach(SessionHolder::close);
    if (perception != null) {
      try {
        perception.close();
      } catch (Exception e) {
        LOG.warn("closing the perception failed: {}", e.toString());
      }
    }
    for (AnalyticsModel m : models.values()) {
      try {
        m.close();
      } catch (Exception e) {
        LOG.warn("closing model {} failed: {}", m.id(), e.toString());
      }
    }
    models.clear();
  }
}
