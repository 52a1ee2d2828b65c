package com.softdew.vms.control.event;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.model.Event;
import com.softdew.vms.platform.store.TenantMongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events in Mongo (collection {@value #EVENTS}, one document per event, tenant-scoped through {@link TenantMongo}) and
 * the publication of every change: the agreed event-change message on {@link Addresses#EVENT_UPDATED} (bus) and as the
 * value of a Kafka record on {@link Addresses#TOPIC_EVENTS} keyed by eventId.
 *
 * <p>Stored document: the seed's fields (eventId, customerId, cameraId, eventType, confidence, timestamp,
 * detectionMetadata, clipUrl, priority, status) plus startedAt/lastSeenAt/endedAt (ISO) and their epoch-ms twins
 * (startedAtMs, lastSeenAtMs, endedAtMs: what queries range on), cameraKey, zone, trackKey, model, frames,
 * correlationId, notes[], tags[], escalated, ticketId, version (optimistic concurrency).
 */
public final class EventStore {
  private static final Logger LOG = LoggerFactory.getLogger(EventStore.class);
  public static final String EVENTS = "events";
  public static final String TICKETS = "tickets";
  public static final String APPLIED = "event_applied_detections";
  public static final String SUPPRESSED = "event_suppressed";

  private final Vertx vertx;
  private final TenantMongo mongo;
  private volatile KafkaProducer<String, Buffer> producer;

  public EventStore(Vertx vertx, TenantMongo mongo) {
    this.vertx = vertx;
    this.mongo = mongo;
  }

  public TenantMongo mongo() {
    return mongo;
  }

  public TenantMongo.Scoped of(String tenantId) {
    return mongo.forTenant(tenantId);
  }

  /** The producer for {@link Addresses#TOPIC_EVENTS}; without one, changes go on the bus only. */
  public synchronized void producer(KafkaProducer<String, Buffer> p) {
    this.producer = p;
  }

  /**
   * Indexes for the queries of the engine and the API. mongo-java-server (the embedded store) keeps unique indexes
   * but may ignore compound ordering; on a real MongoDB they are used as declared.
   */
  /** The engine that set this producer stops: later changes (actions) go on the bus only until an engine starts again. */
  public synchronized void producerClosed(KafkaProducer<String, Buffer> p) {
    if (producer == p) producer = null;
  }

  public Future<Void> ensureIndexes() {
    return Future.all(
        mongo.ensureUniqueIndex(EVENTS, new JsonObject().put("eventId", 1)),
        mongo.ensureIndexes(EVENTS, new JsonObject().put("startedAtMs", -1), new JsonObject().put("cameraKey", 1).put("startedAtMs", -1),
            new JsonObject().put("eventType", 1).put("startedAtMs", -1), new JsonObject().put("status", 1).put("startedAtMs", -1),
            new JsonObject().put("cameraKey", 1).put("eventType", 1).put("lastSeenAtMs", -1), new JsonObject().put("endedAtMs", 1)),
        mongo.ensureUniqueIndex(APPLIED, new JsonObject().put("key", 1)),
        mongo.ensureIndexes(APPLIED, new JsonObject().put("atMs", 1)),
        mongo.ensureIndexes(SUPPRESSED, new JsonObject().put("atMs", -1)),
        mongo.ensureUniqueIndex(TICKETS, new JsonObject().put("ticketId", 1))).mapEmpty();
  }

  /** Event.toJson() of the stored document plus the agreed extras (the event part of the change message). */
  public static JsonObject eventJson(String tenantId, JsonObject doc) {
    Event e = toEvent(doc);
    JsonObject j = e.toJson();
    j.put("startedAt", doc.getString("startedAt")).put("lastSeenAt", doc.getString("lastSeenAt")).put("endedAt", doc.getString("endedAt"))
        .put("tenantId", tenantId).put("correlationId", doc.getString("correlationId")).put("zone", doc.getString("zone"))
        .put("clipState", doc.getString("clipState", "none"));
    return j;
  }

  /** What the API returns: the event message fields plus the operator's additions. */
  public static JsonObject apiJson(String tenantId, JsonObject doc) {
    return eventJson(tenantId, doc).put("cameraKey", doc.getString("cameraKey")).put("model", doc.getString("model"))
        .put("frames", num(doc, "frames")).put("tags", doc.getJsonArray("tags", new JsonArray()))
        .put("notes", doc.getJsonArray("notes", new JsonArray())).put("escalated", doc.getBoolean("escalated", false))
        .put("ticketId", doc.getString("ticketId")).put("version", num(doc, "version"));
  }

  static Event toEvent(JsonObject doc) {
    return Event.fromJson(new JsonObject().put("eventId", doc.getString("eventId")).put("customerId", doc.getString("customerId"))
        .put("cameraId", doc.getString("cameraId")).put("eventType", doc.getString("eventType"))
        .put("confidence", doc.getValue("confidence")).put("timestamp", doc.getString("timestamp"))
        .put("detectionMetadata", doc.getJsonObject("detectionMetadata")).put("clipUrl", doc.getString("clipUrl"))
        .put("priority", doc.getString("priority")).put("status", doc.getString("status")));
  }

  static long num(JsonObject doc, String field) {
    Object v = doc.getValue(field);
    return v instanceof Number n ? n.longValue() : 0;
  }

  /** The agreed change message. */
  public static JsonObject message(String action, String tenantId, JsonObject doc) {
    return new JsonObject().put("action", action).put("tenantId", tenantId).put("cameraKey", doc.getString("cameraKey"))
        .put("event", eventJson(tenantId, doc));
  }

  /** Publishes a change on the bus and on Kafka (best effort on Kafka: a failure is logged, the bus copy is sent). */
  public Future<Void> publish(String action, String tenantId, JsonObject doc) {
    JsonObject m = message(action, tenantId, doc);
    vertx.eventBus().publish(Addresses.EVENT_UPDATED, m);
    KafkaProducer<String, Buffer> p = producer;
    if (p == null) return Future.succeededFuture();
    return p.send(KafkaProducerRecord.create(Addresses.TOPIC_EVENTS, doc.getString("eventId"), Buffer.buffer(m.encode())))
        .<Void>mapEmpty().recover(e -> {
          LOG.warn("event {} ({}) not produced to {}: {}", doc.getString("eventId"), action, Addresses.TOPIC_EVENTS, e.toString());
          return Future.succeededFuture();
        });
  }

  public Future<JsonObject> get(String tenantId, String eventId) {
    return of(tenantId).findOne(EVENTS, new JsonObject().put("eventId", eventId), null);
  }

  static String iso(long ms) {
    return Instant.ofEpochMilli(ms).toString();
  }
}
