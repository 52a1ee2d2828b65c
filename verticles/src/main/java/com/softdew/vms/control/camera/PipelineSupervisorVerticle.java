package com.softdew.vms.control.camera;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.config.ConfigService;
import com.softdew.vms.edge.normalize.FrameNormalizer;
import com.softdew.vms.edge.pipeline.CameraPipeline;
import com.softdew.vms.edge.pipeline.PipelineAssignerVerticle;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which camera pipelines the cluster runs, and hands them to the {@link PipelineAssignerVerticle}
 * (deployed as its child), which places each on exactly one live pipeline agent (edge nodes, and the
 * all-in-one node itself) and moves them when agents join or leave.
 *
 * <p>Wanted: a registered, enabled camera whose effective configuration enables at least one model
 * ({@code models.<id>.enabled}) and whose tenant's licence is valid, on its sub stream (main when there
 * is none), with the configured segment length/overlap, normalisation, ring size and, per model,
 * priority and {@code onDegraded}. Recomputed at start, every minute, and on every camera,
 * configuration or licence-state change (the licence watcher publishes within 30 s of an expiry).
 * The specs carry the camera credentials to the agent over the bus (see docs/edge-pipeline.md: TLS).
 */
public final class PipelineSupervisorVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineSupervisorVerticle.class);

  private final com.softdew.vms.control.tenant.TenantDirectory tenants;
  private final CameraService cameras;
  private final java.util.function.Supplier<ConfigService> config;
  private final PipelineAssignerVerticle.Settings settings;
  private final MeterRegistry registry;
  private PipelineAssignerVerticle assigner;
  private volatile Map<String, JsonObject> wanted = Map.of();
  private boolean reconciling;
  private boolean again;

  public PipelineSupervisorVerticle(com.softdew.vms.control.tenant.TenantDirectory tenants, CameraService cameras,
      java.util.function.Supplier<ConfigService> config, PipelineAssignerVerticle.Settings settings, MeterRegistry registry) {
    this.tenants = tenants;
    this.cameras = cameras;
    this.config = config;
    this.settings = settings;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    assigner = new PipelineAssignerVerticle(settings, registry);
    return vertx.deployVerticle(assigner).map(id -> {
      vertx.eventBus().consumer(Addresses.CAMERA_CHANGED, m -> reconcile());
      vertx.eventBus().consumer(Addresses.CONFIG_CHANGED, m -> reconcile());
      vertx.eventBus().consumer(Addresses.LICENCE_STATE, m -> reconcile()); // an expired licence stops ingest, a renewal resumes it
      vertx.setPeriodic(60_000, t -> reconcile());
      reconcile();
      return null;
    });
  }

  /** The assigner (lease holder or standby) of this control node. */
  public PipelineAssignerVerticle assigner() {
    return assigner;
  }

  /** tenant/camera of the pipelines the live agents report running. */
  public Set<String> runningCameras() {
    return assigner == null ? Set.of() : assigner.runningCameras();
  }

  /** tenant/camera of the cameras that should have a pipeline. */
  public Set<String> wantedCameras() {
    return Set.copyOf(wanted.keySet());
  }

  /** Recomputes the wanted pipelines and hands them to the assigner (one pass at a time). */
  public Future<Void> reconcile() {
    if (reconciling) {
      again = true;
      return Future.succeededFuture();
    }
    reconciling = true;
    return cameras.probeTargets().compose(targets -> {
      Map<String, JsonObject> out = new TreeMap<>();
      List<Future<Void>> checks = new ArrayList<>();
      for (CameraService.ProbeTarget t : targets) {
        if (t.rtspMain() == null || t.rtspMain().isEmpty() || tenants.readOnly(t.tenantId())) continue;
        boolean sub = t.rtspSub() != null && !t.rtspSub().isEmpty();
        Future<VideoJob.SourceQuality> declared = sub ? Future.succeededFuture(new VideoJob.SourceQuality("", 0, 0, ""))
            : cameras.quality(t.tenantId(), t.cameraId()).recover(e -> Future.succeededFuture(new VideoJob.SourceQuality("", 0, 0, "")));
        checks.add(cameras.siteOf(t.tenantId(), t.cameraId()).compose(site -> config.get().effective(t.tenantId(), site, t.cameraId()))
            .compose(eff -> declared.map(q -> {
              JsonObject e = eff.getJsonObject("effective");
              CameraPipeline.Spec spec = spec(t, sub ? t.rtspSub() : t.rtspMain(), e, q);
              if (spec != null) {
                synchronized (out) {
                  out.put(spec.key(), spec.toJson());
                }
              }
              return (Void) null;
            })).recover(e -> {
              LOG.warn("pipeline of {} of {}: configuration unavailable: {}", t.cameraId(), t.tenantId(), e.getMessage());
              return Future.succeededFuture();
            }));
      }
      return Future.join(checks).map(v -> {
        wanted = Map.copyOf(out);
        assigner.setWanted(out);
        return (Void) null;
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

  /** The pipeline spec of a camera from its effective configuration; null when no model is enabled. */
  static CameraPipeline.Spec spec(CameraService.ProbeTarget t, String url, JsonObject effective, VideoJob.SourceQuality declared) {
    Map<String, Priority> models = enabledModels(effective);
    if (models.isEmpty()) return null;
    Map<String, String> onDegraded = new HashMap<>();
    JsonObject m = effective.getJsonObject("models", new JsonObject());
    for (String id : models.keySet()) {
      JsonObject mc = m.getJsonObject(id, new JsonObject());
      onDegraded.put(id, mc.getString("onDegraded", "keep"));
    }
    JsonObject video = effective.getJsonObject("video", new JsonObject());
    JsonObject seg = video.getJsonObject("segment", new JsonObject());
    int length = seg.getInteger("lengthSeconds", 5);
    double overlap = Math.min(seg.getDouble("overlapSeconds", 1.0), length - 0.1);
    JsonObject n = video.getJsonObject("normalize", new JsonObject());
    FrameNormalizer.Config d = FrameNormalizer.Config.DEFAULT;
    FrameNormalizer.Config nc = d.withSize(n.getInteger("width", d.width()), n.getInteger("height", d.height()))
        .withFps(n.getInteger("fps", (int) d.fps())).withFit("crop".equals(n.getString("fit")) ? FrameNormalizer.Fit.CROP : FrameNormalizer.Fit.LETTERBOX);
    int ring = video.getJsonObject("buffer", new JsonObject()).getInteger("frames", 0);
    CameraPipeline.Spec spec = new CameraPipeline.Spec(t.tenantId(), t.cameraId(), url, t.username(), t.secret(), models, declared, length,
        overlap, onDegraded, nc, ring, null);
    JsonObject rec = effective.getJsonObject("recording", new JsonObject());
    if (rec.getBoolean("mainStream", false) && t.rtspMain() != null && !t.rtspMain().isEmpty()) {
      spec = spec.withRecording(t.rtspMain(), rec.getInteger("segmentSeconds", 10));
    }
    return spec;
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
