package com.softdew.vms.control.config;

import com.softdew.vms.control.auth.ApiSecurity;
import com.softdew.vms.control.auth.Permission;
import com.softdew.vms.control.auth.Principal;
import com.softdew.vms.control.tenant.TenantDirectory;
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
  private final TenantDirectory tenants;
  private final com.softdew.vms.control.camera.CameraService cameras;

  public ConfigApi(Supplier<ConfigService> service, TenantDirectory tenants, com.softdew.vms.control.camera.CameraService cameras) {
    this.service = service;
    this.tenants = tenants;
    this.cameras = cameras;
  }

  /**
   * For a camera scope: every model the change enables must fit what the camera delivers (seed table:
   * resolution, bitrate, segment length, overlap), else 409 {@code model-incompatible} with the reasons.
   * What is not known about the camera (no ONVIF profile read, nothing entered) is not held against it.
   */
  private Future<Void> requirementsMet(ScopeRef ref, JsonObject change) {
    JsonObject models = change == null ? null : change.getJsonObject("models");
    if (ref.level() != ScopeRef.Level.CAMERA || models == null || cameras == null) return Future.succeededFuture();
    java.util.List<String> enabling = models.fieldNames().stream().filter(m -> models.getValue(m) instanceof JsonObject o
        && Boolean.TRUE.equals(o.getValue("enabled"))).toList();
    if (enabling.isEmpty()) return Future.succeededFuture();
    return cameras.quality(ref.tenantId(), ref.id())
        .recover(e -> Future.succeededFuture(new com.softdew.vms.model.VideoJob.SourceQuality("", 0, 0, "")))
        .compose(q -> service.get().effective(ref.tenantId(), null, ref.id()).map(eff -> {
          JsonObject seg = change.getJsonObject("video", new JsonObject()).getJsonObject("segment", new JsonObject());
          double length = seg.getValue("lengthSeconds") instanceof Number n ? n.doubleValue()
              : eff.getJsonObject("effective").getJsonObject("video").getJsonObject("segment").getInteger("lengthSeconds");
          for (String m : enabling) {
            java.util.List<String> reasons = com.softdew.vms.edge.job.ModelRequirements.validate(m, q, length);
            if (!reasons.isEmpty()) {
              throw new ApiException(409, "model-incompatible", "Model cannot run on this camera", String.join("; ", reasons),
                  new JsonObject().put("model", m).put("reasons", new JsonArray(reasons)));
            }
          }
          return null;
        }));
  }

  public Map<String, Handler<RoutingContext>> handlers() {
    return Map.of(
        "getConfigSchema", ctx -> PlatformRouter.json(ctx, 200, RuntimeConfigSchema.describe(service.get().schema())),
        "getEffectiveConfig", this::effective,
        "getConfigScope", ctx -> {
          ScopeRef ref = readable(ctx);
          reply(ctx, service.get().scope(ref).map(v -> {
            if (v == null) throw ApiException.notFound(ref.label() + " has no configuration document");
            return v.toJson();
          }));
        },
        "replaceConfigScope", ctx -> {
          JsonObject b = body(ctx);
          ScopeRef ref = writable(ctx, b.getJsonObject("doc"));
          reply(ctx, requirementsMet(ref, b.getJsonObject("doc")).compose(v -> service.get().replace(ref, b.getJsonObject("doc"), b.getInteger("expectedVersion"), actor(ctx), ip(ctx), b.getString("note")))
              .map(ScopeVersion::toJson));
        },
        "patchConfigScope", ctx -> {
          JsonObject b = body(ctx);
          ScopeRef ref = writable(ctx, b.getJsonObject("patch"));
          reply(ctx, requirementsMet(ref, b.getJsonObject("patch")).compose(v -> service.get().patch(ref, b.getJsonObject("patch"), b.getInteger("expectedVersion"), actor(ctx), ip(ctx), b.getString("note")))
              .map(ScopeVersion::toJson));
        },
        "listConfigVersions", ctx -> reply(ctx, service.get().history(readable(ctx), intQuery(ctx, "limit", 50), intQuery(ctx, "offset", 0))
            .map(l -> new JsonArray(l.stream().map(ScopeVersion::toJson).toList()))),
        "rollbackConfigScope", ctx -> {
          JsonObject b = body(ctx);
          reply(ctx, service.get().rollback(writable(ctx, null), b.getInteger("version"), actor(ctx), ip(ctx), b.getString("note"))
              .map(ScopeVersion::toJson));
        },
        "refreshConfigScope", ctx -> service.get().invalidate(readable(ctx))
            .onSuccess(v -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail));
  }

  /** A scope the caller may read: the system scope, or a scope of its own tenant (404 otherwise). */
  private ScopeRef readable(RoutingContext ctx) {
    ScopeRef ref = scope(ctx);
    if (ref.level() != ScopeRef.Level.SYSTEM) ApiSecurity.requireTenant(ctx, ref.tenantId());
    return ref;
  }

  /**
   * A scope the caller may change: the system scope needs config.system.write; a tenant scope needs
   * the caller's tenant, and every model it enables must be in that tenant's licence (403).
   */
  private ScopeRef writable(RoutingContext ctx, JsonObject change) {
    ScopeRef ref = readable(ctx);
    Principal p = ApiSecurity.require(ctx);
    if (ref.level() == ScopeRef.Level.SYSTEM) {
      if (!Permission.CONFIG_SYSTEM_WRITE.grantedTo(p.role())) {
        throw new ApiException(403, "forbidden", "Forbidden", "the system scope needs permission " + Permission.CONFIG_SYSTEM_WRITE.id(), null);
      }
      return ref;
    }
    JsonObject models = change == null ? null : change.getJsonObject("models");
    if (models != null) {
      for (String m : models.fieldNames()) {
        Object enabled = models.getValue(m) instanceof JsonObject o ? o.getValue("enabled") : null;
        if (Boolean.TRUE.equals(enabled)) tenants.requireModelLicensed(ref.tenantId(), m);
      }
    }
    return ref;
  }

  private void effective(RoutingContext ctx) {
    Principal p = ApiSecurity.require(ctx);
    String customer = query(ctx, "customerId");
    if (customer == null && !p.role().platform() && (query(ctx, "siteId") != null || query(ctx, "cameraId") != null)) customer = p.tenantId();
    if (customer != null) ApiSecurity.requireTenant(ctx, customer);
    String site = query(ctx, "siteId");
    String camera = query(ctx, "cameraId");
    if (customer == null && (site != null || camera != null)) {
      throw ApiException.invalid("customerId", "is required with siteId or cameraId (sites and cameras belong to a customer)");
    }
    reply(ctx, service.get().effective(customer, site, camera));
  }

  /** Who made a change: the authenticated user. */
  static String actor(RoutingContext ctx) {
    return ApiSecurity.require(ctx).actor();
  }

  static String ip(RoutingContext ctx) {
    return ApiSecurity.clientIp(ctx);
  }

  private static ScopeRef scope(RoutingContext ctx) {
    ValidatedRequest r = OpenApiRouter.validated(ctx);
    return ScopeParser.parse("scope", r.getPathParameters().get("scope").getString());
  }

  private static JsonObject body(RoutingContext ctx) {
    return OpenApiRouter.validated(ctx).getBody().getJsonObject();
  }

  private static String query(RoutingContext ctx, String name) {
    return OpenApiRouter.query(ctx, name);
  }

  private static int intQuery(RoutingContext ctx, String name, int def) {
    RequestParameter p = OpenApiRouter.validated(ctx).getQuery().get(name);
    return p == null || p.isNull() ? def : p.getInteger();
  }

  private static void reply(RoutingContext ctx, Future<?> f) {
    f.onSuccess(v -> PlatformRouter.json(ctx, 200, v)).onFailure(ctx::fail);
  }
}
