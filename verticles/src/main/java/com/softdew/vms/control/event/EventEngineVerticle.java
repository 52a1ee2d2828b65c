package com.softdew.vms.control.event;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.camera.CameraService;
import com.softdew.vms.control.config.ConfigService;
import com.softdew.vms.control.tenant.TenantDirectory;
import com.softdew.vms.model.DetectionResult;
import com.softdew.vms.platform.store.KafkaClients;
import com.softdew.vms.platform.store.Stores;
import com.softdew.vms.platform.store.TenantMongo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event engine: consumes {@link DetectionResult}s from {@link Addresses#TOPIC_DETECTIONS} (group
 * {@value #GROUP}, manual commits after the Mongo writes: at-least-once), turns alarms into events and grows them
 * across segments (see docs/events.md), and closes events nothing was seen for. Records are applied strictly one after
 * another (a bounded queue in front; the consumer pauses above {@link Settings#maxQueued}).
 */
public final class EventEngineVerticle extends AbstractVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(EventEngineVerticle.class);
  public static final String GROUP = "vms-event-engine";

  /**
   * @param mergeWindowMs    detections of one camera/type/zone(/track) at most this far apart grow one event
   * @param closeGraceMs     an event is ended when the wall clock is past lastSeenAt + mergeWindow + this (detections
   *                         arrive late: segment length plus analysis latency)
   * @param minFrames        persistence: consecutive alarm frames needed to open an event
   * @param scene            global scene change rules
   * @param maxQueued        records buffered before the consumer pauses
   * @param appliedTtlMs     how long applied record keys (idempotency) and suppressed candidates are kept
   */
  public record Settings(long mergeWindowMs, long closeGraceMs, int minFrames, Candidates.SceneRules scene, int maxQueued, long appliedTtlMs,
      long sweepMs) {
    public static Settings defaults() {
      return new Settings(10_000, 60_000, 3, Candidates.SceneRules.defaults(), 200, 7L * 24 * 3600_000, 5_000);
    }
  }

  private final Stores stores;
  private final EventStore store;
  private final TenantDirectory tenants;
  private final CameraKeys keys;
  private final CameraService cameras;
  private final Supplier<ConfigService> config;
  private final Settings settings;
  private final MeterRegistry registry;
  private final EventActions actions;
  private final Map<String, Future<JsonObject>> effective = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Future<JsonObject>> e) {
      return size() > 10_000;
    }
  };
  private final ArrayDeque<KafkaConsumerRecord<String, Buffer>> queue = new ArrayDeque<>();
  private KafkaConsumer<String, Buffer> consumer;
  private KafkaProducer<String, Buffer> producer;
  private boolean draining;
  private boolean committing;
  private final Map<TopicPartition, Long> done = new java.util.HashMap<>();
  private long commitTimer = -1;
  private boolean paused;
  private boolean stopping;
  private long sweepTimer = -1;
  private Counter retries, created, updated, duplicates, belowThreshold, nonPersistent, suppressedCount, unknownCamera, badRecords, overflow;

  public EventEngineVerticle(Stores stores, EventStore store, TenantDirectory tenants, CameraService cameras, Supplier<ConfigService> config,
      Settings settings, EventActions actions, MeterRegistry registry) {
    this.actions = actions;
    this.stores = stores;
    this.store = store;
    this.tenants = tenants;
    this.cameras = cameras;
    this.keys = new CameraKeys(tenants, cameras);
    this.config = config;
    this.settings = settings;
    this.registry = registry == null ? new io.micrometer.core.instrument.simple.SimpleMeterRegistry() : registry; // null in tests without metrics
  }

  private Counter counter(String name, String what) {
    return Counter.builder("vms.events.engine." + name).description(what).register(registry);
  }

  @Override
  public void start(Promise<Void> startPromise) {
    created = counter("created", "events created");
    retries = counter("retries", "attempts to apply a record again after a failure (Mongo unavailable...)");
    updated = counter("updated", "events grown by a later detection record");
    duplicates = counter("duplicates", "detection records already applied (redelivered), ignored");
    belowThreshold = counter("below.threshold", "alarms under the confidence threshold");
    nonPersistent = counter("non.persistent", "candidates with fewer consecutive alarm frames than required and no open event");
    suppressedCount = counter("suppressed", "candidates suppressed as global scene changes");
    unknownCamera = counter("unknown.camera", "detection records of an unknown tenant or camera");
    badRecords = counter("bad.records", "detection records that could not be read");
    overflow = counter("queue.pauses", "times the consumer paused because the queue was full");
    vertx.eventBus().<JsonObject>consumer(Addresses.CONFIG_CHANGED, m -> {
      synchronized (effective) {
        effective.clear();
      }
    });
    vertx.eventBus().<JsonObject>consumer(Addresses.CAMERA_CHANGED, m -> keys.invalidate(m.body() == null ? null : m.body().getString("tenantId")));
    if (actions != null) {
      vertx.eventBus().<JsonObject>consumer(EventActions.ADDRESS, m -> actions.onBus(m.body()).onSuccess(m::reply).onFailure(e -> {
        if (e instanceof com.softdew.vms.platform.http.ApiException a) m.fail(a.status(), a.getMessage());
        else m.fail(500, e.toString());
      }));
      // browsers' acknowledgements through the SockJS bridge (tenant already forced from the socket's token)
      vertx.eventBus().<JsonObject>consumer(Addresses.EVENT_ACK, m -> {
        JsonObject b = m.body() == null ? new JsonObject() : m.body();
        JsonObject who = b.getJsonObject("actor", new JsonObject());
        JsonObject req = new JsonObject().put("tenantId", b.getString("tenantId")).put("eventId", b.getString("eventId"))
            // the bridge spells false_positive (an address-safe token); the actions API false-positive
            .put("action", b.getString("action", "").replace('_', '-')).put("actor", who.getString("username", who.getString("userId")));
        if (b.getString("note") != null) req.put("text", b.getString("note")).put("reason", b.getString("note"));
        actions.onBus(req).onSuccess(m::reply).onFailure(e -> {
          if (e instanceof com.softdew.vms.platform.http.ApiException a) m.fail(a.status(), a.getMessage());
          else m.fail(500, e.toString());
        });
      });
    }
    store.ensureIndexes().onFailure(e -> LOG.warn("event indexes: {}", e.toString())).recover(e -> Future.succeededFuture()).compose(v -> {
      producer = KafkaClients.producer(vertx, stores, "vms-event-engine-" + UUID.randomUUID(), registry);
      store.producer(producer);
      consumer = KafkaClients.consumer(vertx, stores, GROUP, Map.of(), registry);
      consumer.exceptionHandler(e -> LOG.warn("event engine consumer: {}", e.toString()));
      consumer.handler(this::onRecord);
      return consumer.subscribe(Addresses.TOPIC_DETECTIONS);
    }).onComplete(ar -> {
      if (ar.failed()) {
        startPromise.fail(ar.cause());
        return;
      }
      sweepTimer = vertx.setPeriodic(settings.sweepMs(), id -> sweep());
      commitTimer = vertx.setPeriodic(1000, id -> commit());
      LOG.info("event engine consuming {} (group {}, merge window {} ms, min frames {})", Addresses.TOPIC_DETECTIONS, GROUP,
          settings.mergeWindowMs(), settings.minFrames());
      startPromise.complete();
    });
  }

  @Override
  public void stop(Promise<Void> stopPromise) {
    stopping = true;
    store.producerClosed(producer);
    if (sweepTimer >= 0) vertx.cancelTimer(sweepTimer);
    if (commitTimer >= 0) vertx.cancelTimer(commitTimer);
    Future<Void> c = commit().recover(e -> Future.succeededFuture())
        .compose(v -> consumer == null ? Future.succeededFuture() : consumer.close().recover(e -> Future.succeededFuture()));
    c.compose(v -> producer == null ? Future.succeededFuture() : producer.close(5000).recover(e -> Future.succeededFuture()))
        .onComplete(ar -> stopPromise.complete());
  }

  private void onRecord(KafkaConsumerRecord<String, Buffer> rec) {
    queue.add(rec);
    if (!paused && queue.size() >= settings.maxQueued()) {
      paused = true;
      overflow.increment();
      consumer.pause();
      LOG.info("event engine queue full ({} records): consumer paused", queue.size());
    }
    drain();
  }

  private void drain() {
    if (draining || stopping) return;
    KafkaConsumerRecord<String, Buffer> rec = queue.poll();
    if (rec == null) {
      if (paused) {
        paused = false;
        consumer.resume();
      }
      return;
    }
    draining = true;
    attempt(rec, 0);
  }

  /**
   * Applies a record; on failure (Mongo unavailable, ...) retries the same record with capped backoff (1 s doubling to
   * 30 s) and applies nothing after it meanwhile: the engine stalls rather than skips, so nothing is lost.
   */
  private void attempt(KafkaConsumerRecord<String, Buffer> rec, int n) {
    apply(rec).onComplete(ar -> {
      if (stopping) return;
      if (ar.failed()) {
        retries.increment();
        long delay = Math.min(30_000, 1000L << Math.min(n, 5));
        LOG.error("detection record {}-{}@{} not applied (attempt {}), retrying in {} ms: {}", rec.topic(), rec.partition(), rec.offset(), n + 1, delay,
            ar.cause().toString());
        vertx.setTimer(delay, id -> attempt(rec, n + 1));
        return;
      }
      done.put(new TopicPartition(rec.topic(), rec.partition()), rec.offset() + 1);
      draining = false;
      drain();
    });
  }

  /** Commits the offsets after the applied records (periodically: a commit waits for the consumer's poll). */
  private Future<Void> commit() {
    if (consumer == null || committing || done.isEmpty()) return Future.succeededFuture();
    Map<TopicPartition, OffsetAndMetadata> m = new java.util.HashMap<>();
    done.forEach((tp, o) -> m.put(tp, new OffsetAndMetadata(o, GROUP)));
    Map<TopicPartition, Long> snapshot = new java.util.HashMap<>(done);
    committing = true;
    return consumer.commit(m).<Void>mapEmpty().onComplete(ar -> {
      committing = false;
      if (ar.succeeded()) snapshot.forEach((tp, o) -> done.remove(tp, o));
      else LOG.warn("event engine commit of {} failed: {} (those records are applied again after a restart, idempotently)", m, ar.cause().toString());
    });
  }

  /** Applies one detection record (idempotent on jobId + model + segmentSequence). */
  Future<Void> apply(KafkaConsumerRecord<String, Buffer> rec) {
    DetectionResult r;
    try {
      r = DetectionResult.fromJson(new JsonObject(rec.value()));
    } catch (RuntimeException e) {
      badRecords.increment();
      LOG.warn("unreadable detection record {}-{}@{}: {}", rec.topic(), rec.partition(), rec.offset(), e.getMessage());
      return Future.succeededFuture();
    }
    return keys.resolve(r.customerId(), r.cameraId()).compose(k -> {
      if (k == null) {
        unknownCamera.increment();
        LOG.debug("detection of unknown tenant/camera {}/{} ignored", r.customerId(), r.cameraId());
        return Future.succeededFuture();
      }
      return apply(k, r);
    });
  }

  static String recordKey(DetectionResult r) {
    return r.jobId() + "|" + r.model() + "|" + r.segmentSequence();
  }

  Future<Void> apply(CameraKeys.Key k, DetectionResult r) {
    TenantMongo.Scoped db = store.of(k.tenantId());
    String key = recordKey(r);
    return db.findOne(EventStore.APPLIED, new JsonObject().put("key", key), null).compose(seen -> {
      if (seen != null) {
        duplicates.increment();
        return Future.succeededFuture();
      }
      return threshold(k, r.model()).compose(thr -> {
        Candidates.Result res = Candidates.of(r.frames(), thr, settings.scene());
        if (res.belowThreshold() > 0) belowThreshold.increment(res.belowThreshold());
        List<Future<?>> writes = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (Candidates.Candidate c : res.suppressed()) {
          suppressedCount.increment();
          writes.add(db.insert(EventStore.SUPPRESSED, new JsonObject().put("cameraKey", k.cameraKey()).put("eventType", c.type).put("zone", c.zone)
              .put("trackKey", c.trackKey).put("model", r.model()).put("record", key).put("from", EventStore.iso(c.first()))
              .put("to", EventStore.iso(c.last())).put("frames", c.frameTimes.size()).put("confidence", c.maxConfidence)
              .put("reason", c.suppressedBecause).put("atMs", now)));
        }
        Future<JsonArray> chain = Future.all(writes).map(v -> new JsonArray());
        for (Candidates.Candidate c : res.kept()) {
          chain = chain.compose(ids -> merge(k, r, c).map(id -> id == null ? ids : ids.add(id)));
        }
        return chain.compose(ids -> db.insert(EventStore.APPLIED,
            new JsonObject().put("key", key).put("events", ids).put("atMs", now)).<Void>mapEmpty().recover(e -> {
              // a concurrent engine (rebalance) applied it as well: the events are deterministic, nothing doubled
              return isDuplicateKey(e) ? Future.succeededFuture() : Future.failedFuture(e);
            }));
      });
    });
  }

  static boolean isDuplicateKey(Throwable e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("E11000") || m.toLowerCase().contains("duplicate key");
  }

  /** The confidence threshold of a model on a camera (system → customer → site → camera), cached until a config change. */
  Future<Double> threshold(CameraKeys.Key k, String model) {
    String ck = k.tenantId() + "|" + k.cameraKey();
    Future<JsonObject> eff;
    synchronized (effective) {
      eff = effective.get(ck);
      if (eff == null) {
        eff = cameras.siteOf(k.tenantId(), k.cameraKey()).recover(e -> Future.succeededFuture(null))
            .compose(site -> config.get().effective(k.tenantId(), site, k.cameraKey())).map(j -> j.getJsonObject("effective"));
        effective.put(ck, eff);
        Future<JsonObject> mine = eff;
        eff.onFailure(e -> {
          synchronized (effective) {
            effective.remove(ck, mine);
          }
        });
      }
    }
    return eff.map(e -> {
      JsonObject m = e.getJsonObject("models", new JsonObject()).getJsonObject(model);
      Object v = m == null ? null : m.getValue("confidenceThreshold");
      return v instanceof Number n ? n.doubleValue() : 0.5;
    });
  }

  /** Grows the open event this candidate belongs to, or opens one; the eventId, or null when nothing was written. */
  Future<String> merge(CameraKeys.Key k, DetectionResult r, Candidates.Candidate c) {
    TenantMongo.Scoped db = store.of(k.tenantId());
    JsonObject q = new JsonObject().put("cameraKey", k.cameraKey()).put("eventType", c.type).put("zone", c.zone)
        .put("status", new JsonObject().put("$in", new JsonArray().add("NEW").add("ACKNOWLEDGED")))
        .put("lastSeenAtMs", new JsonObject().put("$gte", c.first() - settings.mergeWindowMs()))
        .put("startedAtMs", new JsonObject().put("$lte", c.last() + settings.mergeWindowMs()));
    if (c.trackKey != null) q.put("trackKey", new JsonObject().put("$in", new JsonArray().add(c.trackKey).addNull()));
    return db.find(EventStore.EVENTS, q, new FindOptions().setSort(new JsonObject().put("lastSeenAtMs", -1)).setLimit(1)).compose(found -> {
      if (!found.isEmpty()) return grow(k, found.get(0), c);
      if (c.longestRun < settings.minFrames()) {
        nonPersistent.increment();
        return Future.succeededFuture(null);
      }
      return create(k, r, c);
    });
  }

  private Future<String> grow(CameraKeys.Key k, JsonObject ev, Candidates.Candidate c) {
    long start = EventStore.num(ev, "startedAtMs"), last = EventStore.num(ev, "lastSeenAtMs");
    // overlap between segments: frames inside [start, last] were counted with an earlier record
    long fresh = c.frameTimes.stream().filter(t -> t < start || t > last).count();
    long nStart = Math.min(start, c.first()), nLast = Math.max(last, c.last());
    double conf = ev.getDouble("confidence", 0.0);
    JsonObject set = new JsonObject().put("startedAtMs", nStart).put("startedAt", EventStore.iso(nStart)).put("timestamp", EventStore.iso(nStart))
        .put("lastSeenAtMs", nLast).put("lastSeenAt", EventStore.iso(nLast)).put("endedAt", null).put("endedAtMs", null)
        .put("frames", EventStore.num(ev, "frames") + fresh).put("version", EventStore.num(ev, "version") + 1);
    if (c.maxConfidence > conf) set.put("confidence", c.maxConfidence).put("detectionMetadata", metadata(k, c)).put("reason", c.reason);
    boolean changed = fresh > 0 || nStart != start || nLast != last || c.maxConfidence > conf || ev.getValue("endedAtMs") != null;
    if (!changed) return Future.succeededFuture(ev.getString("eventId"));
    String id = ev.getString("eventId");
    TenantMongo.Scoped db = store.of(k.tenantId());
    return db.update(EventStore.EVENTS, new JsonObject().put("eventId", id), new JsonObject().put("$set", set)).map(u -> {
      updated.increment();
      // not awaited: the producer keeps the order of sends, a failure is logged by publish
      store.publish("updated", k.tenantId(), ev.copy().mergeIn(set));
      return id;
    });
  }

  private JsonObject metadata(CameraKeys.Key k, Candidates.Candidate c) {
    JsonObject m = new JsonObject().put("objectClass", c.objectClass == null ? c.type : c.objectClass);
    JsonObject box = Candidates.normalised(c.bestBox);
    if (box != null) m.put("boundingBox", box);
    if (c.trackKey != null) m.put("trackingId", trackingId(k, c.trackKey).toString());
    return m;
  }

  /** A stable UUID for a worker's track key ("t3") on one camera. */
  static UUID trackingId(CameraKeys.Key k, String trackKey) {
    return UUID.nameUUIDFromBytes(("vms:track:" + k.tenantId() + ":" + k.cameraKey() + ":" + trackKey).getBytes(StandardCharsets.UTF_8));
  }

  /** Deterministic id: a record applied twice (crash between the event write and the applied-key write) opens the same event. */
  static UUID eventId(CameraKeys.Key k, Candidates.Candidate c) {
    return UUID.nameUUIDFromBytes(("vms:event:" + k.tenantId() + ":" + k.cameraKey() + ":" + c.type + ":" + c.zone + ":" + c.trackKey + ":"
        + c.first()).getBytes(StandardCharsets.UTF_8));
  }

  private Future<String> create(CameraKeys.Key k, DetectionResult r, Candidates.Candidate c) {
    String id = eventId(k, c).toString();
    JsonObject doc = new JsonObject().put("eventId", id).put("customerId", r.customerId().toString()).put("cameraId", r.cameraId().toString())
        .put("eventType", c.type).put("confidence", c.maxConfidence).put("timestamp", EventStore.iso(c.first()))
        .put("detectionMetadata", metadata(k, c)).put("clipUrl", null).put("priority", r.priority().name()).put("status", "NEW")
        .put("startedAt", EventStore.iso(c.first())).put("startedAtMs", c.first()).put("lastSeenAt", EventStore.iso(c.last()))
        .put("lastSeenAtMs", c.last()).put("endedAt", null).put("endedAtMs", null).put("cameraKey", k.cameraKey()).put("zone", c.zone)
        .put("trackKey", c.trackKey).put("model", r.model()).put("reason", c.reason).put("frames", c.frameTimes.size())
        .put("correlationId", null).put("clipState", "none").put("notes", new JsonArray()).put("tags", new JsonArray())
        .put("escalated", false).put("ticketId", null).put("version", 1).put("createdAtMs", System.currentTimeMillis());
    TenantMongo.Scoped db = store.of(k.tenantId());
    return db.insert(EventStore.EVENTS, doc).compose(x -> {
      created.increment();
      store.publish("created", k.tenantId(), doc);
      return Future.succeededFuture(id);
    }, e -> isDuplicateKey(e) ? Future.succeededFuture(id) : Future.failedFuture(e));
  }

  /** Ends events nothing was seen for (lastSeenAt + window + grace in the past) and drops old idempotency keys. */
  void sweep() {
    long now = System.currentTimeMillis();
    long cutoff = now - settings.mergeWindowMs() - settings.closeGraceMs();
    for (TenantDirectory.TenantInfo t : tenants.all()) {
      TenantMongo.Scoped db = store.of(t.tenantId());
      db.find(EventStore.EVENTS, new JsonObject().put("endedAtMs", null).put("lastSeenAtMs", new JsonObject().put("$lt", cutoff)),
          new FindOptions().setLimit(100)).onSuccess(list -> {
            for (JsonObject ev : list) {
              long last = EventStore.num(ev, "lastSeenAtMs");
              JsonObject set = new JsonObject().put("endedAtMs", last).put("endedAt", EventStore.iso(last)).put("version", EventStore.num(ev, "version") + 1);
              db.update(EventStore.EVENTS, new JsonObject().put("eventId", ev.getString("eventId")).put("lastSeenAtMs", last).put("endedAtMs", null),
                  new JsonObject().put("$set", set)).onSuccess(u -> {
                    if (u.getDocModified() > 0) store.publish("updated", t.tenantId(), ev.copy().mergeIn(set));
                  });
            }
          }).onFailure(e -> LOG.warn("event sweep of {}: {}", t.tenantId(), e.toString()));
      long old = now - settings.appliedTtlMs();
      db.delete(EventStore.APPLIED, new JsonObject().put("atMs", new JsonObject().put("$lt", old)));
      db.delete(EventStore.SUPPRESSED, new JsonObject().put("atMs", new JsonObject().put("$lt", old)));
    }
  }
}
