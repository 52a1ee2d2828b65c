package com.softdew.vms.control.tenant;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.platform.store.AuditLog;
import com.softdew.vms.platform.store.KeyValueCache;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches licences: every {@code periodMs} (30 s) it reloads the tenant directory and publishes
 * {@link Addresses#LICENCE_STATE} when a tenant's licence becomes active or inactive (expiry, renewal),
 * so ingest and analytics stop or resume within a minute; and {@link Addresses#LICENCE_WARNING}
 * 30, 7 and 1 days before expiry (once per threshold and licence across the cluster, through the cache).
 */
public final class LicenceEnforcerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(LicenceEnforcerVerticle.class);
  static final List<Integer> WARN_DAYS = List.of(30, 7, 1);

  private final TenantDirectory directory;
  private final KeyValueCache cache;
  private final AuditLog audit;
  private final long periodMs;
  private final Map<String, Boolean> lastActive = new ConcurrentHashMap<>();
  private long timer = -1;

  public LicenceEnforcerVerticle(TenantDirectory directory, KeyValueCache cache, AuditLog audit, long periodMs) {
    this.directory = directory;
    this.cache = cache;
    this.audit = audit;
    this.periodMs = periodMs;
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().<JsonObject>consumer(Addresses.TENANT_CHANGED, m -> check());
    timer = vertx.setPeriodic(periodMs, id -> check());
    return check();
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** Reloads and publishes state changes and warnings; returns when done (tests call it directly). */
  public Future<Void> check() {
    return directory.reload().compose(v -> {
      Instant now = Instant.now();
      Future<Void> chain = Future.succeededFuture();
      for (TenantDirectory.TenantInfo t : directory.all()) {
        boolean active = t.licence() != null && t.licence().activeAt(now);
        Boolean before = lastActive.put(t.tenantId(), active);
        if (before == null || before != active) {
          String reason = active ? "licence valid until " + t.licence().validUntil()
              : t.licence() == null ? "no licence" : "licence expired on " + t.licence().validUntil();
          if (before != null || !active) {
            LOG.info("tenant {}: licence {} ({})", t.tenantId(), active ? "active" : "INACTIVE", reason);
            vertx.eventBus().publish(Addresses.LICENCE_STATE, new JsonObject().put("tenantId", t.tenantId()).put("active", active).put("reason", reason));
          }
        }
        if (active) chain = chain.compose(x -> warn(t, now));
      }
      return chain;
    });
  }

  private Future<Void> warn(TenantDirectory.TenantInfo t, Instant now) {
    long daysLeft = Duration.between(now, t.licence().validUntil()).toDays();
    Integer threshold = WARN_DAYS.stream().filter(d -> daysLeft < d).reduce((a, b) -> b).orElse(null);
    if (threshold == null) return Future.succeededFuture();
    String key = "licence:warned:" + t.tenantId() + ":" + t.licence().version() + ":" + threshold;
    return cache.increment(key, Duration.ofDays(31)).compose(n -> {
      if (n != 1) return Future.succeededFuture(); // another node (or an earlier check) warned already
      JsonObject w = new JsonObject().put("tenantId", t.tenantId()).put("daysLeft", daysLeft).put("threshold", threshold)
          .put("validUntil", t.licence().validUntil().toString());
      vertx.eventBus().publish(Addresses.LICENCE_WARNING, w);
      LOG.warn("tenant {}: licence expires in {} day(s), on {}", t.tenantId(), daysLeft, t.licence().validUntil());
      return audit.append(new AuditLog.AuditEntry(t.tenantId(), "system", "licence.warning", "tenant:" + t.tenantId(), null, w, "local")).mapEmpty();
    });
  }
}
