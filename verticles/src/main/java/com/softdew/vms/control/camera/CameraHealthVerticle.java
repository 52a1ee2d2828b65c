package com.softdew.vms.control.camera;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.rtsp.RtspProbe;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every enabled camera: reachable (TCP), authenticated (RTSP DESCRIBE with its credentials, or
 * ISAPI for ISAPI cameras), streaming (a 1.5 s PLAY of the sub stream over RTSP/TCP: frames, fps and
 * kbit/s actually received). At most {@code concurrency} probes run at once;
 * a change is published on {@link Addresses#CAMERA_HEALTH} and to the tenant's browsers
 * ({@code client.tenant.{t}.cameras.status}), never on every probe. Once ingest loops run (edge pipeline
 * issue) they will report the same figures continuously and this PLAY probe becomes the fallback.
 */
public final class CameraHealthVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(CameraHealthVerticle.class);

  private final CameraService cameras;
  private final long periodMs;
  private final int concurrency;
  private final MeterRegistry registry;
  private final Map<String, JsonObject> last = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> upGauges = new ConcurrentHashMap<>();
  private RtspProbe rtsp;
  private long timer = -1;
  private volatile boolean running;

  public CameraHealthVerticle(CameraService cameras, long periodMs, int concurrency, MeterRegistry registry) {
    this.cameras = cameras;
    this.periodMs = periodMs;
    this.concurrency = concurrency;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    rtsp = new RtspProbe(vertx);
    timer = vertx.setPeriodic(periodMs, id -> {
      if (!running) sweep();
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** The last known health of a camera, or null before its first probe. */
  public JsonObject health(String tenantId, String cameraId) {
    return last.get(tenantId + "/" + cameraId);
  }

  /** Probes every camera now (bounded concurrency); completes when all are done. */
  public Future<Integer> sweep() {
    running = true;
    return cameras.probeTargets().compose(targets -> {
      List<Future<Void>> lanes = new ArrayList<>();
      java.util.Iterator<CameraService.ProbeTarget> it = targets.iterator();
      for (int i = 0; i < Math.min(concurrency, targets.size()); i++) lanes.add(lane(it));
      return Future.join(lanes).map(v -> targets.size());
    }).eventually(() -> {
      running = false;
      return Future.succeededFuture();
    });
  }

  private Future<Void> lane(java.util.Iterator<CameraService.ProbeTarget> it) {
    CameraService.ProbeTarget t;
    synchronized (it) {
      if (!it.hasNext()) return Future.succeededFuture();
      t = it.next();
    }
    return probe(t).compose(v -> lane(it));
  }

  /** Probes one camera and records the result. */
  public Future<Void> probe(CameraService.ProbeTarget t) {
    Future<JsonObject> result;
    com.softdew.vms.edge.plugin.CameraPlugin plugin = com.softdew.vms.edge.plugin.CameraPlugins.get(t.plugin());
    if (plugin != null && !t.onvifUrl().isEmpty()) {
      long t0 = System.nanoTime();
      result = plugin.identify(vertx, PtzService.baseUrl(new JsonObject().put("onvifUrl", t.onvifUrl())), t.username(), t.secret())
          .map(d -> new JsonObject().put("reachable", true).put("authenticated", true).put("status", 200).put("error", (String) null)
              .put("device", d))
          .recover(e -> Future.succeededFuture(new JsonObject()
              .put("reachable", plugin.isAuthFailure(e) || plugin.httpStatus(e) > 0)
              .put("authenticated", !plugin.isAuthFailure(e))
              .put("status", plugin.httpStatus(e)).put("error", e.getMessage())))
          .map(j -> j.put("millis", (System.nanoTime() - t0) / 1_000_000).put("via", plugin.id()));
    } else if (!t.rtspMain().isEmpty()) {
      // a short PLAY of the sub stream (main when there is none): what really arrives, not only that it answers
      String url = t.rtspSub() == null || t.rtspSub().isEmpty() ? t.rtspMain() : t.rtspSub();
      result = rtsp.measure(url, t.username(), t.secret(), java.time.Duration.ofMillis(1500)).map(m -> {
        RtspProbe.Result r = m.describe();
        return new JsonObject().put("reachable", r.reachable()).put("authenticated", r.authenticated()).put("status", r.status())
            .put("codecs", r.codecs()).put("millis", r.millis()).put("error", r.error() != null ? r.error() : m.error()).put("via", "rtsp")
            .put("streaming", m.frames() > 0).put("fps", Math.round(m.fps() * 10) / 10.0).put("kbps", Math.round(m.kbps()))
            .put("firstFrameMillis", m.firstPacketMillis()).put("stream", url);
      });
    } else {
      result = Future.succeededFuture(new JsonObject().put("reachable", false).put("authenticated", false).put("status", 0)
          .put("error", "no stream URL to probe").put("via", "none"));
    }
    return result.map(h -> {
      h.put("tenantId", t.tenantId()).put("cameraId", t.cameraId()).put("at", Instant.now().toString());
      boolean up = h.getBoolean("reachable") && h.getBoolean("authenticated") && h.getString("error") == null;
      h.put("state", up ? "UP" : !h.getBoolean("reachable") ? "UNREACHABLE" : !h.getBoolean("authenticated") ? "AUTH_FAILED"
          : Boolean.FALSE.equals(h.getBoolean("streaming")) && h.getInteger("status", 0) == 200 ? "NO_VIDEO" : "ERROR");
      String key = t.tenantId() + "/" + t.cameraId();
      JsonObject before = last.put(key, h);
      gauge(t).set(up ? 1 : 0);
      if (before == null || !Objects.equals(before.getString("state"), h.getString("state"))) {
        LOG.info("camera {} of {}: {}{}", t.cameraId(), t.tenantId(), h.getString("state"), h.getString("error") == null ? "" : " (" + h.getString("error") + ")");
        vertx.eventBus().publish(Addresses.CAMERA_HEALTH, h);
        vertx.eventBus().publish(Addresses.clientCameraStatus(t.tenantId()), h);
      }
      return null;
    });
  }

  private AtomicInteger gauge(CameraService.ProbeTarget t) {
    return upGauges.computeIfAbsent(t.tenantId() + "/" + t.cameraId(), k -> {
      AtomicInteger g = new AtomicInteger();
      if (registry != null) registry.gauge("vms.camera.up", Tags.of("tenant", t.tenantId(), "camera", t.cameraId()), g);
      return g;
    });
  }
}
