package com.softdew.vms.control.event;

import static com.softdew.vms.control.testing.ApiClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.testing.TestNode;
import com.softdew.vms.edge.pipeline.CameraPipeline;
import com.softdew.vms.model.DetectionResult;
import com.softdew.vms.model.Priority;
import com.softdew.vms.platform.store.KafkaClients;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The event engine on a real node (PostgreSQL, embedded Kafka, Mongo-wire): DetectionResult records shaped like the AI
 * workers produce them go to vms-detections, events come out in Mongo, on the bus and on vms-events; then the actions
 * API. Records are ordered per camera (keyed by cameraId), so a later record of the same camera proves the earlier ones
 * were applied.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EventEngineTest {
  static final String PW = "tenant-admin-pass-phrase";
  TestNode test;
  String admin1, admin2;
  KafkaProducer<String, Buffer> producer;
  KafkaConsumer<String, Buffer> eventsTopic;
  final List<JsonObject> bus = new CopyOnWriteArrayList<>();
  final Map<String, List<JsonObject>> kafkaEvents = new ConcurrentHashMap<>();
  final long base = System.currentTimeMillis() - 20_000;
  final List<DetectionResult> intruder = new ArrayList<>();
  final List<DetectionResult> negatives = new ArrayList<>();
  String intruderEvent;

  @BeforeAll
  void start() throws Exception {
    test = TestNode.start(Map.of());
    for (String t : List.of("t1", "t2")) {
      assertEquals(201, test.api.call(test.operator, "POST", "/api/v1/tenants", new JsonObject().put("tenantId", t).put("name", t)
          .put("licence", new JsonObject().put("cameraLimit", 10).put("validUntil", Instant.now().plus(Duration.ofDays(90)).toString())))
          .statusCode());
      assertEquals(201, test.api.call(test.operator, "POST", "/api/v1/users", new JsonObject().put("username", t + "-admin").put("password", PW)
          .put("role", "ADMIN").put("tenantId", t)).statusCode());
    }
    admin1 = test.api.token("t1-admin", PW);
    admin2 = test.api.token("t2-admin", PW);
    for (String cam : List.of("door", "yard")) {
      HttpResponse<Buffer> r = test.api.call(admin1, "POST", "/api/v1/cameras", new JsonObject().put("cameraId", cam).put("name", "Camera " + cam)
          .put("host", "10.0.0.5").put("rtspMain", "rtsp://10.0.0.5:554/" + cam).put("authType", "DIGEST").put("username", "admin").put("secret", "s3cret"));
      assertEquals(201, r.statusCode(), r.bodyAsString());
    }
    test.vertx.eventBus().<JsonObject>consumer(Addresses.EVENT_UPDATED, m -> bus.add(m.body()));
    producer = KafkaClients.producer(test.vertx, test.node.stores(), "test-detections", null);
    eventsTopic = KafkaClients.consumer(test.vertx, test.node.stores(), "test-events-" + UUID.randomUUID(), Map.of(), null);
    eventsTopic.handler(r -> kafkaEvents.computeIfAbsent(r.key(), k -> new CopyOnWriteArrayList<>()).add(new JsonObject(r.value())));
    await(eventsTopic.subscribe(Addresses.TOPIC_EVENTS));
  }

  @AfterAll
  void stop() throws Exception {
    if (test != null) test.close();
  }

  // ---- records shaped like ModelWorkerVerticle's (FrameResult.toJson per frame) ----

  static JsonObject frame(long index, long pts, JsonArray detections, JsonArray alarms) {
    JsonObject f = new JsonObject().put("frame", index).put("ptsMs", pts).put("model", "intrusion").put("count", detections.size()).put("detections", detections);
    if (!alarms.isEmpty()) f.put("alarms", alarms);
    return f;
  }

  static JsonObject person(String track, String zone, double conf) {
    return new JsonObject().put("class", "person").put("confidence", conf).put("box", new JsonArray().add(320).add(120).add(64).add(160))
        .put("track", track).put("zone", zone);
  }

  static JsonObject alarm(String type, String zone, String key, double conf) {
    return new JsonObject().put("type", type).put("confidence", conf).put("zone", zone).put("key", key)
        .put("reason", "person " + key + " in zone " + zone + " for 4.2 s > 3 s");
  }

  /** One 4 s segment (5 fps) starting at startMs; alarmOn decides per frame index whether the alarm holds. */
  static DetectionResult segment(String tenant, String camera, long seq, long startMs, String model, java.util.function.IntFunction<JsonArray> alarmsOf,
      java.util.function.IntFunction<JsonArray> detsOf) {
    JsonArray frames = new JsonArray();
    for (int i = 0; i < 20; i++) frames.add(frame(seq * 1000 + i, startMs + i * 200L, detsOf.apply(i), alarmsOf.apply(i)));
    return new DetectionResult(UUID.randomUUID(), CameraPipeline.uuidOf("tenant", tenant), CameraPipeline.uuidOf("camera", camera), model, seq,
        Instant.ofEpochMilli(startMs), Priority.HIGH, frames, new DetectionResult.Latency(5, 40, 120, 3, 170, 900), "node-a", "cpu");
  }

  void send(DetectionResult r) throws Exception {
    KafkaProducerRecord<String, Buffer> rec = KafkaProducerRecord.create(Addresses.TOPIC_DETECTIONS, r.cameraId().toString(),
        Buffer.buffer(r.toJson().encode()));
    rec.addHeader("jobId", r.jobId().toString());
    rec.addHeader("customerId", r.customerId().toString());
    await(producer.send(rec));
  }

  List<JsonObject> events(String tenant, String query) throws Exception {
    HttpResponse<Buffer> r = test.api.call(tenant.equals("t1") ? admin1 : admin2, "GET", "/api/v1/events?limit=500" + query, null);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    List<JsonObject> out = new ArrayList<>();
    r.bodyAsJsonObject().getJsonArray("items").forEach(o -> out.add((JsonObject) o));
    return out;
  }

  static <T> T waitFor(String what, Supplier<T> probe) throws Exception {
    long until = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < until) {
      T v = probe.get();
      if (v != null) return v;
      Thread.sleep(100);
    }
    throw new AssertionError("not within 30 s: " + what);
  }

  JsonObject waitForEvent(String query) throws Exception {
    return waitFor("event " + query, () -> {
      try {
        List<JsonObject> l = events("t1", query);
        return l.isEmpty() ? null : l.get(0);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
  }

  @Test
  @Order(1)
  void threeOverlappingSegmentsOfOneIntruderAreOneEvent() throws Exception {
    // segments of 4 s overlapping by 1 s (start every 3 s): frames at the same capture times appear in two records
    for (int s = 0; s < 3; s++) {
      intruder.add(segment("t1", "door", 10 + s, base + s * 3000L, "intrusion",
          i -> new JsonArray().add(alarm("intrusion", "door", "t7", 0.7 + 0.05 * (i % 3))),
          i -> new JsonArray().add(person("t7", "door", 0.9))));
    }
    send(intruder.get(0));
    JsonObject first = waitForEvent("&cameraId=door&type=intrusion");
    intruderEvent = first.getString("eventId");
    assertEquals(Instant.ofEpochMilli(base).toString(), first.getString("startedAt"));
    assertEquals(Instant.ofEpochMilli(base + 19 * 200).toString(), first.getString("lastSeenAt"));
    send(intruder.get(1));
    send(intruder.get(2));
    long last = base + 2 * 3000 + 19 * 200;
    JsonObject grown = waitFor("event grown to the third segment", () -> {
      try {
        JsonObject e = events("t1", "&cameraId=door&type=intrusion").get(0);
        return e.getString("lastSeenAt").equals(Instant.ofEpochMilli(last).toString()) ? e : null;
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    assertEquals(1, events("t1", "&cameraId=door&type=intrusion").size(), "one event, not one per segment");
    assertEquals(intruderEvent, grown.getString("eventId"));
    assertEquals(Instant.ofEpochMilli(base).toString(), grown.getString("startedAt"));
    assertEquals(grown.getString("startedAt"), grown.getString("timestamp"));
    assertNull(grown.getString("endedAt"));
    // 3 segments x 20 frames, 2 overlaps of 5 frames counted once: 50 distinct frame times
    assertEquals(50, grown.getLong("frames"));
    assertEquals(0.8, grown.getDouble("confidence"), 1e-9);
    assertEquals("NEW", grown.getString("status"));
    assertEquals("door", grown.getString("zone"));
    assertEquals("HIGH", grown.getString("priority"));
    assertEquals(CameraPipeline.uuidOf("camera", "door").toString(), grown.getString("cameraId"));
    assertEquals(CameraPipeline.uuidOf("tenant", "t1").toString(), grown.getString("customerId"));
    JsonObject md = grown.getJsonObject("detectionMetadata");
    assertEquals("person", md.getString("objectClass"));
    assertNotNull(md.getString("trackingId"));
    assertEquals(0.5, md.getJsonObject("boundingBox").getDouble("x"), 1e-9);
    assertEquals(160 / 480.0, md.getJsonObject("boundingBox").getDouble("height"), 1e-9);
    // the changes on the bus: created once, then updated; the same messages on Kafka keyed by eventId
    waitFor("bus updates", () -> bus.stream().filter(m -> m.getString("action").equals("updated")
        && m.getJsonObject("event").getString("lastSeenAt").equals(Instant.ofEpochMilli(last).toString())).findAny().orElse(null));
    assertEquals(1, bus.stream().filter(m -> m.getString("action").equals("created")).count());
    JsonObject created = bus.stream().filter(m -> m.getString("action").equals("created")).findFirst().orElseThrow();
    assertEquals("t1", created.getString("tenantId"));
    assertEquals("door", created.getString("cameraKey"));
    assertEquals(intruderEvent, created.getJsonObject("event").getString("eventId"));
    assertEquals("t1", created.getJsonObject("event").getString("tenantId"));
    assertTrue(created.getJsonObject("event").containsKey("endedAt"));
    assertEquals("none", created.getJsonObject("event").getString("clipState"));
    waitFor("vms-events records", () -> kafkaEvents.getOrDefault(intruderEvent, List.of()).size() >= 3 ? true : null);
    assertEquals("created", kafkaEvents.get(intruderEvent).get(0).getString("action"));
  }

  @Test
  @Order(2)
  void belowThresholdNonPersistentAndSceneChangesCreateNone() throws Exception {
    long t0 = base + 1_000;
    // under the default threshold (0.5) on every frame
    negatives.add(segment("t1", "yard", 1, t0, "intrusion", i -> new JsonArray().add(alarm("intrusion", "yard", "t1", 0.3)),
        i -> new JsonArray().add(person("t1", "yard", 0.9))));
    // above it, but never two frames in a row (persistence needs 3)
    negatives.add(segment("t1", "yard", 2, t0 + 3000, "intrusion",
        i -> i % 2 == 0 ? new JsonArray().add(alarm("intrusion", "gate", "t2", 0.9)) : new JsonArray(),
        i -> new JsonArray().add(person("t2", "gate", 0.9))));
    // every frame: four zones at once (lights switched on): a global scene change
    negatives.add(segment("t1", "yard", 3, t0 + 6000, "intrusion",
        i -> new JsonArray().add(alarm("intrusion", "a", null, 0.9)).add(alarm("intrusion", "b", null, 0.9)).add(alarm("intrusion", "c", null, 0.9))
            .add(alarm("intrusion", "d", null, 0.9)),
        i -> new JsonArray()));
    for (DetectionResult r : negatives) send(r);
    // then a real one on the same camera (same partition, after them)
    send(segment("t1", "yard", 4, t0 + 9000, "intrusion", i -> new JsonArray().add(alarm("intrusion", "fence", "t9", 0.9)),
        i -> new JsonArray().add(person("t9", "fence", 0.9))));
    waitForEvent("&cameraId=yard&type=intrusion");
    List<JsonObject> yard = events("t1", "&cameraId=yard");
    assertEquals(1, yard.size(), yard.toString());
    assertEquals("fence", yard.get(0).getString("zone"));
    List<JsonObject> suppressed = await(test.node.eventActions() == null ? null
        : new EventStore(test.vertx, new com.softdew.vms.platform.store.TenantMongo(test.node.stores().mongo())).of("t1")
            .find(EventStore.SUPPRESSED, new JsonObject().put("cameraKey", "yard"), null));
    assertEquals(4, suppressed.size(), "one suppressed candidate per zone");
    assertTrue(suppressed.get(0).getString("reason").contains("4 zones alarmed on one frame"), suppressed.get(0).encode());
  }

  @Test
  @Order(3)
  void redeliveredRecordsAndARestartFromOffsetZeroCreateNoDuplicate() throws Exception {
    // the same records again (a worker resent them)
    for (DetectionResult r : intruder) send(r);
    for (DetectionResult r : negatives) send(r);
    send(segment("t1", "door", 40, base + 12_000, "intrusion", i -> new JsonArray().add(alarm("loitering", "hall", null, 0.9)),
        i -> new JsonArray()));
    waitForEvent("&cameraId=door&type=loitering");
    JsonObject again = events("t1", "&cameraId=door&type=intrusion").get(0);
    assertEquals(1, events("t1", "&cameraId=door&type=intrusion").size());
    assertEquals(50, again.getLong("frames"));
    assertEquals(1, events("t1", "&cameraId=yard").size());

    // restart the engine with the group's offsets back at 0 and the applied keys lost (a crash between the event
    // write and the key write): every record is applied again, nothing is doubled
    EventEngineVerticle old = test.node.eventEngine();
    await(test.vertx.undeploy(old.deploymentID()));
    var mongo = new com.softdew.vms.platform.store.TenantMongo(test.node.stores().mongo());
    await(mongo.forTenant("t1").delete(EventStore.APPLIED, new JsonObject()));
    resetOffsets();
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    EventEngineVerticle fresh = new EventEngineVerticle(test.node.stores(), new EventStore(test.vertx, mongo), test.node.tenants(), test.node.cameras(),
        () -> test.node.configService().service(), EventEngineVerticle.Settings.defaults(), test.node.eventActions(), reg);
    await(test.vertx.deployVerticle(fresh));
    send(segment("t1", "door", 41, base + 15_000, "intrusion", i -> new JsonArray().add(alarm("tampering", null, "covered", 0.9)),
        i -> new JsonArray()));
    waitForEvent("&cameraId=door&type=tampering");
    assertEquals(1, events("t1", "&cameraId=door&type=intrusion").size());
    assertEquals(50, events("t1", "&cameraId=door&type=intrusion").get(0).getLong("frames"));
    assertEquals(1, events("t1", "&cameraId=door&type=loitering").size());
    assertEquals(1, events("t1", "&cameraId=yard").size());
    // replayed: 3 + 4 + 3 + 4 + 1 records before the marker, none created anything new
    assertEquals(1.0, reg.get("vms.events.engine.created").counter().count(), "only the marker created an event");
    // and now the keys are back: one more redelivery is recognised as such
    send(intruder.get(0));
    send(segment("t1", "door", 42, base + 16_000, "intrusion", i -> new JsonArray().add(alarm("fire", null, null, 0.9)), i -> new JsonArray()));
    waitForEvent("&cameraId=door&type=fire");
    assertTrue(reg.get("vms.events.engine.duplicates").counter().count() >= 1);
  }

  void resetOffsets() throws Exception {
    Properties p = new Properties();
    p.putAll(test.node.stores().kafkaConfig());
    try (Admin admin = Admin.create(p)) {
      var parts = admin.describeTopics(List.of(Addresses.TOPIC_DETECTIONS)).allTopicNames().get().get(Addresses.TOPIC_DETECTIONS).partitions();
      Map<TopicPartition, OffsetAndMetadata> zero = new java.util.HashMap<>();
      for (var pi : parts) zero.put(new TopicPartition(Addresses.TOPIC_DETECTIONS, pi.partition()), new OffsetAndMetadata(0));
      Exception last = null;
      for (int i = 0; i < 100; i++) { // the group must be empty: the closed consumer's leave may take a moment
        try {
          admin.alterConsumerGroupOffsets(EventEngineVerticle.GROUP, zero).all().get();
          return;
        } catch (Exception e) {
          last = e;
          Thread.sleep(200);
        }
      }
      throw last;
    }
  }

  @Test
  @Order(4)
  void actionsFollowTheStatusMachine() throws Exception {
    String base = "/api/v1/events/" + intruderEvent;
    HttpResponse<Buffer> r = test.api.call(admin1, "POST", base + "/acknowledge", null);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals("ACKNOWLEDGED", r.bodyAsJsonObject().getString("status"));
    r = test.api.call(admin1, "POST", base + "/resolve", null);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals("RESOLVED", r.bodyAsJsonObject().getString("status"));
    r = test.api.call(admin1, "POST", base + "/acknowledge", null);
    assertEquals(409, r.statusCode(), r.bodyAsString());
    assertTrue(r.getHeader("content-type").startsWith("application/problem+json"));
    assertTrue(r.bodyAsJsonObject().getString("detail").contains("RESOLVED"), r.bodyAsString());
    waitFor("status on the bus", () -> bus.stream().filter(m -> m.getString("action").equals("status")
        && m.getJsonObject("event").getString("status").equals("RESOLVED")).findAny().orElse(null));

    String fire = events("t1", "&type=fire").get(0).getString("eventId");
    r = test.api.call(admin1, "POST", "/api/v1/events/" + fire + "/false-positive", null);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals("FALSE_POSITIVE", r.bodyAsJsonObject().getString("status"));
    assertEquals(409, test.api.call(admin1, "POST", "/api/v1/events/" + fire + "/resolve", null).statusCode());
    assertEquals(409, test.api.call(admin1, "POST", "/api/v1/events/" + fire + "/escalate", new JsonObject()).statusCode());
    assertEquals(1, events("t1", "&status=FALSE_POSITIVE").size());

    String loiter = events("t1", "&type=loitering").get(0).getString("eventId");
    r = test.api.call(admin1, "POST", "/api/v1/events/" + loiter + "/escalate", new JsonObject().put("reason", "needs the police"));
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertTrue(r.bodyAsJsonObject().getBoolean("escalated"));
    String ticket = r.bodyAsJsonObject().getString("ticketId");
    var mongo = new com.softdew.vms.platform.store.TenantMongo(test.node.stores().mongo());
    JsonObject t = await(mongo.forTenant("t1").findOne(EventStore.TICKETS, new JsonObject().put("ticketId", ticket), null));
    assertEquals(loiter, t.getString("eventId"));
    assertEquals("OPEN", t.getString("state"));
    assertEquals(409, test.api.call(admin1, "POST", "/api/v1/events/" + loiter + "/escalate", new JsonObject()).statusCode());

    // acknowledge over the bus (what the SockJS bridge sends)
    JsonObject viaBus = await(test.vertx.eventBus().<JsonObject>request(EventActions.ADDRESS, new JsonObject().put("tenantId", "t1")
        .put("eventId", loiter).put("action", "acknowledge").put("actor", "user:t1-admin"))).body();
    assertEquals("ACKNOWLEDGED", viaBus.getString("status"));
    var refused = test.vertx.eventBus().request(EventActions.ADDRESS, new JsonObject().put("tenantId", "t2").put("eventId", loiter)
        .put("action", "resolve").put("actor", "user:t2-admin"));
    try {
      await(refused);
      throw new AssertionError("tenant t2 resolved t1's event over the bus");
    } catch (java.util.concurrent.ExecutionException e) {
      assertEquals(404, ((io.vertx.core.eventbus.ReplyException) e.getCause()).failureCode());
    }
    // a browser's acknowledgement as the SockJS bridge forwards it (actor object, tenant forced by the bridge)
    JsonObject viaBridge = await(test.vertx.eventBus().<JsonObject>request(com.softdew.vms.codec.Addresses.EVENT_ACK, new JsonObject()
        .put("tenantId", "t1").put("eventId", loiter).put("action", "resolve").put("note", "checked on camera")
        .put("actor", new JsonObject().put("userId", "u1").put("username", "t1-admin").put("role", "ADMIN")).put("via", "sockjs"))).body();
    assertEquals("RESOLVED", viaBridge.getString("status"));

    // every action audited
    JsonArray audit = await(test.node.audit().find("t1", new JsonObject().put("target", "event:" + intruderEvent), 100, 0));
    assertEquals(2, audit.size(), audit.encode());
  }

  @Test
  @Order(5)
  void threadedNotesAndTags() throws Exception {
    String base = "/api/v1/events/" + intruderEvent;
    HttpResponse<Buffer> r = test.api.call(admin1, "POST", base + "/notes", new JsonObject().put("text", "guard sent"));
    assertEquals(201, r.statusCode(), r.bodyAsString());
    String n1 = r.bodyAsJsonObject().getJsonArray("notes").getJsonObject(0).getString("noteId");
    r = test.api.call(admin1, "POST", base + "/notes", new JsonObject().put("text", "guard arrived, nobody there").put("replyTo", n1));
    assertEquals(201, r.statusCode(), r.bodyAsString());
    r = test.api.call(admin1, "POST", base + "/notes", new JsonObject().put("text", "x").put("replyTo", UUID.randomUUID().toString()));
    assertEquals(400, r.statusCode(), r.bodyAsString());
    assertEquals("replyTo", r.bodyAsJsonObject().getString("field"));
    JsonObject ev = test.api.call(admin1, "GET", base, null).bodyAsJsonObject();
    JsonArray notes = ev.getJsonArray("notes");
    assertEquals(2, notes.size());
    assertEquals(n1, notes.getJsonObject(1).getString("replyTo"));
    assertTrue(notes.getJsonObject(1).getString("author").startsWith("t1-admin"), notes.encode());
    assertNotNull(Instant.parse(notes.getJsonObject(1).getString("at")));

    r = test.api.call(admin1, "POST", base + "/tags", new JsonObject().put("add", new JsonArray().add("delivery").add("night")));
    assertEquals(200, r.statusCode(), r.bodyAsString());
    r = test.api.call(admin1, "POST", base + "/tags", new JsonObject().put("remove", new JsonArray().add("night")));
    assertEquals(new JsonArray().add("delivery"), r.bodyAsJsonObject().getJsonArray("tags"));
  }

  @Test
  @Order(6)
  void anotherTenantGets404() throws Exception {
    String base = "/api/v1/events/" + intruderEvent;
    assertEquals(404, test.api.call(admin2, "GET", base, null).statusCode());
    assertEquals(404, test.api.call(admin2, "POST", base + "/acknowledge", null).statusCode());
    assertEquals(404, test.api.call(admin2, "POST", base + "/notes", new JsonObject().put("text", "hello")).statusCode());
    assertTrue(events("t2", "").isEmpty());
    assertFalse(events("t1", "").isEmpty());
    HttpResponse<Buffer> r = test.api.call(admin1, "GET", "/api/v1/events?from=nonsense", null);
    assertEquals(400, r.statusCode());
    assertEquals("from", r.bodyAsJsonObject().getString("field"));
  }

  @Test
  @Order(7)
  void cameraThresholdOverrideAppliesAfterAConfigChange() throws Exception {
    // yard's effective configuration is cached (threshold 0.5 from the default); a camera override must invalidate it
    HttpResponse<Buffer> r = test.api.call(admin1, "PATCH", "/api/v1/config/scopes/camera:t1:yard", new JsonObject().put("patch",
        new JsonObject().put("models", new JsonObject().put("intrusion", new JsonObject().put("confidenceThreshold", 0.95)))));
    assertEquals(200, r.statusCode(), r.bodyAsString());
    long t0 = base + 30_000;
    send(segment("t1", "yard", 50, t0, "intrusion", i -> new JsonArray().add(alarm("intrusion", "pool", "t11", 0.9)),
        i -> new JsonArray().add(person("t11", "pool", 0.9))));
    send(segment("t1", "yard", 51, t0 + 3000, "intrusion", i -> new JsonArray().add(alarm("intrusion", "roof", "t12", 0.97)),
        i -> new JsonArray().add(person("t12", "roof", 0.97))));
    waitFor("roof event", () -> {
      try {
        return events("t1", "&cameraId=yard").stream().filter(e -> "roof".equals(e.getString("zone"))).findAny().orElse(null);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    assertTrue(events("t1", "&cameraId=yard").stream().noneMatch(e -> "pool".equals(e.getString("zone"))), "0.9 < the camera's 0.95");
  }

  @Test
  @Order(8)
  void eventsEndWhenNothingCameForTheWindow() throws Exception {
    // a sweep with a zero window and grace ends every open event (not deployed: only its sweep runs)
    var mongo = new com.softdew.vms.platform.store.TenantMongo(test.node.stores().mongo());
    EventEngineVerticle.Settings d = EventEngineVerticle.Settings.defaults();
    new EventEngineVerticle(test.node.stores(), new EventStore(test.vertx, mongo), test.node.tenants(), test.node.cameras(),
        () -> test.node.configService().service(), new EventEngineVerticle.Settings(0, 0, d.minFrames(), d.scene(), d.maxQueued(), d.appliedTtlMs(),
            d.sweepMs()), null, null).sweep();
    JsonObject ended = waitFor("endedAt", () -> {
      try {
        JsonObject e = test.api.call(admin1, "GET", "/api/v1/events/" + intruderEvent, null).bodyAsJsonObject();
        return e.getString("endedAt") == null ? null : e;
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    assertEquals(ended.getString("lastSeenAt"), ended.getString("endedAt"));
    assertEquals("RESOLVED", ended.getString("status"), "ending is not a status change");
    waitFor("ended on the bus", () -> bus.stream().filter(m -> m.getJsonObject("event").getString("eventId").equals(intruderEvent)
        && m.getJsonObject("event").getString("endedAt") != null).findAny().orElse(null));
  }

  @Test
  @Order(9)
  void aBurstOfConsecutiveSegmentsGrowsOneEvent() throws Exception {
    int n = 60;
    long t0 = base + 60_000;
    List<DetectionResult> burst = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      burst.add(segment("t1", "yard", 100 + s, t0 + s * 3000L, "intrusion", i -> new JsonArray().add(alarm("intrusion", "lawn", "t20", 0.97)),
          i -> new JsonArray().add(person("t20", "lawn", 0.97))));
    }
    long start = System.nanoTime();
    for (DetectionResult r : burst) {
      KafkaProducerRecord<String, Buffer> rec = KafkaProducerRecord.create(Addresses.TOPIC_DETECTIONS, r.cameraId().toString(),
          Buffer.buffer(r.toJson().encode()));
      producer.send(rec);
    }
    await(producer.flush());
    String last = Instant.ofEpochMilli(t0 + (n - 1) * 3000L + 19 * 200).toString();
    JsonObject e;
    try {
      e = waitFor("lawn event grown to the last segment", () -> {
      try {
        List<JsonObject> l = events("t1", "&cameraId=yard").stream().filter(x -> "lawn".equals(x.getString("zone"))).toList();
        return l.size() == 1 && l.get(0).getString("lastSeenAt").equals(last) ? l.get(0) : null;
      } catch (Exception x) {
        throw new RuntimeException(x);
      }
      });
    } catch (AssertionError x) {
      throw new AssertionError(x.getMessage() + "; expected lastSeenAt " + last + ", events " + events("t1", "&cameraId=yard"));
    }
    double secs = (System.nanoTime() - start) / 1e9;
    System.out.printf("event engine: %d records applied in %.2f s (%.0f records/s, one growing event)%n", n, secs, n / secs);
    assertEquals(1, events("t1", "&cameraId=yard").stream().filter(x -> "lawn".equals(x.getString("zone"))).count());
    assertEquals(n * 15L + 5, e.getLong("frames"), "20 frames per segment, 5 shared with the next");
  }
}
