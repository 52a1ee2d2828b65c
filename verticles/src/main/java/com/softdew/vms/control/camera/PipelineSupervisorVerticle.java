package com.softdew.vms.control.camera;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.config.ConfigService;
import com.softdew.vms.edge.job.JobDispatcher;
import com.softdew.vms.edge.pipeline.CameraPipeline;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import com.softdew.vms.platform.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the edge video pipeline for the registered cameras this node serves (role all: every enabled
 * camera, up to {@code maxCameras}): a camera with at least one model enabled in its effective
 * configuration gets a {@link CameraPipeline} (ingest of its sub stream → segments → VideoJobs);
 * a camera whose models are all disabled, that is disabled or removed, or whose tenant's licence is
 * not valid, loses it. Reconciled at start, every minute, and on every camera, configuration or
 * licence-state change (the licence watcher publishes within 30 s of an expiry). Assigning cameras to several edge nodes
 * (Hazelcast membership, failover) is not done yet: this supervisor serves a single node.
 */
public final class PipelineSupervisorVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineSupervisorVerticle.class);

  private final Stores stores;
  private final com.softdew.vms.control.tenant.TenantDirectory tenants;
  private final CameraService cameras;
  private final java.util.function.Supplier<ConfigService> config;
  private final Path dataDir;
  private final int maxCameras;
  private final MeterRegistry registry;
  private final Map<String, CameraPipeline> running = new ConcurrentHashMap<>();
  private final Map<String, String> signature = new ConcurrentHashMap<>();
  private JobDispatcher dispatcher;
  private SegmentStore segments;
  private boolean reconciling;
  private boolean again;

  public PipelineSupervisorVerticle(Stores stores, com.softdew.vms.control.tenant.TenantDirectory tenants, CameraService cameras,
      java.util.function.Supplier<ConfigService> config, Path dataDir, int maxCameras, MeterRegistry registry) {
    this.stores = stores;
    this.tenants = tenants;
    this.cameras = cameras;
    this.config = config;
    this.dataDir = dataDir;
    this.maxCameras = maxCameras;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    segments = new SegmentStore(dataDir);
    return JobDispatcher.create(vertx, stores, segments, JobDispatcher.Options.defaults(), registry).map(d -> {
      dispatcher = d;
      vertx.eventBus().consumer(Addresses.CAMERA_CHANGED, m -> reconcile());
      vertx.eventBus().consumer(Addresses.CONFIG_CHANGED, m -> reconcile());
      vertx.eventBus().consumer(Addresses.LICENCE_STATE, m -> reconcile()); // an expired licence stops ingest, a renewal resumes it
      vertx.setPeriodic(60_000, id -> reconcile());
      reconcile();
      return null;
    });
  }

  @Override
  public Future<?> stop() {
    List<CameraPipeline> all = List.copyOf(running.values());
    running.clear();
    return vertx.executeBlocking(() -> {
      all.forEach(CameraPipeline::close);
      return null;
    }).compose(v -> dispatcher == null ? Future.succeededFuture() : dispatcher.close());
  }

  public Set<String> runningCameras() {
    return Set.copyOf(running.keySet());
  }

  /** Brings the running pipelines in line with the registry and the configuration (one pass at a time). */
  public Future<Void> reconcile() {
    if (reconciling) {
      again = true;
      return Future.succeededFuture();
    }
    reconciling = true;
    return cameras.probeTargets().compose(targets -> {
      Map<String, CameraService.ProbeTarget> wanted = new HashMap<>();
      List<Future<Void>> checks = new java.util.ArrayList<>();
      for (CameraService.ProbeTarget t : targets) {
        if (t.rtspMain().isEmpty() || tenants.readOnly(t.tenantId())) continue;
        checks.add(cameras.siteOf(t.tenantId(), t.cameraId()).compose(site -> config.get().effective(t.tenantId(), site, t.cameraId()))
            .map(eff -> {
              Map<String, Priority> models = enabledModels(eff.getJsonObject("effective"));
              if (!models.isEmpty()) {
                String key = t.tenantId() + "/" + t.cameraId();
                synchronized (wanted) {
                  if (wanted.size() < maxCameras) {
                    wanted.put(key, t);
                  } else {
                    overLimit.incrementAndGet();
                  }
                }
                pendingModels.put(key, models);
                pendingVideo.put(key, eff.getJsonObject("effective").getJsonObject("video"));
              }
              return (Void) null;
            }).recover(e -> {
              LOG.warn("pipeline of {} of {}: configuration unavailable: {}", t.cameraId(), t.tenantId(), e.getMessage());
              return Future.succeededFuture();
            }));
      }
      return Future.join(checks).compose(v -> {
        int over = overLimit.getAndSet(0);
        if (over > 0) LOG.warn("{} camera(s) with enabled models left without a pipeline: pipeline.maxCameras={} reached on this node", over, maxCameras);
        pendingModels.keySet().retainAll(wanted.keySet());
        pendingVideo.keySet().retainAll(wanted.keySet());
        return apply(wanted);
      });
    }).onComplete(ar -> {
      reconciling = false;
      if (ar.failed()) LOG.warn("pipeline reconciliation failed: {}", ar.cause().getMessage());
      if (again) {
        again = false;
        reconcile();
      }
    }).mapEmpty();
  }

  private final java.util.concurrent.atomic.AtomicInteger overLimit = new java.util.concurrent.atomic.AtomicInteger();
  private final Map<String, Map<String, Priority>> pendingModels = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> pendingVideo = new ConcurrentHashMap<>();

  private Future<Void> apply(Map<String, CameraService.ProbeTarget> wanted) {
    List<Future<Void>> steps = new java.util.ArrayList<>();
    Set<String> stop = new HashSet<>(running.keySet());
    for (Map.Entry<String, CameraService.ProbeTarget> e : wanted.entrySet()) {
      String key = e.getKey();
      CameraService.ProbeTarget t = e.getValue();
      Map<String, Priority> models = pendingModels.get(key);
      JsonObject video = pendingVideo.getOrDefault(key, new JsonObject());
      int length = video.getJsonObject("segment", new JsonObject()).getInteger("lengthSeconds", 5);
      double overlap = video.getJsonObject("segment", new JsonObject()).getDouble("overlapSeconds", 1.0);
      String sig = models + "|" + length + "|" + overlap + "|" + t.rtspMain() + "|" + t.rtspSub() + "|" + t.username();
      if (sig.equals(signature.get(key)) && running.containsKey(key)) {
        stop.remove(key);
        continue;
      }
      signature.put(key, sig);
      CameraPipeline old = running.remove(key);
      String url = t.rtspSub() == null || t.rtspSub().isEmpty() ? t.rtspMain() : t.rtspSub();
      CameraPipeline.Spec spec = new CameraPipeline.Spec(t.tenantId(), t.cameraId(), url, t.username(), t.secret(), models,
          new VideoJob.SourceQuality("unknown", 0, 0, "unknown"), length, Math.min(overlap, length - 0.1));
      steps.add(closeQuietly(old).compose(v -> CameraPipeline.start(vertx, segments, dispatcher, spec, registry)).map(p -> {
        running.put(key, p);
        LOG.info("pipeline of {} started: models {}, {} s segments, {} s overlap", key, models.keySet(), length, overlap);
        return (Void) null;
      }).recover(err -> {
        LOG.warn("pipeline of {} not started: {}", key, err.getMessage());
        return Future.succeededFuture();
      }));
      stop.remove(key);
    }
    for (String key : stop) {
      CameraPipeline p = running.remove(key);
      signature.remove(key);
      steps.add(closeQuietly(p).onSuccess(v -> LOG.info("pipeline of {} stopped (no model enabled, camera disabled or removed)", key)));
    }
    return Future.join(steps).mapEmpty();
  }

  private Future<Void> closeQuietly(CameraPipeline p) {
    if (p == null) return Future.succeededFuture();
    return vertx.executeBlocking(() -> {
      p.close();
      return null;
    });
  }

  /** models.&lt;id&gt;.enabled = true → id with models.&lt;id&gt;.priority. */
  static Map<String, Priority> enabledModels(JsonObject effective) {
    Map<String, Priority> out = new HashMap<>();
    JsonObject models = effective.getJsonObject("models", new JsonObject());
    for (String id : models.fieldNames()) {
      JsonObject m = models.getJsonObject(id);
      if (m != null && Boolean.TRUE.equals(m.getBoolean("enabled"))) out.put(id, Priority.valueOf(m.getString("priority", "STANDARD")));
    }
    return out;
  }
}
