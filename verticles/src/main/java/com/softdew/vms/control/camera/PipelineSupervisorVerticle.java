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
 * ({@code models.<id>.enabled}) or records a stream ({@code recording.mainStream}, {@code recording.sub.enabled}),
 * and whose tenant's licence is valid; analytics on its sub stream (main when there is none), with the
 * configured segment length/overlap, normalisation, ring size and, per model, priority and {@code onDegraded}.
 * Recording: the {@code recording.*} keys (modes per stream, pre/post roll, event types, the weekly schedule,
 * validated here: an invalid value leaves that stream unrecorded and is logged naming the key) and the tenant's
 * time zone go into {@link CameraPipeline.Recording}; the camera's ONVIF URL goes into the spec. Recomputed at start, every minute, and on every camera,
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
              var info = tenants.get(t.tenantId());
              CameraPipeline.Spec spec = spec(t, sub ? t.rtspSub() : t.rtspMain(), e, q, info == null ? null : info.timeZone());
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

  /** As {@link #spec(CameraService.ProbeTarget, String, JsonObject, VideoJob.SourceQuality, String)} in UTC. */
  static CameraPipeline.Spec spec(CameraService.ProbeTarget t, String url, JsonObject effective, VideoJob.SourceQuality declared) {
    return spec(t, url, effective, declared, null);
  }

  /**
   * The pipeline spec of a camera from its effective configuration and its tenant's time zone; null when no model is
   * enabled and nothing is recorded.
   */
  static CameraPipeline.Spec spec(CameraService.ProbeTarget t, String url, JsonObject effective, VideoJob.SourceQuality declared,
      String timeZone) {
    Map<String, Priority> models = enabledModels(effective);
    CameraPipeline.Recording recording = recording(t, effective, timeZone);
    if (models.isEmpty() && !recording.on()) return null;
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
    return new CameraPipeline.Spec(t.tenantId(), t.cameraId(), url, t.username(), t.secret(), models, declared, length,
        overlap, onDegraded, nc, ring, null).withOnvifUrl(t.onvifUrl()).withRecording(recording);
  }

  /**
   * The recorders from the {@code recording.*} keys: main when {@code recording.mainStream}, sub when
   * {@code recording.sub.enabled} and the camera has a sub stream; a stream whose modes are empty is not recorded.
   * The values are validated ({@link CameraPipeline.Recording#modes}); a stream with an invalid one is left out and
   * the error, which names the key, is logged.
   */
  static CameraPipeline.Recording recording(CameraService.ProbeTarget t, JsonObject effective, String timeZone) {
    JsonObject rec = effective.getJsonObject("recording", new JsonObject());
    JsonObject main = rec.getJsonObject("main", new JsonObject()), sub = rec.getJsonObject("sub", new JsonObject());
    String mainUrl = rec.getBoolean("mainStream", false) && t.rtspMain() != null && !t.rtspMain().isEmpty() ? t.rtspMain() : null;
    String subUrl = sub.getBoolean("enabled", false) && t.rtspSub() != null && !t.rtspSub().isEmpty() ? t.rtspSub() : null;
    CameraPipeline.Recording r = new CameraPipeline.Recording(mainUrl, strings(main, "modes", List.of("continuous")), subUrl,
        strings(sub, "modes", List.of("continuous")), rec.getInteger("segmentSeconds", 10), rec.getInteger("preRollSeconds", 10),
        rec.getInteger("postRollSeconds", 10), strings(rec, "eventTypes", List.of()), strings(rec, "schedule", List.of()), timeZone);
    for (String stream : List.of("main", "sub")) {
      if ("main".equals(stream) ? r.mainUrl() == null : r.subUrl() == null) continue;
      boolean never;
      try {
        never = r.modes(stream).never();
      } catch (IllegalArgumentException e) {
        LOG.error("camera {} of {}: {} stream not recorded: {}", t.cameraId(), t.tenantId(), stream, e.getMessage());
        never = true;
      }
      if (never) {
        r = "main".equals(stream)
            ? new CameraPipeline.Recording(null, r.mainModes(), r.subUrl(), r.subModes(), r.segmentSeconds(), r.preRollSeconds(),
                r.postRollSeconds(), r.eventTypes(), r.schedule(), r.timeZone())
            : new CameraPipeline.Recording(r.mainUrl(), r.mainModes(), null, r.subModes(), r.segmentSeconds(), r.preRollSeconds(),
                r.postRollSeconds(), r.eventTypes(), r.schedule(), r.timeZone());
      }
    }
    return r;
  }

  private static List<String> strings(JsonObject o, String key, List<String> dflt) {
    Object v = o.getValue(key);
    Iterable<?> items = v instanceof io.vertx.core.json.JsonArray a ? a : v instanceof List<?> l ? l : null;
    if (items == null) return dflt;
    List<String> out = new ArrayList<>();
    for (Object x : items) out.add(String.valueOf(x));
    return out;
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
