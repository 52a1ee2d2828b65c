package com.softdew.vms.control.webhook;

import com.softdew.vms.control.auth.crypto.SecretBox;
import com.softdew.vms.platform.store.TenantMongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Webhook data in Mongo, always through {@link TenantMongo} (every document carries tenant_id, every query is scoped):
 * subscriptions ({@value #SUBSCRIPTIONS}, secret sealed with the key-encryption keys' {@link SecretBox}, context
 * {@code webhook:<tenant>:<id>}), the per-attempt delivery log ({@value #DELIVERIES}, trimmed to the newest
 * {@code logKeep} per subscription) and the dead letters ({@value #DEAD_LETTERS}, id = deliveryId).
 */
public final class WebhookStore {
  public static final String SUBSCRIPTIONS = "webhook_subscriptions";
  public static final String DELIVERIES = "webhook_deliveries";
  public static final String DEAD_LETTERS = "webhook_dead_letters";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final TenantMongo mongo;
  private final SecretBox box;

  public WebhookStore(TenantMongo mongo, SecretBox box) {
    this.mongo = mongo;
    this.box = box;
  }

  public Future<Void> init() {
    return Future.all(mongo.ensureUniqueIndex(SUBSCRIPTIONS, new JsonObject().put("id", 1)),
        mongo.ensureIndexes(DELIVERIES, new JsonObject().put("subscriptionId", 1).put("seq", -1)),
        mongo.ensureIndexes(DEAD_LETTERS, new JsonObject().put("atMs", -1))).mapEmpty();
  }

  /** A new random secret: 32 bytes, base64url ("whsec_" prefix so it is recognisable in a secret store). */
  static String newSecret() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String context(String tenantId, String id) {
    return "webhook:" + tenantId + ":" + id;
  }

  /** The subscription as the API shows it: never the secret. */
  static JsonObject view(JsonObject d) {
    if (d == null) return null;
    JsonObject v = new JsonObject();
    for (String k : List.of("id", "url", "eventTypes", "priorities", "sites", "cameras", "enabled", "createdAt", "updatedAt", "disabledReason", "secretRotatedAt", "previousSecretUntil")) {
      if (d.containsKey(k)) v.put(k, d.getValue(k));
    }
    return v.put("tenantId", d.getString(TenantMongo.TENANT_FIELD));
  }

  /** Inserts; returns the stored document view plus the plaintext secret (shown once). */
  public Future<JsonObject> create(String tenantId, JsonObject sub) {
    String id = UUID.randomUUID().toString();
    String secret = newSecret();
    String now = Instant.now().toString();
    JsonObject doc = sub.copy().put("_id", tenantId + ":" + id).put("id", id).put("secret_sealed", box.seal(secret, context(tenantId, id)))
        .put("createdAt", now).put("updatedAt", now);
    if (!doc.containsKey("enabled")) doc.put("enabled", true);
    return mongo.forTenant(tenantId).insert(SUBSCRIPTIONS, doc)
        .map(x -> view(doc.put(TenantMongo.TENANT_FIELD, tenantId)).put("secret", secret));
  }

  /** The stored document (with secret_sealed), or null. */
  public Future<JsonObject> raw(String tenantId, String id) {
    return mongo.forTenant(tenantId).findOne(SUBSCRIPTIONS, new JsonObject().put("id", id), null);
  }

  public Future<JsonObject> get(String tenantId, String id) {
    return raw(tenantId, id).map(WebhookStore::view);
  }

  public Future<List<JsonObject>> list(String tenantId) {
    return mongo.forTenant(tenantId).find(SUBSCRIPTIONS, new JsonObject(), new FindOptions().setSort(new JsonObject().put("createdAt", 1)).setLimit(1000));
  }

  /** Applies {@code $set} fields; returns the new view or null when absent. */
  public Future<JsonObject> update(String tenantId, String id, JsonObject set) {
    JsonObject s = set.copy().put("updatedAt", Instant.now().toString());
    return mongo.forTenant(tenantId).update(SUBSCRIPTIONS, new JsonObject().put("id", id), new JsonObject().put("$set", s))
        .compose(r -> r.getDocMatched() == 0 ? Future.succeededFuture(null) : get(tenantId, id));
  }

  public Future<Boolean> delete(String tenantId, String id) {
    return mongo.forTenant(tenantId).delete(SUBSCRIPTIONS, new JsonObject().put("id", id)).map(r -> r.getRemovedCount() > 0);
  }

  /** The plaintext secret of a stored subscription (AES-GCM open; microseconds). */
  public String secretOf(JsonObject raw) {
    return box.open(raw.getString("secret_sealed"), context(raw.getString(TenantMongo.TENANT_FIELD), raw.getString("id")));
  }

  /** The previous secret while its overlap window after a rotation lasts, else null. */
  public String previousSecretOf(JsonObject raw, Instant now) {
    String sealed = raw.getString("previous_secret_sealed");
    String until = raw.getString("previousSecretUntil");
    if (sealed == null || until == null || !now.isBefore(Instant.parse(until))) return null;
    return box.open(sealed, context(raw.getString(TenantMongo.TENANT_FIELD), raw.getString("id")));
  }

  /**
   * A new secret (returned, shown once); the old one keeps signing next to it until {@code overlap} has passed, so
   * receivers can switch without losing deliveries. Null when the subscription does not exist.
   */
  public Future<String> rotateSecret(String tenantId, String id, java.time.Duration overlap) {
    return raw(tenantId, id).compose(old -> {
      if (old == null) return Future.succeededFuture(null);
      String secret = newSecret();
      JsonObject set = new JsonObject().put("secret_sealed", box.seal(secret, context(tenantId, id)))
          .put("previous_secret_sealed", old.getString("secret_sealed")).put("previousSecretUntil", Instant.now().plus(overlap).toString())
          .put("secretRotatedAt", Instant.now().toString()).put("updatedAt", Instant.now().toString());
      return mongo.forTenant(tenantId).update(SUBSCRIPTIONS, new JsonObject().put("id", id), new JsonObject().put("$set", set)).map(r -> secret);
    });
  }

  // ------------------------------------------------------------------ delivery log

  public Future<Void> log(String tenantId, JsonObject entry) {
    return mongo.forTenant(tenantId).insert(DELIVERIES, entry).mapEmpty();
  }

  /** Keeps the newest {@code keep} log entries of a subscription (by seq). */
  public Future<Void> trim(String tenantId, String subscriptionId, int keep) {
    TenantMongo.Scoped t = mongo.forTenant(tenantId);
    JsonObject q = new JsonObject().put("subscriptionId", subscriptionId);
    return t.find(DELIVERIES, q, new FindOptions().setSort(new JsonObject().put("seq", -1)).setSkip(keep).setLimit(1)
            .setFields(new JsonObject().put("seq", 1)))
        .compose(l -> l.isEmpty() ? Future.succeededFuture()
            : t.delete(DELIVERIES, q.copy().put("seq", new JsonObject().put("$lte", l.get(0).getLong("seq")))).mapEmpty());
  }

  /** Newest first. */
  public Future<JsonObject> deliveries(String tenantId, String subscriptionId, int limit, int offset) {
    TenantMongo.Scoped t = mongo.forTenant(tenantId);
    JsonObject q = new JsonObject().put("subscriptionId", subscriptionId);
    return Future.all(t.find(DELIVERIES, q, new FindOptions().setSort(new JsonObject().put("seq", -1)).setLimit(limit).setSkip(offset)), t.count(DELIVERIES, q))
        .map(cf -> page(cf.resultAt(0), cf.resultAt(1), limit, offset));
  }

  static JsonObject page(List<JsonObject> docs, long total, int limit, int offset) {
    JsonArray items = new JsonArray();
    for (JsonObject d : docs) {
      JsonObject c = d.copy();
      c.remove("_id");
      c.remove(TenantMongo.TENANT_FIELD);
      items.add(c);
    }
    return new JsonObject().put("items", items).put("total", total).put("limit", limit).put("offset", offset);
  }

  // ------------------------------------------------------------------ dead letters

  /** Inserts or replaces the dead letter of a delivery (id = deliveryId). */
  public Future<Void> deadLetter(String tenantId, JsonObject dl) {
    TenantMongo.Scoped t = mongo.forTenant(tenantId);
    String id = dl.getString("id");
    JsonObject set = dl.copy();
    set.remove("id");
    return t.update(DEAD_LETTERS, new JsonObject().put("id", id), new JsonObject().put("$set", set))
        .compose(r -> r.getDocMatched() > 0 ? Future.succeededFuture() : t.insert(DEAD_LETTERS, dl.copy().put("_id", tenantId + ":" + id)).mapEmpty());
  }

  public Future<JsonObject> deadLetterOf(String tenantId, String id) {
    return mongo.forTenant(tenantId).findOne(DEAD_LETTERS, new JsonObject().put("id", id), null);
  }

  public Future<Void> markDeadLetter(String tenantId, String id, JsonObject set) {
    return mongo.forTenant(tenantId).update(DEAD_LETTERS, new JsonObject().put("id", id), new JsonObject().put("$set", set)).mapEmpty();
  }

  /** Newest first; {@code state} null = all. */
  public Future<JsonObject> deadLetters(String tenantId, String subscriptionId, String state, int limit, int offset) {
    TenantMongo.Scoped t = mongo.forTenant(tenantId);
    JsonObject q = new JsonObject();
    if (subscriptionId != null) q.put("subscriptionId", subscriptionId);
    if (state != null) q.put("state", state);
    return Future.all(t.find(DEAD_LETTERS, q, new FindOptions().setSort(new JsonObject().put("atMs", -1)).setLimit(limit).setSkip(offset)), t.count(DEAD_LETTERS, q))
        .map(cf -> page(cf.resultAt(0), cf.resultAt(1), limit, offset));
  }
}
