package com.softdew.vms.platform.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Immutable, append-only audit log in the Mongo collection {@value #COLLECTION}, hash-chained per tenant.
 *
 * <p>Every document: {@code tenant_id, seq (1, 2, 3, ... per tenant), at (ISO-8601 UTC, millisecond precision),
 * actor, action, target, old, new, source_ip, prev_hash, hash}. {@code prev_hash} is the {@code hash} of the entry
 * with {@code seq - 1} ({@value #GENESIS} for seq 1); {@code hash} is the hex SHA-256 of the {@link CanonicalJson
 * canonical JSON} of all the other fields (not {@code _id}). Changing any stored field of an entry breaks its hash;
 * removing an entry leaves a gap in {@code seq} and breaks the next entry's {@code prev_hash}. Truncating the newest
 * entries is only detectable against a head recorded elsewhere: {@link #verify} returns {@code headSeq} and
 * {@code headHash} for that purpose.
 *
 * <p>This API has no update or delete, and {@link TenantMongo} refuses both on {@value #COLLECTION}.
 *
 * <p>Concurrency: appends for one tenant may race across nodes. {@link #init()} creates a unique index on
 * {@code {tenant_id: 1, seq: 1}} (mongo-java-server enforces it too, see AuditLogTest), so of two appends that read the
 * same tail exactly one insert succeeds; the loser gets a duplicate-key error, re-reads the tail and retries, up to
 * {@value #MAX_ATTEMPTS} attempts with a short random back-off, then fails. The chain therefore stays linear. Within
 * one process appends are additionally serialized per tenant, so the retries only absorb cross-node races (without
 * that, n concurrent local appends would need up to n attempts).
 *
 * <p>Tenant ids follow {@link TenantMongo#TENANT_ID}; the reserved {@value #SYSTEM} and {@value #PLATFORM} are valid.
 */
public final class AuditLog {
  public static final String COLLECTION = "audit_log";
  public static final String SYSTEM = "_system";
  public static final String PLATFORM = "_platform";
  /** {@code prev_hash} of the first entry of a tenant. */
  public static final String GENESIS = "0".repeat(64);
  public static final int MAX_ATTEMPTS = 10;
  public static final int MAX_LIMIT = 1000;

  /** The hashed fields, i.e. every stored field except {@code _id} and {@code hash}. */
  static final List<String> HASHED_FIELDS = List.of("tenant_id", "seq", "at", "actor", "action", "target", "old", "new",
      "source_ip", "prev_hash");

  private static final Set<String> FILTERS = Set.of("actor", "action", "target", "from", "to");
  private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final int VERIFY_PAGE = 500;
  private static final int DUPLICATE_KEY = 11000;

  /** One audit event. {@code oldValue}/{@code newValue}: JsonObject, JsonArray, String, number, boolean or null. */
  public record AuditEntry(String tenantId, String actor, String action, String target, Object oldValue,
      Object newValue, String sourceIp) {
    public AuditEntry {
      TenantMongo.checkTenantId(tenantId);
      if (actor == null || actor.isBlank()) throw new IllegalArgumentException("actor is required");
      if (action == null || action.isBlank()) throw new IllegalArgumentException("action is required");
    }
  }

  private final Vertx vertx;
  private final TenantMongo mongo;
  private final ConcurrentHashMap<String, Future<?>> tails = new ConcurrentHashMap<>();
  private final AtomicLong retries = new AtomicLong();

  public AuditLog(Vertx vertx, MongoClient mongo) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.mongo = new TenantMongo(mongo);
  }

  /** Creates the unique {@code {tenant_id, seq}} index the chain relies on, and one for time-range queries. */
  public Future<Void> init() {
    return mongo.ensureUniqueIndex(COLLECTION, new JsonObject().put("seq", 1))
        .compose(v -> mongo.ensureIndexes(COLLECTION, new JsonObject().put("at", -1)));
  }

  /** How many appends lost a race for a seq and retried, since this instance was created. */
  public long retries() {
    return retries.get();
  }

  /** Appends {@code e} to its tenant's chain; returns the stored document (without {@code _id}). */
  public Future<JsonObject> append(AuditEntry e) {
    Object oldValue;
    Object newValue;
    try {
      Objects.requireNonNull(e, "entry");
      oldValue = normalize(e.oldValue());
      newValue = normalize(e.newValue());
    } catch (RuntimeException ex) {
      return Future.failedFuture(ex);
    }
    // serialize per tenant in this process: chain onto the previous local append, whatever its outcome
    Promise<JsonObject> done = Promise.promise();
    Future<?>[] before = new Future<?>[1];
    tails.compute(e.tenantId(), (k, prev) -> {
      before[0] = prev;
      return done.future();
    });
    Future<?> prev = before[0] == null ? Future.succeededFuture() : before[0].transform(x -> Future.succeededFuture());
    prev.compose(x -> attempt(e, oldValue, newValue, 1)).onComplete(ar -> {
      tails.remove(e.tenantId(), done.future());
      done.handle(ar);
    });
    return done.future();
  }

  private Future<JsonObject> attempt(AuditEntry e, Object oldValue, Object newValue, int attempt) {
    TenantMongo.Scoped t = mongo.forTenant(e.tenantId());
    return t.find(COLLECTION, new JsonObject(), new FindOptions().setSort(new JsonObject().put("seq", -1)).setLimit(1))
        .compose(tail -> {
          long seq = 1;
          String prevHash = GENESIS;
          if (!tail.isEmpty()) {
            JsonObject last = tail.get(0);
            seq = ((Number) last.getValue("seq")).longValue() + 1;
            prevHash = last.getString("hash");
          }
          JsonObject doc = new JsonObject()
              .put("tenant_id", e.tenantId())
              .put("seq", seq)
              .put("at", AT.format(Instant.now()))
              .put("actor", e.actor())
              .put("action", e.action())
              .put("target", e.target())
              .put("old", oldValue)
              .put("new", newValue)
              .put("source_ip", e.sourceIp())
              .put("prev_hash", prevHash);
          doc.put("hash", hash(doc));
          return t.insert(COLLECTION, doc).map(id -> doc);
        })
        .recover(err -> {
          if (!isDuplicateKey(err)) return Future.failedFuture(err);
          if (attempt >= MAX_ATTEMPTS) {
            return Future.failedFuture(new IllegalStateException("audit append for tenant " + e.tenantId()
                + " lost the race for the next seq " + attempt + " times in a row; giving up", err));
          }
          retries.incrementAndGet();
          Promise<Void> wait = Promise.promise();
          vertx.setTimer(1 + ThreadLocalRandom.current().nextInt(5 * attempt), id -> wait.complete());
          return wait.future().compose(v -> attempt(e, oldValue, newValue, attempt + 1));
        });
  }

  /**
   * Entries of a tenant, newest first. {@code filters} (all optional, all strings): {@code actor}, {@code action},
   * {@code target} (exact match), {@code from}, {@code to} (ISO-8601 instants, inclusive). Other keys or non-string
   * values are refused, so a filter cannot smuggle in a query operator. {@code limit} 1..{@value #MAX_LIMIT}.
   */
  public Future<JsonArray> find(String tenantId, JsonObject filters, int limit, int offset) {
    JsonObject q = new JsonObject();
    TenantMongo.Scoped t;
    try {
      t = mongo.forTenant(tenantId);
      if (limit < 1 || limit > MAX_LIMIT) throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", got " + limit);
      if (offset < 0) throw new IllegalArgumentException("offset must be >= 0, got " + offset);
      JsonObject at = new JsonObject();
      for (Map.Entry<String, Object> f : filters == null ? new JsonObject() : filters) {
        if (!FILTERS.contains(f.getKey())) throw new IllegalArgumentException("unknown audit filter " + f.getKey() + "; allowed: " + FILTERS);
        if (f.getValue() == null) continue;
        if (!(f.getValue() instanceof String s)) throw new IllegalArgumentException("audit filter " + f.getKey() + " must be a string");
        switch (f.getKey()) {
          case "from" -> at.put("$gte", AT.format(parseInstant(s)));
          case "to" -> at.put("$lte", AT.format(parseInstant(s)));
          default -> q.put(f.getKey(), s);
        }
      }
      if (!at.isEmpty()) q.put("at", at);
    } catch (RuntimeException ex) {
      return Future.failedFuture(ex);
    }
    FindOptions o = new FindOptions().setSort(new JsonObject().put("seq", -1)).setLimit(limit).setSkip(offset)
        .setFields(new JsonObject().put("_id", 0));
    return t.find(COLLECTION, q, o).map(JsonArray::new);
  }

  /**
   * Walks a tenant's chain in seq order and checks seq continuity, {@code prev_hash} links and each entry's hash.
   * Returns {@code {tenantId, entries, valid, firstBrokenSeq, reason, headSeq, headHash}}: {@code entries} is the
   * number of stored entries of the tenant, {@code firstBrokenSeq} the first seq at which the chain does not hold
   * (for a deleted entry: its seq), null when valid; {@code headSeq}/{@code headHash} describe the last entry checked.
   */
  public Future<JsonObject> verify(String tenantId) {
    TenantMongo.Scoped t;
    try {
      t = mongo.forTenant(tenantId);
    } catch (RuntimeException ex) {
      return Future.failedFuture(ex);
    }
    return t.count(COLLECTION, new JsonObject()).compose(count -> {
      JsonObject r = new JsonObject().put("tenantId", tenantId).put("entries", count);
      return verifyFrom(t, new Walk(), r);
    });
  }

  private static final class Walk {
    long expected = 1;
    String prevHash = GENESIS;
  }

  private Future<JsonObject> verifyFrom(TenantMongo.Scoped t, Walk w, JsonObject r) {
    FindOptions page = new FindOptions().setSort(new JsonObject().put("seq", 1)).setLimit(VERIFY_PAGE);
    return t.find(COLLECTION, new JsonObject().put("seq", new JsonObject().put("$gte", w.expected)), page)
        .compose(docs -> {
          for (JsonObject d : docs) {
            String broken = check(d, w);
            if (broken != null) return Future.succeededFuture(result(r, false, w, broken));
            w.prevHash = d.getString("hash");
            w.expected++;
          }
          if (docs.size() < VERIFY_PAGE) return Future.succeededFuture(result(r, true, w, null));
          return verifyFrom(t, w, r);
        });
  }

  /** Null if {@code d} is the valid next link, else the reason; leaves {@code w.expected} at the broken seq. */
  private static String check(JsonObject d, Walk w) {
    if (!(d.getValue("seq") instanceof Number n)) return "entry without a numeric seq";
    long seq = n.longValue();
    if (seq != w.expected) {
      return seq > w.expected ? "entry seq " + w.expected + " is missing (next stored entry is seq " + seq + ")"
          : "duplicate entry seq " + seq;
    }
    if (!w.prevHash.equals(d.getValue("prev_hash"))) {
      return "prev_hash of seq " + seq + " does not match the hash of the entry before it";
    }
    String h;
    try {
      h = hash(d);
    } catch (RuntimeException ex) {
      return "entry seq " + seq + " cannot be hashed: " + ex.getMessage();
    }
    if (!h.equals(d.getValue("hash"))) return "hash of seq " + seq + " does not match its content (entry was altered)";
    return null;
  }

  private static JsonObject result(JsonObject r, boolean valid, Walk w, String reason) {
    return r.put("valid", valid).put("firstBrokenSeq", valid ? null : w.expected).put("reason", reason)
        .put("headSeq", w.expected - 1).put("headHash", w.expected > 1 ? w.prevHash : null);
  }

  /** Hex SHA-256 of the canonical JSON of the hashed fields of {@code doc} (absent fields count as null). */
  static String hash(JsonObject doc) {
    JsonObject h = new JsonObject();
    for (String f : HASHED_FIELDS) h.put(f, doc.getValue(f));
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(CanonicalJson.of(h).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /**
   * A plain JSON copy of an old/new value (JsonObject, JsonArray, Map, List, String, number, boolean, null), so what
   * is hashed is what the store keeps and returns (e.g. a float is widened the way it will be read back).
   */
  static Object normalize(Object v) {
    if (v == null) return null;
    if (!(v instanceof JsonObject || v instanceof JsonArray || v instanceof Map || v instanceof List
        || v instanceof String || v instanceof Number || v instanceof Boolean)) {
      throw new IllegalArgumentException("audit old/new value must be JSON, got " + v.getClass().getName());
    }
    try {
      return Json.decodeValue(Json.encode(v));
    } catch (EncodeException | DecodeException ex) {
      throw new IllegalArgumentException("audit old/new value is not valid JSON: " + ex.getMessage(), ex);
    }
  }

  private static Instant parseInstant(String s) {
    try {
      return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException ex) {
      throw new IllegalArgumentException("not an ISO-8601 time with offset: " + s, ex);
    }
  }

  static boolean isDuplicateKey(Throwable err) {
    for (Throwable c = err; c != null; c = c.getCause()) {
      if (c instanceof com.mongodb.MongoException m && m.getCode() == DUPLICATE_KEY) return true;
      if (c.getMessage() != null && c.getMessage().contains("E11000")) return true;
    }
    return false;
  }
}
