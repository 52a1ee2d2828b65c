package com.softdew.vms.platform.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** RFC 7807 problem details, the only error body the HTTP API sends. */
public final class Problem {
  public static final String BASE = "https://vms.softdew.com/problems/";
  public static final String CONTENT_TYPE = "application/problem+json";

  private Problem() {}

  /** {type, title, status, detail, instance} plus extra members (e.g. field). */
  public static JsonObject body(int status, String type, String title, String detail, String instance) {
    JsonObject j = new JsonObject().put("type", BASE + type).put("title", title).put("status", status);
    if (detail != null) j.put("detail", detail);
    if (instance != null) j.put("instance", instance);
    return j;
  }

  public static void send(RoutingContext ctx, int status, String type, String title, String detail, JsonObject extra) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    JsonObject b = body(status, type, title, detail, ctx.request().path());
    if (extra != null) b.mergeIn(extra);
    if (extra != null && extra.getValue("retryAfterSeconds") != null) {
      ctx.response().putHeader("Retry-After", String.valueOf(extra.getValue("retryAfterSeconds")));
    }
    ctx.response().setStatusCode(status).putHeader("content-type", CONTENT_TYPE).end(b.encode());
  }

  /** 400 for a field: the body names it in {@code field} and says why in {@code detail}. */
  public static void invalidField(RoutingContext ctx, String field, String reason) {
    send(ctx, 400, "validation", "Invalid request", field + " " + reason, new JsonObject().put("field", field));
  }
}
