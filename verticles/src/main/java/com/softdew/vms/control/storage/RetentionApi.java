package com.softdew.vms.control.storage;

import com.softdew.vms.control.auth.ApiSecurity;
import com.softdew.vms.control.auth.Principal;
import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.http.OpenApiRouter;
import com.softdew.vms.platform.http.PlatformRouter;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Retention over HTTP: the dry run (what a janitor would delete now, and why, without deleting) and the storage
 * incidents. A tenant admin sees only its own tenant's candidates and incidents (and no node-wide figures); the
 * platform operator sees every tenant and the node-wide incidents.
 */
public final class RetentionApi {
  private final Supplier<RetentionVerticle> retention;

  public RetentionApi(Supplier<RetentionVerticle> retention) {
    this.retention = retention;
  }

  public Map<String, Handler<RoutingContext>> handlers() {
    Map<String, Handler<RoutingContext>> h = new HashMap<>();
    h.put("retentionDryRun", this::dryRun);
    h.put("listStorageIncidents", this::incidents);
    return h;
  }

  private static String query(RoutingContext ctx, String name) {
    return OpenApiRouter.query(ctx, name);
  }

  private RetentionVerticle verticle() {
    RetentionVerticle r = retention.get();
    if (r == null) throw new ApiException(503, "unavailable", "Retention not running", "the retention service is not deployed on this node", null);
    return r;
  }

  private void dryRun(RoutingContext ctx) {
    Principal p = ApiSecurity.require(ctx);
    String nodeId = query(ctx, "nodeId");
    String b = query(ctx, "bytesToFree");
    long bytesToFree = b == null ? 0 : Long.parseLong(b);
    if (bytesToFree < 0) throw ApiException.invalid("bytesToFree", "must be >= 0");
    String asked = query(ctx, "tenantId");
    String only = p.role().platform() ? asked : p.tenantId();
    if (asked != null && !p.mayAccessTenant(asked)) throw ApiException.notFound("no such resource");
    verticle().planner().plan(nodeId, bytesToFree, Instant.now()).onSuccess(plan -> {
      JsonArray c = new JsonArray();
      long bytes = 0;
      for (RetentionPlanner.Candidate x : plan.candidates()) {
        if (only != null && !only.equals(x.tenantId())) continue;
        c.add(x.toJson());
        bytes += x.bytes();
      }
      JsonObject out = new JsonObject().put("nodeId", nodeId).put("dryRun", true).put("bytesToFree", bytesToFree).put("candidates", c)
          .put("candidateBytes", bytes).put("truncated", plan.truncated());
      if (p.role().platform()) {
        out.put("indexedSegments", plan.indexedSegments()).put("indexedBytes", plan.indexedBytes()).put("plannedBytes", plan.plannedBytes());
      }
      if (only != null) out.put("tenantId", only);
      PlatformRouter.json(ctx, 200, out);
    }).onFailure(ctx::fail);
  }

  private void incidents(RoutingContext ctx) {
    Principal p = ApiSecurity.require(ctx);
    String asked = query(ctx, "tenantId");
    if (asked != null && !p.mayAccessTenant(asked)) throw ApiException.notFound("no such resource");
    String tenant = p.role().platform() ? asked : p.tenantId();
    String limit = query(ctx, "limit");
    verticle().incidents().list(tenant, query(ctx, "nodeId"), query(ctx, "kind"), limit == null ? 100 : Integer.parseInt(limit))
        .onSuccess(a -> PlatformRouter.json(ctx, 200, a)).onFailure(ctx::fail);
  }
}
