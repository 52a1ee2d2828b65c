package com.softdew.vms.control.webhook;

import com.softdew.vms.control.auth.ApiSecurity;
import com.softdew.vms.control.auth.Principal;
import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.http.OpenApiRouter;
import com.softdew.vms.platform.http.PlatformRouter;
import com.softdew.vms.platform.store.AuditLog;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * REST handlers of /api/v1/webhooks (tag webhooks). Reads need {@code config.read}, changes {@code config.write}.
 * The tenant is the caller's (a platform operator names it with ?tenantId=); another tenant's subscription or dead
 * letter answers 404. Every change is audited (webhook.create, webhook.update, webhook.delete, webhook.rotate-secret, webhook.retry).
 */
public final class WebhookApi {
  public static final int MAX_URL = 2048;
  /** How long the previous secret keeps signing after a rotation. */
  public static final java.time.Duration ROTATION_OVERLAP = java.time.Duration.ofHours(24);

  private final WebhookStore store;
  private final Supplier<WebhookDeliveryVerticle> delivery;
  private final AuditLog audit;

  public WebhookApi(WebhookStore store, Supplier<WebhookDeliveryVerticle> delivery, AuditLog audit) {
    this.store = store;
    this.delivery = delivery;
    this.audit = audit;
  }

  /** http(s), a host, no user info (credentials), no fragment. */
  static String checkUrl(String url) {
    if (url == null || url.isBlank()) throw ApiException.invalid("url", "is required");
    if (url.length() > MAX_URL) throw ApiException.invalid("url", "is longer than " + MAX_URL + " characters");
    URI u;
    try {
      u = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw ApiException.invalid("url", "is not a valid URI: " + e.getReason());
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) throw ApiException.invalid("url", "must be an http or https URL");
    if (u.getRawUserInfo() != null) throw ApiException.invalid("url", "must not carry credentials (user info); the payload is signed instead");
    if (u.getHost() == null || u.getHost().isEmpty()) throw ApiException.invalid("url", "must name a host");
    if (u.getRawFragment() != null) throw ApiException.invalid("url", "must not have a fragment");
    return u.toString();
  }

  /** The fields of a create/patch body, checked beyond the contract's schema. */
  static JsonObject fields(JsonObject b, boolean create, JsonObject old) {
    JsonObject out = new JsonObject();
    if (create || b.containsKey("url")) out.put("url", checkUrl(b.getString("url")));
    for (String k : new String[] {"eventTypes", "priorities", "sites", "cameras"}) {
      if (b.containsKey(k)) out.put(k, dedupe(b.getJsonArray(k)));
      else if (create) out.put(k, new JsonArray());
    }
    if (b.containsKey("enabled")) {
      out.put("enabled", b.getBoolean("enabled"));
      if (b.getBoolean("enabled")) out.putNull("disabledReason");
    }
    JsonArray sites = out.containsKey("sites") ? out.getJsonArray("sites") : old == null ? null : old.getJsonArray("sites");
    JsonArray cams = out.containsKey("cameras") ? out.getJsonArray("cameras") : old == null ? null : old.getJsonArray("cameras");
    if (sites != null && !sites.isEmpty() && cams != null && !cams.isEmpty()) {
      throw ApiException.invalid(b.containsKey("cameras") ? "cameras" : "sites", "cannot be combined with a sites/cameras filter: filter by sites or by cameras");
    }
    return out;
  }

  private static JsonArray dedupe(JsonArray a) {
    JsonArray o = new JsonArray();
    if (a != null) a.forEach(v -> {
      if (!o.contains(v)) o.add(v);
    });
    return o;
  }

  static String tenant(RoutingContext ctx) {
    return ApiSecurity.targetTenant(ctx, OpenApiRouter.query(ctx, "tenantId"));
  }

  static String path(RoutingContext ctx, String name) {
    return OpenApiRouter.validated(ctx).getPathParameters().get(name).getString();
  }

  static int intQuery(RoutingContext ctx, String name, int dflt) {
    String v = OpenApiRouter.query(ctx, name);
    return v == null ? dflt : Integer.parseInt(v);
  }

  private Future<JsonObject> existing(String t, String id) {
    return store.get(t, id).compose(s -> s == null ? Future.failedFuture(ApiException.notFound("no webhook subscription " + id)) : Future.succeededFuture(s));
  }

  private Future<Void> audited(RoutingContext ctx, String t, String action, String target, Object old, Object now) {
    Principal p = ApiSecurity.require(ctx);
    return audit.append(new AuditLog.AuditEntry(t, p.actor(), action, target, old, now, ApiSecurity.clientIp(ctx))).mapEmpty();
  }

  private void changed(String t, String id, boolean drop) {
    WebhookDeliveryVerticle d = delivery.get();
    if (d != null) d.invalidate(t, id, drop);
  }

  public Map<String, Handler<RoutingContext>> handlers() {
    Map<String, Handler<RoutingContext>> h = new HashMap<>();
    h.put("createWebhook", ctx -> {
      String t = tenant(ctx);
      JsonObject in = fields(OpenApiRouter.validated(ctx).getBody().getJsonObject(), true, null);
      reply(ctx, 201, store.create(t, in).compose(created -> {
        JsonObject logged = created.copy();
        logged.remove("secret");
        changed(t, created.getString("id"), false);
        return audited(ctx, t, "webhook.create", "webhook:" + created.getString("id"), null, logged).map(created);
      }));
    });
    h.put("listWebhooks", ctx -> {
      String t = tenant(ctx);
      reply(ctx, 200, store.list(t).map(l -> new JsonArray(l.stream().map(WebhookStore::view).toList())));
    });
    h.put("getWebhook", ctx -> {
      String t = tenant(ctx);
      reply(ctx, 200, existing(t, path(ctx, "webhookId")));
    });
    h.put("updateWebhook", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx, "webhookId");
      JsonObject body = OpenApiRouter.validated(ctx).getBody().getJsonObject();
      reply(ctx, 200, existing(t, id).compose(old -> {
        JsonObject set = fields(body, false, old);
        return store.update(t, id, set).compose(now -> {
          if (now == null) return Future.failedFuture(ApiException.notFound("no webhook subscription " + id));
          changed(t, id, !now.getBoolean("enabled", true)); // a new url applies to pending deliveries at their next attempt
          return audited(ctx, t, "webhook.update", "webhook:" + id, old, now).map(now);
        });
      }));
    });
    h.put("deleteWebhook", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx, "webhookId");
      existing(t, id).compose(old -> store.delete(t, id).compose(x -> {
        changed(t, id, true);
        return audited(ctx, t, "webhook.delete", "webhook:" + id, old, null);
      })).onSuccess(v -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail);
    });
    h.put("rotateWebhookSecret", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx, "webhookId");
      reply(ctx, 200, store.rotateSecret(t, id, ROTATION_OVERLAP).compose(secret -> {
        if (secret == null) return Future.failedFuture(ApiException.notFound("no webhook subscription " + id));
        return store.get(t, id).compose(now -> audited(ctx, t, "webhook.rotate-secret", "webhook:" + id, null,
            new JsonObject().put("previousSecretUntil", now.getString("previousSecretUntil"))).map(v -> now.copy().put("secret", secret)));
      }));
    });
    h.put("listWebhookDeliveries", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx, "webhookId");
      int limit = intQuery(ctx, "limit", 50);
      int offset = intQuery(ctx, "offset", 0);
      reply(ctx, 200, existing(t, id).compose(s -> store.deliveries(t, id, limit, offset)));
    });
    h.put("listWebhookDeadLetters", ctx -> {
      String t = tenant(ctx);
      int limit = intQuery(ctx, "limit", 50);
      int offset = intQuery(ctx, "offset", 0);
      reply(ctx, 200, store.deadLetters(t, OpenApiRouter.query(ctx, "webhookId"), OpenApiRouter.query(ctx, "state"), limit, offset));
    });
    h.put("retryWebhookDeadLetter", ctx -> {
      String t = tenant(ctx);
      String id = path(ctx, "deadLetterId");
      reply(ctx, 202, store.deadLetterOf(t, id).compose(dl -> {
        if (dl == null) return Future.failedFuture(ApiException.notFound("no dead letter " + id));
        if ("retrying".equals(dl.getString("state"))) return Future.failedFuture(ApiException.conflict("dead letter " + id + " is being retried"));
        return store.raw(t, dl.getString("subscriptionId")).compose(sub -> {
          if (sub == null) return Future.failedFuture(ApiException.conflict("the subscription of dead letter " + id + " was deleted"));
          if (!sub.getBoolean("enabled", true)) return Future.failedFuture(ApiException.conflict("the subscription of dead letter " + id + " is disabled: enable it first"));
          WebhookDeliveryVerticle d = delivery.get();
          if (d == null) return Future.failedFuture(new ApiException(503, "unavailable", "Webhook delivery not running", "webhook delivery is not running on this node", null));
          return d.redeliver(t, sub, dl).compose(v -> audited(ctx, t, "webhook.retry", "webhook:" + sub.getString("id"), null, new JsonObject().put("deadLetterId", id)))
              .map(v -> new JsonObject().put("id", id).put("state", "retrying"));
        });
      }));
    });
    return h;
  }

  private static void reply(RoutingContext ctx, int status, Future<?> f) {
    f.onSuccess(v -> PlatformRouter.json(ctx, status, v)).onFailure(ctx::fail);
  }
}
