package com.softdew.vms.control.camera;

import com.softdew.vms.control.auth.ApiSecurity;
import com.softdew.vms.control.auth.Principal;
import com.softdew.vms.control.config.ConfigService;
import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.http.OpenApiRouter;
import com.softdew.vms.platform.http.PlatformRouter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/** REST handlers of /api/v1/cameras. */
public final class CameraApi {
  private final Vertx vertx;
  private final CameraService cameras;
  private final Supplier<ConfigService> config;
  private final PtzService ptz;
  private final CameraHealthVerticle health;

  public CameraApi(Vertx vertx, CameraService cameras, Supplier<ConfigService> config, PtzService ptz, CameraHealthVerticle health) {
    this.health = health;
    this.vertx = vertx;
    this.cameras = cameras;
    this.config = config;
    this.ptz = ptz;
  }

  private static JsonObject body(RoutingContext ctx) {
    var b = OpenApiRouter.validated(ctx).getBody();
    return b == null || b.isNull() ? new JsonObject() : b.getJsonObject();
  }

  private void ptzHandlers(Map<String, Handler<RoutingContext>> h) {
    h.put("ptzMove", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx);
      JsonObject b = body(ctx);
      double pan = b.getDouble("pan", 0.0);
      double tilt = b.getDouble("tilt", 0.0);
      double zoom = b.getDouble("zoom", 0.0);
      ptz.stopTour(t, id); // a manual move takes over from a tour
      reply(ctx, 200, ptz.driver(t, id).compose(d -> PtzService.camera(id, switch (b.getString("mode")) {
        case "continuous" -> d.continuousMove(pan, tilt, zoom);
        case "absolute" -> d.absoluteMove(new com.softdew.vms.edge.ptz.PtzDriver.Position(pan, tilt, zoom));
        default -> d.relativeMove(pan, tilt, zoom);
      }).compose(v -> PtzService.camera(id, d.status()))).map(CameraApi::position));
    });
    h.put("ptzStop", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx);
      ptz.stopTour(t, id);
      reply(ctx, 200, ptz.driver(t, id).compose(d -> PtzService.camera(id, d.stop()).compose(v -> PtzService.camera(id, d.status())))
          .map(CameraApi::position));
    });
    h.put("ptzStatus", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx);
      reply(ctx, 200, ptz.driver(t, id).compose(d -> PtzService.camera(id, d.status())).map(p -> position(p)
          .put("tourRunning", ptz.tours().isRunning(t + "/" + id))));
    });
    h.put("ptzListPresets", ctx -> {
      String id = path(ctx);
      reply(ctx, 200, ptz.driver(tenant(ctx), id).compose(d -> PtzService.camera(id, d.presets()))
          .map(l -> new io.vertx.core.json.JsonArray(l.stream().map(p -> new JsonObject().put("presetId", p.id()).put("name", p.name())).toList())));
    });
    h.put("ptzSetPreset", ctx -> {
      String id = path(ctx);
      JsonObject b = body(ctx);
      reply(ctx, 201, ptz.driver(tenant(ctx), id).compose(d -> PtzService.camera(id, d.setPreset(b.getString("presetId"), b.getString("name"))))
          .map(pid -> new JsonObject().put("presetId", pid).put("name", b.getString("name"))));
    });
    h.put("ptzRemovePreset", ctx -> {
      String id = path(ctx);
      String preset = OpenApiRouter.validated(ctx).getPathParameters().get("presetId").getString();
      ptz.driver(tenant(ctx), id).compose(d -> PtzService.camera(id, d.removePreset(preset)))
          .onSuccess(v -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail);
    });
    h.put("ptzGotoPreset", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx);
      String preset = OpenApiRouter.validated(ctx).getPathParameters().get("presetId").getString();
      ptz.stopTour(t, id);
      reply(ctx, 200, ptz.driver(t, id).compose(d -> PtzService.camera(id, d.gotoPreset(preset)).compose(v -> PtzService.camera(id, d.status())))
          .map(CameraApi::position));
    });
    h.put("ptzStartTour", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx);
      var steps = body(ctx).getJsonArray("steps").stream().map(o -> (JsonObject) o)
          .map(o -> new com.softdew.vms.edge.ptz.PtzTourRunner.Step(o.getString("presetId"), java.time.Duration.ofMillis(
              Math.round(o.getDouble("dwellSeconds") * 1000)))).toList();
      reply(ctx, 200, ptz.driver(t, id).map(d -> {
        ptz.startTour(t, id, d, steps);
        return new JsonObject().put("tourRunning", true).put("steps", steps.size());
      }));
    });
    h.put("ptzStopTour", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx);
      reply(ctx, 200, cameras.get(t, id).map(c -> {
        ptz.stopTour(t, id);
        return new JsonObject().put("tourRunning", false);
      }));
    });
  }

  static JsonObject position(com.softdew.vms.edge.ptz.PtzDriver.Position p) {
    return new JsonObject().put("pan", round(p.pan())).put("tilt", round(p.tilt())).put("zoom", round(p.zoom()));
  }

  static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  static String query(RoutingContext ctx, String name) {
    return OpenApiRouter.query(ctx, name);
  }

  static String path(RoutingContext ctx) {
    return OpenApiRouter.validated(ctx).getPathParameters().get("cameraId").getString();
  }

  /** The caller's tenant, or (platform operator) the ?tenantId= it names. */
  static String tenant(RoutingContext ctx) {
    return ApiSecurity.targetTenant(ctx, query(ctx, "tenantId"));
  }

  public Map<String, Handler<RoutingContext>> handlers() {
    Map<String, Handler<RoutingContext>> h = new HashMap<>();
    h.put("listCameras", ctx -> {
      String limit = query(ctx, "limit");
      String offset = query(ctx, "offset");
      reply(ctx, 200, cameras.list(tenant(ctx), query(ctx, "nodeId"), query(ctx, "tag"), query(ctx, "q"),
          limit == null ? 500 : Integer.parseInt(limit), offset == null ? 0 : Integer.parseInt(offset)));
    });
    h.put("createCamera", ctx -> {
      String t = tenant(ctx);
      CameraInput in = CameraInput.fromJson(OpenApiRouter.validated(ctx).getBody().getJsonObject());
      reply(ctx, 201, cameras.create(ApiSecurity.require(ctx), t, in, ApiSecurity.clientIp(ctx)));
    });
    h.put("getCamera", ctx -> reply(ctx, 200, cameras.get(tenant(ctx), path(ctx))));
    h.put("updateCamera", ctx -> reply(ctx, 200, cameras.update(ApiSecurity.require(ctx), tenant(ctx), path(ctx),
        OpenApiRouter.validated(ctx).getBody().getJsonObject(), ApiSecurity.clientIp(ctx))));
    h.put("deleteCamera", ctx -> cameras.delete(ApiSecurity.require(ctx), tenant(ctx), path(ctx), ApiSecurity.clientIp(ctx))
        .onSuccess(v -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail));
    h.put("getCameraConfig", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx);
      reply(ctx, 200, cameras.siteOf(t, id).compose(site -> config.get().effective(t, site, id)));
    });
    h.put("importCameras", ctx -> {
      String t = tenant(ctx);
      String format = query(ctx, "format");
      boolean allOrNothing = !"valid-only".equals(query(ctx, "mode"));
      byte[] content = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
      Principal p = ApiSecurity.require(ctx);
      // parsing a large workbook is CPU work: off the event loop
      reply(ctx, 200, vertx.executeBlocking(() -> CameraFileParser.parse(format, content))
          .compose(rows -> cameras.importRows(p, t, rows, allOrNothing, ApiSecurity.clientIp(ctx))));
    });
    ptzHandlers(h);
    h.put("getCameraHealth", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx);
      reply(ctx, 200, cameras.get(t, id).map(c -> {
        JsonObject last = health.health(t, id);
        return last != null ? last : new JsonObject().put("tenantId", t).put("cameraId", id).put("state", "UNKNOWN")
            .put("error", "not probed yet");
      }));
    });
    h.put("checkCameraHealth", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx);
      reply(ctx, 200, cameras.probeTargets().compose(all -> {
        var target = all.stream().filter(x -> x.tenantId().equals(t) && x.cameraId().equals(id)).findFirst();
        if (target.isEmpty()) return Future.failedFuture(ApiException.notFound("no enabled camera " + id));
        return health.probe(target.get()).map(v -> health.health(t, id));
      }));
    });
    return h;
  }

  private static void reply(RoutingContext ctx, int status, Future<?> f) {
    f.onSuccess(v -> PlatformRouter.json(ctx, status, v)).onFailure(ctx::fail);
  }
}
