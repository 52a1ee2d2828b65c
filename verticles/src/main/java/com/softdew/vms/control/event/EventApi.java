package com.softdew.vms.control.event;

import com.softdew.vms.control.auth.ApiSecurity;
import com.softdew.vms.control.auth.Principal;
import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.http.OpenApiRouter;
import com.softdew.vms.platform.http.PlatformRouter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * REST handlers of /api/v1/events: list (filters camera, type, status, from/to; paged), one event, and the actions
 * (acknowledge, resolve, false-positive, escalate, tags, notes). Reads need camera.read, actions config.write (see
 * docs/events.md). The tenant comes from the principal (an operator names it with ?tenantId=); another tenant's
 * event answers 404.
 */
public final class EventApi {
  public static final int DEFAULT_LIMIT = 50;

  private final EventActions actions;

  public EventApi(EventActions actions) {
    this.actions = actions;
  }

  static String tenant(RoutingContext ctx) {
    return ApiSecurity.targetTenant(ctx, OpenApiRouter.query(ctx, "tenantId"));
  }

  static String eventId(RoutingContext ctx) {
    return OpenApiRouter.validated(ctx).getPathParameters().get("eventId").getString();
  }

  static JsonObject body(RoutingContext ctx) {
    var b = OpenApiRouter.validated(ctx).getBody();
    JsonObject j = b == null || b.isNull() ? null : b.getJsonObject();
    return j == null ? new JsonObject() : j;
  }

  public Map<String, Handler<RoutingContext>> handlers() {
    Map<String, Handler<RoutingContext>> h = new HashMap<>();
    h.put("listEvents", ctx -> {
      String t = tenant(ctx);
      Instant from = OpenApiRouter.instant("from", OpenApiRouter.query(ctx, "from"));
      Instant to = OpenApiRouter.instant("to", OpenApiRouter.query(ctx, "to"));
      if (from != null && to != null && !to.isAfter(from)) throw ApiException.invalid("to", "must be after from");
      String l = OpenApiRouter.query(ctx, "limit");
      String o = OpenApiRouter.query(ctx, "offset");
      int limit = l == null ? DEFAULT_LIMIT : Integer.parseInt(l);
      int offset = o == null ? 0 : Integer.parseInt(o);
      reply(ctx, 200, actions.list(t, OpenApiRouter.query(ctx, "cameraId"), OpenApiRouter.query(ctx, "type"), OpenApiRouter.query(ctx, "status"),
          from, to, limit, offset));
    });
    h.put("getEvent", ctx -> reply(ctx, 200, actions.get(tenant(ctx), eventId(ctx))));
    for (String[] a : new String[][] {{"acknowledgeEvent", "acknowledge"}, {"resolveEvent", "resolve"}, {"markEventFalsePositive", "false-positive"}}) {
      h.put(a[0], ctx -> {
        Principal p = ApiSecurity.require(ctx);
        reply(ctx, 200, actions.transition(tenant(ctx), eventId(ctx), a[1], p.actor(), ApiSecurity.clientIp(ctx)));
      });
    }
    h.put("escalateEvent", ctx -> {
      Principal p = ApiSecurity.require(ctx);
      reply(ctx, 200, actions.escalate(tenant(ctx), eventId(ctx), body(ctx).getString("reason"), p.actor(), ApiSecurity.clientIp(ctx)));
    });
    h.put("tagEvent", ctx -> {
      Principal p = ApiSecurity.require(ctx);
      JsonObject b = body(ctx);
      reply(ctx, 200, actions.tags(tenant(ctx), eventId(ctx), EventActions.strings(b.getJsonArray("add")), EventActions.strings(b.getJsonArray("remove")),
          p.actor(), ApiSecurity.clientIp(ctx)));
    });
    h.put("addEventNote", ctx -> {
      Principal p = ApiSecurity.require(ctx);
      JsonObject b = body(ctx);
      reply(ctx, 201, actions.note(tenant(ctx), eventId(ctx), b.getString("text"), b.getString("replyTo"), p.actor(), ApiSecurity.clientIp(ctx)));
    });
    return h;
  }

  private static void reply(RoutingContext ctx, int status, Future<?> f) {
    f.onSuccess(v -> PlatformRouter.json(ctx, status, v)).onFailure(ctx::fail);
  }
}
