package com.softdew.vms.control.config;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.platform.config.ConfigException;
import com.softdew.vms.platform.config.ConfigKey;
import com.softdew.vms.platform.config.ConfigSchema;
import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.store.ConfigScopeStore;
import com.softdew.vms.platform.store.ConfigScopeStore.ScopeVersion;
import com.softdew.vms.platform.store.ConfigScopeStore.VersionConflictException;
import com.softdew.vms.platform.store.KeyValueCache;
import com.softdew.vms.platform.store.ScopeRef;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import com.softdew.vms.platform.store.AuditLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hierarchical runtime configuration (seed §8): system → customer → site → camera, deep-merged over
 * the schema defaults. Each scope document is cached under the seed's key layout with a TTL; a change
 * is written to SQL (new version), dropped from the cache, and announced on
 * {@link Addresses#CONFIG_CHANGED} so every node drops its copy; recently read scopes are reloaded
 * before they expire. Every change is appended to the audit log in Mongo.
 */
public final class ConfigService {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigService.class);
  public static final String AUDIT_COLLECTION = AuditLog.COLLECTION;
  private static final int WRITE_ATTEMPTS = 3;

  private final Vertx vertx;
  private final ConfigScopeStore store;
  private final KeyValueCache cache;
  private final AuditLog auditLog;
  private final ConfigSchema schema;
  private final Duration ttl;
  private final Duration refreshAhead;
  private final int maxTracked;
  private final LinkedHashMap<String, ScopeRef> recentlyRead = new LinkedHashMap<>(16, 0.75f, true);
  private final Counter hits;
  private final Counter misses;
  private final Counter refreshes;
  private final Counter auditFailures;

  public ConfigService(Vertx vertx, ConfigScopeStore store, KeyValueCache cache, AuditLog auditLog, ConfigSchema schema,
      Duration ttl, Duration refreshAhead, int maxTracked, MeterRegistry registry) {
    this.vertx = vertx;
    this.store = store;
    this.cache = cache;
    this.auditLog = auditLog;
    this.schema = schema;
    this.ttl = ttl;
    this.refreshAhead = refreshAhead;
    this.maxTracked = maxTracked;
    MeterRegistry r = registry != null ? registry : new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    this.hits = Counter.builder("vms.config.cache").tag("result", "hit").register(r);
    this.misses = Counter.builder("vms.config.cache").tag("result", "miss").register(r);
    this.refreshes = Counter.builder("vms.config.cache.refresh").register(r);
    this.auditFailures = Counter.builder("vms.config.audit.failures").register(r);
  }

  public ConfigSchema schema() {
    return schema;
  }

  // ---------------------------------------------------------------- reads

  /** The stored scope, through the cache; null when the scope has no document. */
  public Future<ScopeVersion> scope(ScopeRef ref) {
    track(ref);
    return cache.get(ref.cacheKey()).compose(text -> {
      if (text != null) {
        hits.increment();
        return Future.succeededFuture(fromCache(ref, new JsonObject(text)));
      }
      misses.increment();
      return load(ref);
    });
  }

  private Future<ScopeVersion> load(ScopeRef ref) {
    return store.current(ref).compose(v -> cache.set(ref.cacheKey(), toCache(v).encode(), ttl).map(x -> v));
  }

  /**
   * The effective configuration for a camera (or site, or customer: pass nulls below it):
   * {@code {effective: {...}, sources: {key: "default"|"system"|"customer:x"|...}, versions: {...}}}.
   */
  public Future<JsonObject> effective(String customerId, String siteId, String cameraId) {
    List<ScopeRef> chain = new ArrayList<>();
    chain.add(ScopeRef.system());
    if (customerId != null) chain.add(ScopeRef.customer(customerId));
    if (siteId != null) chain.add(ScopeRef.site(customerId, siteId));
    if (cameraId != null) chain.add(ScopeRef.camera(customerId, cameraId));
    List<Future<ScopeVersion>> loads = new ArrayList<>();
    for (ScopeRef r : chain) loads.add(scope(r));
    return Future.all(loads).map(all -> {
      Map<String, Object> values = new LinkedHashMap<>();
      JsonObject sources = new JsonObject();
      for (ConfigKey k : schema.keys()) {
        values.put(k.name(), k.defaultValue());
        sources.put(k.name(), "default");
      }
      JsonObject versions = new JsonObject();
      for (int i = 0; i < chain.size(); i++) {
        ScopeVersion v = loads.get(i).result();
        versions.put(chain.get(i).label(), v == null ? 0 : v.version());
        if (v == null) continue;
        for (Map.Entry<String, Object> e : flatten(v.doc()).entrySet()) {
          if (schema.key(e.getKey()) == null) continue; // a key retired from the schema stays stored but no longer applies
          values.put(e.getKey(), e.getValue());
          sources.put(e.getKey(), chain.get(i).label());
        }
      }
      return new JsonObject().put("effective", nest(values)).put("sources", sources).put("versions", versions);
    });
  }

  public Future<List<ScopeVersion>> history(ScopeRef ref, int limit, int offset) {
    return store.history(ref, limit, offset);
  }

  // ---------------------------------------------------------------- writes

  /** Replaces a scope document (validated against the schema). expectedVersion null = whatever is current. */
  public Future<ScopeVersion> replace(ScopeRef ref, JsonObject doc, Integer expectedVersion, String actor, String ip, String note) {
    JsonObject valid = validate("doc", doc);
    return write(ref, current -> valid, expectedVersion, actor, ip, note, "config.replace");
  }

  /** Applies an RFC 7396 merge patch (null removes a key) to a scope document. */
  public Future<ScopeVersion> patch(ScopeRef ref, JsonObject patch, Integer expectedVersion, String actor, String ip, String note) {
    return write(ref, current -> validate("patch", mergePatch(current == null ? new JsonObject() : current.doc().copy(), patch)),
        expectedVersion, actor, ip, note, "config.patch");
  }

  /** Makes an old version current again, as a new version (history is never rewritten). */
  public Future<ScopeVersion> rollback(ScopeRef ref, int version, String actor, String ip, String note) {
    return store.version(ref, version).compose(old -> {
      if (old == null) return Future.failedFuture(ApiException.notFound(ref.label() + " has no version " + version));
      JsonObject doc = validate("version", old.doc());
      return write(ref, current -> doc, null, actor, ip, note == null ? "rollback to v" + version : note, "config.rollback");
    });
  }

  private Future<ScopeVersion> write(ScopeRef ref, java.util.function.Function<ScopeVersion, JsonObject> next,
      Integer expectedVersion, String actor, String ip, String note, String action) {
    return attemptWrite(ref, next, expectedVersion, actor, ip, note, action, 1);
  }

  private Future<ScopeVersion> attemptWrite(ScopeRef ref, java.util.function.Function<ScopeVersion, JsonObject> next,
      Integer expectedVersion, String actor, String ip, String note, String action, int attempt) {
    return store.current(ref).compose(current -> {
      int have = current == null ? 0 : current.version();
      if (expectedVersion != null && expectedVersion != have) {
        return Future.failedFuture(ApiException.conflict(ref.label() + " is at version " + have + ", not " + expectedVersion));
      }
      JsonObject doc;
      try {
        doc = next.apply(current);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
      return store.write(ref, doc, have, actor, note)
          .compose(written -> invalidate(ref).compose(v -> audit(action, ref, actor, ip, current, written)).map(v -> written))
          .recover(e -> {
            if (e instanceof VersionConflictException && expectedVersion == null && attempt < WRITE_ATTEMPTS) {
              return attemptWrite(ref, next, null, actor, ip, note, action, attempt + 1);
            }
            if (e instanceof VersionConflictException) return Future.failedFuture(ApiException.conflict(e.getMessage()));
            return Future.failedFuture(e);
          });
    });
  }

  /** Drops the scope from this node's cache and tells every node (and a shared Redis) to do the same. */
  public Future<Void> invalidate(ScopeRef ref) {
    return cache.delete(List.of(ref.cacheKey())).onComplete(ar ->
        vertx.eventBus().publish(Addresses.CONFIG_CHANGED, new JsonObject().put("key", ref.cacheKey()).put("scope", ref.label())));
  }

  /** Handles a {@link Addresses#CONFIG_CHANGED} message from any node. */
  public Future<Void> onChanged(JsonObject msg) {
    String key = msg.getString("key");
    return key == null ? Future.succeededFuture() : cache.delete(List.of(key));
  }

  private Future<Void> audit(String action, ScopeRef ref, String actor, String ip, ScopeVersion old, ScopeVersion now) {
    // SQL (config_version) already holds who/when/what; an audit write failure is counted and logged, never silent
    return auditLog.append(new AuditLog.AuditEntry(ref.tenantId(), actor, action, ref.label(), old == null ? null : old.doc(),
            new JsonObject().put("version", now.version()).put("doc", now.doc()).put("note", now.note()), ip))
        .<Void>mapEmpty().recover(e -> {
          auditFailures.increment();
          LOG.error("audit log write failed for {} v{} by {}: {}", ref.label(), now.version(), actor, e.getMessage());
          return Future.succeededFuture();
        });
  }

  // ---------------------------------------------------------------- refresh ahead

  private synchronized void track(ScopeRef ref) {
    recentlyRead.put(ref.cacheKey(), ref);
    if (recentlyRead.size() > maxTracked) recentlyRead.remove(recentlyRead.keySet().iterator().next());
  }

  /** Reloads scopes read since the last call whose cache entry expires within the refresh-ahead window. */
  public Future<Integer> refreshAhead() {
    List<ScopeRef> refs;
    synchronized (this) {
      refs = new ArrayList<>(recentlyRead.values());
      recentlyRead.clear();
    }
    List<Future<Boolean>> done = new ArrayList<>();
    for (ScopeRef ref : refs) {
      done.add(cache.ttl(ref.cacheKey()).compose(left -> {
        if (left != null && left.compareTo(refreshAhead) > 0) return Future.succeededFuture(false);
        refreshes.increment();
        return load(ref).map(v -> true);
      }).recover(e -> Future.succeededFuture(false)));
    }
    return Future.join(done).map(cf -> (int) done.stream().filter(f -> Boolean.TRUE.equals(f.result())).count());
  }

  // ---------------------------------------------------------------- documents

  /** Checks every leaf against the schema; returns the document with values in their schema types. */
  public JsonObject validate(String field, JsonObject doc) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : flatten(doc).entrySet()) {
      ConfigKey k = schema.key(e.getKey());
      if (k == null) throw ApiException.invalid(field + "." + e.getKey(), "is not a configuration key (see GET /api/v1/config/schema)");
      Object raw = e.getValue() instanceof JsonArray a ? a.getList() : e.getValue();
      try {
        out.put(e.getKey(), k.coerce(raw, "request"));
      } catch (ConfigException ce) {
        throw ApiException.invalid(field + "." + e.getKey(), "must be " + k.allowedDescription() + ", got " + e.getValue());
      }
    }
    return nest(out);
  }

  static Map<String, Object> flatten(JsonObject doc) {
    Map<String, Object> out = new LinkedHashMap<>();
    flatten("", doc, out);
    return out;
  }

  private static void flatten(String prefix, JsonObject node, Map<String, Object> out) {
    for (String f : node.fieldNames()) {
      Object v = node.getValue(f);
      String key = prefix.isEmpty() ? f : prefix + "." + f;
      if (v instanceof JsonObject o) {
        flatten(key, o, out);
      } else {
        out.put(key, v);
      }
    }
  }

  static JsonObject nest(Map<String, Object> flat) {
    return com.softdew.vms.platform.config.VmsConfig.nest(flat);
  }

  /** RFC 7396 JSON merge patch. */
  static JsonObject mergePatch(JsonObject target, JsonObject patch) {
    for (String f : patch.fieldNames()) {
      Object pv = patch.getValue(f);
      if (pv == null) {
        target.remove(f);
      } else if (pv instanceof JsonObject po) {
        Object tv = target.getValue(f);
        target.put(f, mergePatch(tv instanceof JsonObject to ? to : new JsonObject(), po));
      } else {
        target.put(f, pv);
      }
    }
    return target;
  }

  private static JsonObject toCache(ScopeVersion v) {
    if (v == null) return new JsonObject().put("v", 0);
    return new JsonObject().put("v", v.version()).put("doc", v.doc()).put("by", v.actor()).put("at", v.at());
  }

  private static ScopeVersion fromCache(ScopeRef ref, JsonObject j) {
    int v = j.getInteger("v", 0);
    return v == 0 ? null : new ScopeVersion(ref, v, j.getJsonObject("doc"), j.getString("by"), j.getString("at"), null);
  }
}
