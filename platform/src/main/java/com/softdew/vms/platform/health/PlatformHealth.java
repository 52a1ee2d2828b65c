package com.softdew.vms.platform.health;

import com.softdew.vms.platform.store.StoreAddresses;
import com.softdew.vms.platform.store.StoreKind;
import com.softdew.vms.platform.store.Stores;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Health of a node on Vert.x Health Checks: one procedure per store and per component that must be
 * up for the node to serve (Kafka consumers, ingest loops, ...). Each probe reports its latency;
 * {@code /health/ready} is 200 only when every procedure is UP.
 */
public final class PlatformHealth {
  private final HealthChecks checks;
  private final long timeoutMs;
  private final Map<String, JsonObject> info = new ConcurrentHashMap<>();

  public PlatformHealth(Vertx vertx, long timeoutMs) {
    this.checks = HealthChecks.create(vertx);
    this.timeoutMs = timeoutMs;
  }

  /** Registers a component: UP when {@code probe} succeeds within the timeout; {@code details} are shown as-is. */
  public PlatformHealth register(String name, JsonObject details, Supplier<Future<?>> probe) {
    info.put(name, details == null ? new JsonObject() : details);
    checks.register(name, timeoutMs, promise -> {
      long t0 = System.nanoTime();
      Future<?> f;
      try {
        f = probe.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(ar -> {
        JsonObject data = info.get(name).copy().put("latencyMs", (System.nanoTime() - t0) / 1_000_000.0);
        if (ar.succeeded()) {
          promise.tryComplete(Status.OK(data));
        } else {
          promise.tryComplete(Status.KO(data.put("error", String.valueOf(ar.cause().getMessage()))));
        }
      });
    });
    return this;
  }

  public PlatformHealth unregister(String name) {
    checks.unregister(name);
    info.remove(name);
    return this;
  }

  /** Registers the standard probe of every store the node opened. */
  public PlatformHealth registerStores(Stores stores) {
    StoreAddresses a = stores.addresses();
    for (StoreKind k : stores.kinds()) {
      switch (k) {
        case SQL -> register("sql", new JsonObject().put("dialect", a.sqlDialect()).put("embedded", a.sqlEmbedded())
            .put("address", StoreAddresses.redact(a.sqlUrl())), () -> stores.sql().query("SELECT 1").execute());
        case MONGO -> register("mongo", new JsonObject().put("embedded", a.mongoEmbedded()).put("address", StoreAddresses.redact(a.mongoUrl())),
            () -> stores.mongo().runCommand("ping", new JsonObject().put("ping", 1)));
        case CACHE -> register("cache", new JsonObject().put("kind", stores.cache().kind()).put("embedded", a.redisUrl() == null)
            .put("address", a.redisUrl() == null ? "in-process" : StoreAddresses.redact(a.redisUrl())), () -> stores.cache().ping());
        case KAFKA -> register("kafka", new JsonObject().put("embedded", a.kafkaEmbedded()).put("address", a.kafkaBootstrap()),
            () -> stores.kafkaAdmin().describeCluster().map(d -> {
              if (d.getNodes() == null || d.getNodes().isEmpty()) throw new IllegalStateException("no broker in the cluster");
              return d;
            }));
      }
    }
    return this;
  }

  /** {status: UP|DOWN, checks: [{id, status, latencyMs, ...details}]}. */
  public Future<JsonObject> detailed() {
    return checks.checkStatus().map(PlatformHealth::toDetailed);
  }

  static JsonObject toDetailed(CheckResult r) {
    JsonArray list = new JsonArray();
    if (r.getChecks() != null) {
      for (CheckResult c : r.getChecks()) {
        JsonObject o = new JsonObject().put("id", c.getId()).put("status", CheckResult.isUp(c) ? "UP" : "DOWN");
        if (c.getData() != null) o.mergeIn(c.getData());
        if (c.getFailure() != null) o.put("error", String.valueOf(c.getFailure().getMessage()));
        list.add(o);
      }
    }
    return new JsonObject().put("status", CheckResult.isUp(r) ? "UP" : "DOWN").put("checks", list);
  }

  /** Mounts /health, /health/ready, /health/live and /health/detailed. */
  public void mount(Router router) {
    router.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/health/detailed").handler(ctx -> detailed().onComplete(ar -> respond(ctx, ar.succeeded() ? ar.result() : null)));
    router.get("/health/ready").handler(ctx -> detailed().onComplete(ar -> respond(ctx, ar.succeeded()
        ? new JsonObject().put("status", ar.result().getString("status")) : null)));
    router.get("/health").handler(ctx -> detailed().onComplete(ar -> respond(ctx, ar.succeeded()
        ? new JsonObject().put("status", ar.result().getString("status")) : null)));
  }

  private static void respond(RoutingContext ctx, JsonObject body) {
    if (body == null) body = new JsonObject().put("status", "DOWN");
    json(ctx, "UP".equals(body.getString("status")) ? 200 : 503, body);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").putHeader("cache-control", "no-store")
        .end(body.encodePrettily());
  }
}
