package com.softdew.vms.control.config;

import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.http.OpenApiRouter;
import com.softdew.vms.platform.http.PlatformRouter;
import com.softdew.vms.platform.store.ConfigScopeStore.ScopeVersion;
import com.softdew.vms.platform.store.ScopeRef;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import java.util.Map;
import java.util.function.Supplier;

/** REST handlers of /api/v1/config, bound by operationId to the OpenAPI document. */
public final class ConfigApi {
  private final Supplier<ConfigService> service;

  public ConfigApi(Supplier<ConfigService> service) {
    this.service = service;
  }

  public Map<String, Handler<RoutingContext>> handlers() {
    return Map.of(
        "getConfigSchema", ctx -> PlatformRouter.json(ctx, 200, RuntimeConfigSchema.describe(service.get().schema())),
        "getEffectiveConfig", this::effective,
        "getConfigScope", ctx -> reply(ctx, service.get().scope(scope(ctx)).map(v -> {
          if (v == null) throw ApiException.notFound(scope(ctx).label() + " has no configuration document");
          return v.toJson();
        })),
        "replaceConfigScope", ctx -> {
          JsonObject b = body(ctx);
          reply(ctx, service.get().replace(scope(ctx), b.getJsonObject("doc"), b.getInteger("expectedVersion"), actor(ctx), b.getString("note"))
              .map(ScopeVersion::toJson));
        },
        "patchConfigScope", ctx -> {
          JsonObject b = body(ctx);
          reply(ctx, service.get().patch(scope(ctx), b.getJsonObject("patch"), b.getInteger("expectedVersion"), actor(ctx), b.getString("note"))
              .map(ScopeVersion::toJson));
        },
        "listConfigVersions", ctx -> reply(ctx, service.get().history(scope(ctx), intQuery(ctx, "limit", 50), intQuery(ctx, "offset", 0))
            .map(l -> new JsonArray(l.stream().map(ScopeVersion::toJson).toList()))),
        "rollbackConfigScope", ctx -> {
          JsonObject b = body(ctx);
          reply(ctx, service.get().rollback(scope(ctx), b.getInteger("version"), actor(ctx), b.getString("note")).map(ScopeVersion::toJson));
        },
        "refreshConfigScope", ctx -> service.get().invalidate(scope(ctx))
            .onSuccess(v -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail));
  }

  private void effective(RoutingContext ctx) {
    String customer = query(ctx, "customerId");
    String site = query(ctx, "siteId");
    String camera = query(ctx, "cameraId");
    if (customer == null && (site != null || camera != null)) {
      throw ApiException.invalid("customerId", "is required with siteId or cameraId (sites and cameras belong to a customer)");
    }
    reply(ctx, service.get().effective(customer, site, camera));
  }

  /** Who made a change. Until JWT auth lands (tenancy issue) the client address is all we know. */
  static String actor(RoutingContext ctx) {
    return "anonymous@" + ctx.request().remoteAddress().hostAddress();
  }

  private static ScopeRef scope(RoutingContext ctx) {
    ValidatedRequest r = OpenApiRouter.validated(ctx);
    return ScopeParser.parse("scope", r.getPathParameters().get("scope").getString());
  }

  private static JsonObject body(RoutingContext ctx) {
    return OpenApiRouter.validated(ctx).getBody().getJsonObject();
  }

  private static String query(RoutingContext ctx, String name) {
    RequestParameter p = OpenApiRouter.validated(ctx).getQuery().get(name);
    return p == null || p.isNull() ? null : p.getString();
  }

  private static int intQuery(RoutingContext ctx, String name, int def) {
    RequestParameter p = OpenApiRouter.validated(ctx).getQuery().get(name);
    return p == null || p.isNull() ? def : p.getInteger();
  }

  private static void reply(RoutingContext ctx, Future<?> f) {
    f.onSuccess(v -> PlatformRouter.json(ctx, 200, v)).onFailure(ctx::fail);
  }
}
