package com.softdew.vms.platform.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.MongoClientDeleteResult;
import io.vertx.ext.mongo.MongoClientUpdateResult;
import io.vertx.ext.mongo.UpdateOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The only way code touches tenant data in Mongo: multi-tenant by construction.
 *
 * <p>{@link #forTenant(String)} gives a {@link Scoped} view (insert, find, findOne, count, update, updateMany,
 * delete) in which
 *
 * <ul>
 *   <li>every inserted document gets {@value #TENANT_FIELD} set to the scope (a document that already carries a
 *       different one is refused);
 *   <li>every query is wrapped as {@code {$and: [query, {tenant_id: scope}]}}, so a crafted query such as
 *       {@code {tenant_id: "B"}} or {@code {$or: [{tenant_id: "B"}, {}]}} can only narrow the scope's own data, never
 *       reach another tenant's (the result is empty, nothing is changed);
 *   <li>updates may not set, unset or rename {@value #TENANT_FIELD}, and replacement documents are refused;
 *   <li>every returned document is checked to carry the scope's tenant id (defence in depth against a bug in the
 *       wrapping or in the store): a mismatch fails the future instead of leaking the document.
 * </ul>
 *
 * <p>Collections listed in {@link #APPEND_ONLY_COLLECTIONS} (the audit log) refuse update and delete through this
 * class as well.
 *
 * <p>{@link #platform()} is the one, explicitly named, cross-tenant path: read-only, for the platform operator.
 */
public final class TenantMongo {
  /** The field that carries the owning tenant in every tenant document. */
  public static final String TENANT_FIELD = "tenant_id";

  /** What a tenant id must look like; also admits the reserved {@code _system} and {@code _platform}. */
  public static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** Collections whose documents are never updated or deleted through this class. */
  public static final Set<String> APPEND_ONLY_COLLECTIONS = Set.of(AuditLog.COLLECTION);

  private final MongoClient mongo;

  public TenantMongo(MongoClient mongo) {
    this.mongo = Objects.requireNonNull(mongo, "mongo");
  }

  /** The data of one tenant. @throws IllegalArgumentException if the id is not {@code [A-Za-z0-9_-]{1,64}} */
  public Scoped forTenant(String tenantId) {
    return new Scoped(checkTenantId(tenantId));
  }

  /**
   * A read-only, cross-tenant reader for the platform operator (fleet-wide reports, support). It must only be
   * handed out behind the platform-operator permission check: it bypasses tenant scoping entirely. Tenant code paths
   * must use {@link #forTenant(String)}.
   */
  public PlatformReader platform() {
    return new PlatformReader();
  }

  /**
   * Creates one index per key document, each prefixed by {@value #TENANT_FIELD} (every tenant query filters on it
   * first), e.g. {@code {ts: -1}} becomes {@code {tenant_id: 1, ts: -1}}. Idempotent.
   */
  public Future<Void> ensureIndexes(String collection, JsonObject... keys) {
    checkCollection(collection);
    List<Future<Void>> all = new ArrayList<>();
    if (keys.length == 0) all.add(mongo.createIndex(collection, new JsonObject().put(TENANT_FIELD, 1)));
    for (JsonObject k : keys) all.add(mongo.createIndex(collection, tenantPrefixed(k)));
    return Future.all(all).mapEmpty();
  }

  /** A unique index on {@code {tenant_id: 1, ...keys}}: uniqueness within each tenant. Idempotent. */
  public Future<Void> ensureUniqueIndex(String collection, JsonObject keys) {
    checkCollection(collection);
    return mongo.createIndexWithOptions(collection, tenantPrefixed(keys), new IndexOptions().unique(true));
  }

  private static JsonObject tenantPrefixed(JsonObject keys) {
    JsonObject k = new JsonObject().put(TENANT_FIELD, 1);
    for (Map.Entry<String, Object> e : keys) {
      if (!e.getKey().equals(TENANT_FIELD)) k.put(e.getKey(), e.getValue());
    }
    return k;
  }

  static String checkTenantId(String tenantId) {
    if (tenantId == null || !TENANT_ID.matcher(tenantId).matches()) {
      throw new IllegalArgumentException("tenant id must match [A-Za-z0-9_-]{1,64}, got " + tenantId);
    }
    return tenantId;
  }

  private static void checkCollection(String collection) {
    if (collection == null || collection.isEmpty() || collection.startsWith("system.") || collection.contains("$")) {
      throw new IllegalArgumentException("bad collection name: " + collection);
    }
  }

  /** Projection that cannot drop {@value #TENANT_FIELD}, which the returned-document check needs. */
  private static JsonObject keepTenantField(JsonObject fields) {
    if (fields == null || fields.isEmpty()) return fields;
    JsonObject f = fields.copy();
    f.remove(TENANT_FIELD);
    boolean inclusive = false;
    for (Map.Entry<String, Object> e : f) {
      if (!e.getKey().equals("_id") && isTruthy(e.getValue())) inclusive = true;
    }
    if (inclusive) f.put(TENANT_FIELD, 1);
    return f;
  }

  private static boolean isTruthy(Object v) {
    if (v instanceof Boolean b) return b;
    if (v instanceof Number n) return n.doubleValue() != 0;
    return v != null; // expressions such as {$slice: ...} or {$elemMatch: ...} include the field
  }

  /** All operations on one tenant's documents. Instances are cheap and immutable. */
  public final class Scoped {
    private final String tenantId;

    private Scoped(String tenantId) {
      this.tenantId = tenantId;
    }

    public String tenantId() {
      return tenantId;
    }

    /**
     * Inserts a copy of {@code doc} with {@value #TENANT_FIELD} set to the scope. A document that already names a
     * different tenant fails with {@link IllegalArgumentException}. Returns the generated id (null if the document
     * had one).
     */
    public Future<String> insert(String collection, JsonObject doc) {
      try {
        checkCollection(collection);
        Objects.requireNonNull(doc, "doc");
        if (doc.containsKey(TENANT_FIELD) && !tenantId.equals(doc.getValue(TENANT_FIELD))) {
          throw new IllegalArgumentException(TENANT_FIELD + " of the document (" + doc.getValue(TENANT_FIELD)
              + ") differs from the scope " + tenantId);
        }
        return mongo.insert(collection, doc.copy().put(TENANT_FIELD, tenantId));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }

    /** Documents matching {@code query} within the scope; options (sort, limit, skip, fields) apply as usual. */
    public Future<List<JsonObject>> find(String collection, JsonObject query, FindOptions options) {
      try {
        checkCollection(collection);
        FindOptions o = options == null ? new FindOptions() : new FindOptions(options);
        JsonObject fields = keepTenantField(o.getFields());
        if (fields != null) o.setFields(fields);
        return mongo.findWithOptions(collection, scope(query), o).compose(this::checkAll);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }

    /** The first document matching {@code query} within the scope, or null. */
    public Future<JsonObject> findOne(String collection, JsonObject query, JsonObject fields) {
      try {
        checkCollection(collection);
        return mongo.findOne(collection, scope(query), keepTenantField(fields)).compose(this::checkOne);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }

    public Future<Long> count(String collection, JsonObject query) {
      try {
        checkCollection(collection);
        return mongo.count(collection, scope(query));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }

    /**
     * Applies an operator update ({@code $set}, {@code $inc}, ...) to the first of the scope's documents matching
     * {@code query}, like {@link MongoClient#updateCollection}; {@link #updateMany} updates all of them.
     * Refused (IllegalArgumentException): replacement documents, any operator touching {@value #TENANT_FIELD}, and
     * append-only collections.
     */
    public Future<MongoClientUpdateResult> update(String collection, JsonObject query, JsonObject update) {
      try {
        checkCollection(collection);
        checkMutable(collection);
        checkUpdate(update);
        return mongo.updateCollection(collection, scope(query), update);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }

    /** As {@link #update}, applied to every matching document of the scope (not just the first). */
    public Future<MongoClientUpdateResult> updateMany(String collection, JsonObject query, JsonObject update) {
      try {
        checkCollection(collection);
        checkMutable(collection);
        checkUpdate(update);
        return mongo.updateCollectionWithOptions(collection, scope(query), update, new UpdateOptions().setMulti(true));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }

    /** Deletes the scope's documents matching {@code query} (an empty query: all of the scope's documents). */
    public Future<MongoClientDeleteResult> delete(String collection, JsonObject query) {
      try {
        checkCollection(collection);
        checkMutable(collection);
        return mongo.removeDocuments(collection, scope(query));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }

    /** {@code {$and: [query, {tenant_id: scope}]}}: the query can only narrow the scope. */
    JsonObject scope(JsonObject query) {
      JsonObject t = new JsonObject().put(TENANT_FIELD, tenantId);
      if (query == null || query.isEmpty()) return t;
      return new JsonObject().put("$and", new JsonArray().add(query.copy()).add(t));
    }

    private Future<List<JsonObject>> checkAll(List<JsonObject> docs) {
      for (JsonObject d : docs) {
        if (!tenantId.equals(d.getValue(TENANT_FIELD))) return leak(d);
      }
      return Future.succeededFuture(docs);
    }

    private Future<JsonObject> checkOne(JsonObject d) {
      if (d != null && !tenantId.equals(d.getValue(TENANT_FIELD))) return leak(d);
      return Future.succeededFuture(d);
    }

    private <T> Future<T> leak(JsonObject d) {
      return Future.failedFuture(new IllegalStateException("store returned a document of tenant "
          + d.getValue(TENANT_FIELD) + " (_id " + d.getValue("_id") + ") to scope " + tenantId));
    }
  }

  private static void checkMutable(String collection) {
    if (APPEND_ONLY_COLLECTIONS.contains(collection)) {
      throw new IllegalArgumentException("collection " + collection + " is append-only");
    }
  }

  private static void checkUpdate(JsonObject update) {
    if (update == null || update.isEmpty()) throw new IllegalArgumentException("empty update");
    for (Map.Entry<String, Object> op : update) {
      if (!op.getKey().startsWith("$")) {
        throw new IllegalArgumentException("replacement documents are refused; use update operators ($set, ...)");
      }
      if (!(op.getValue() instanceof JsonObject fields)) continue;
      for (Map.Entry<String, Object> f : fields) {
        if (touchesTenant(f.getKey()) || ("$rename".equals(op.getKey()) && f.getValue() instanceof String to && touchesTenant(to))) {
          throw new IllegalArgumentException("an update may not change " + TENANT_FIELD + " (" + op.getKey() + ")");
        }
      }
    }
  }

  private static boolean touchesTenant(String path) {
    return path.equals(TENANT_FIELD) || path.startsWith(TENANT_FIELD + ".");
  }

  /**
   * Cross-tenant, read-only access for the platform operator. Only to be used behind the platform-operator
   * permission; there is deliberately no write method.
   */
  public final class PlatformReader {
    private PlatformReader() {}

    public Future<List<JsonObject>> find(String collection, JsonObject query, FindOptions options) {
      try {
        checkCollection(collection);
        return mongo.findWithOptions(collection, query == null ? new JsonObject() : query,
            options == null ? new FindOptions() : options);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }

    public Future<Long> count(String collection, JsonObject query) {
      try {
        checkCollection(collection);
        return mongo.count(collection, query == null ? new JsonObject() : query);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
  }
}
