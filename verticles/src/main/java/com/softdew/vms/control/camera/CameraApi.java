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
import io.vertx.openapi.validation.RequestParameter;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/** REST handlers of /api/v1/cameras. */
public final class CameraApi {
  private final Vertx vertx;
  private final CameraService cameras;
  private final Supplier<ConfigService> config;

  public CameraApi(Vertx vertx, CameraService cameras, Supplier<ConfigService> config) {
    this.vertx = vertx;
    this.cameras = cameras;
    this.config = config;
  }

  static String query(RoutingContext ctx, String name) {
    RequestParameter p = OpenApiRouter.validated(ctx).getQuery().get(name);
    return p == null || p.isNull() ? null : p.getString();
  }

  static String path(RoutingContext ctx) {
    return OpenApiRouter.validated(ctx).getPathParameters().get("cameraId").getString();
  }

  /** The caller's tenant, or (platform operator) the ?tenantId= it names. */
  static String tenant(RoutingContext ctx) {
    Principal p = ApiSecurity.require(ctx);
    String asked = query(ctx, "tenantId");
    if (asked == null) {
      if (p.role().platform()) throw ApiException.invalid("tenantId", "is required for the platform operator");
      return p.tenantId();
    }
    if (!p.mayAccessTenant(asked)) throw ApiException.notFound("no such resource");
    return asked;
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
    return h;
  }

  private static void reply(RoutingContext ctx, int status, Future<?> f) {
    f.onSuccess(v -> PlatformRouter.json(ctx, status, v)).onFailure(ctx::fail);
  }
}
