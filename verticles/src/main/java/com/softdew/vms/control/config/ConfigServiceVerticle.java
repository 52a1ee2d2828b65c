package com.softdew.vms.control.config;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.store.AuditLog;
import com.softdew.vms.platform.store.ConfigScopeStore;
import com.softdew.vms.platform.store.ConfigScopeStore.ScopeVersion;
import com.softdew.vms.platform.store.ScopeRef;
import com.softdew.vms.platform.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the hierarchical configuration on the bus ({@link Addresses#CONFIG_SERVICE}, for nodes
 * without SQL such as edges) and keeps this node's cache coherent: it drops scopes announced on
 * {@link Addresses#CONFIG_CHANGED} by any node and refreshes recently read scopes before they expire.
 */
public final class ConfigServiceVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigServiceVerticle.class);

  private final Stores stores;
  private final AuditLog audit;
  private final VmsConfig cfg;
  private final MeterRegistry registry;
  private ConfigService service;
  private long refreshTimer = -1;

  public ConfigServiceVerticle(Stores stores, AuditLog audit, VmsConfig cfg, MeterRegistry registry) {
    this.stores = stores;
    this.audit = audit;
    this.cfg = cfg;
    this.registry = registry;
  }

  public ConfigService service() {
    return service;
  }

  @Override
  public Future<?> start() {
    service = new ConfigService(vertx, new ConfigScopeStore(stores.dialect(), stores.sql()), stores.cache(), audit,
        RuntimeConfigSchema.create(), Duration.ofSeconds(cfg.integer("cache.ttlSeconds")),
        Duration.ofSeconds(cfg.integer("cache.refreshAheadSeconds")), cfg.integer("cache.maxEntries"), registry);
    MessageConsumer<JsonObject> changes = vertx.eventBus().consumer(Addresses.CONFIG_CHANGED, m -> service.onChanged(m.body()));
    MessageConsumer<JsonObject> requests = vertx.eventBus().consumer(Addresses.CONFIG_SERVICE, this::handle);
    int ahead = cfg.integer("cache.refreshAheadSeconds");
    if (ahead > 0) {
      refreshTimer = vertx.setPeriodic(Math.max(1000L, ahead * 500L), id -> service.refreshAhead()
          .onSuccess(n -> { if (n > 0) LOG.debug("refreshed {} configuration scopes ahead of expiry", n); }));
    }
    return Future.all(changes.completion(), requests.completion());
  }

  @Override
  public Future<?> stop() {
    if (refreshTimer >= 0) vertx.cancelTimer(refreshTimer);
    return Future.succeededFuture();
  }

  /** Bus protocol: {action: effective|get|history|patch|replace|rollback, scope, ...}; failures carry HTTP-like codes. */
  private void handle(Message<JsonObject> m) {
    JsonObject b = m.body();
    Future<?> result;
    try {
      String action = b.getString("action", "");
      String actor = b.getString("actor", "bus:" + b.getString("node", "unknown"));
      result = switch (action) {
        case "effective" -> service.effective(b.getString("customerId"), b.getString("siteId"), b.getString("cameraId"));
        case "get" -> service.scope(ScopeParser.parse("scope", b.getString("scope"))).map(ConfigServiceVerticle::json);
        case "history" -> service.history(ScopeParser.parse("scope", b.getString("scope")), b.getInteger("limit", 50), 0)
            .map(l -> new JsonArray(l.stream().map(ScopeVersion::toJson).toList()));
        case "patch" -> service.patch(ScopeParser.parse("scope", b.getString("scope")), b.getJsonObject("patch", new JsonObject()),
            b.getInteger("expectedVersion"), actor, "bus", b.getString("note")).map(ScopeVersion::toJson);
        case "replace" -> service.replace(ScopeParser.parse("scope", b.getString("scope")), b.getJsonObject("doc", new JsonObject()),
            b.getInteger("expectedVersion"), actor, "bus", b.getString("note")).map(ScopeVersion::toJson);
        case "rollback" -> service.rollback(ScopeParser.parse("scope", b.getString("scope")), b.getInteger("version", 0), actor,
            "bus", b.getString("note")).map(ScopeVersion::toJson);
        default -> Future.failedFuture(ApiException.invalid("action", "must be one of effective, get, history, patch, replace, rollback"));
      };
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        m.reply(ar.result());
      } else if (ar.cause() instanceof ApiException a) {
        m.fail(a.status(), a.getMessage());
      } else {
        LOG.error("config request {} failed", b.getString("action"), ar.cause());
        m.fail(500, "internal error");
      }
    });
  }

  static JsonObject json(ScopeVersion v) {
    return v == null ? null : v.toJson();
  }
}
