package com.softdew.vms.control.webhook;

import static com.softdew.vms.control.testing.ApiClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.testing.TestNode;
import com.softdew.vms.model.Event;
import com.softdew.vms.model.Priority;
import com.softdew.vms.platform.store.TenantMongo;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Partner webhooks on a real all-in-one node (PostgreSQL, Mongo-wire, JWT + TOTP sign-in): subscriptions over the
 * REST API, event changes published on {@link Addresses#EVENT_UPDATED} as the event engine does, delivered to a real
 * Vert.x HTTP receiver in this test that verifies every request with {@link WebhookSignature} and answers what each
 * test scripts (500s, 400, 410, or nothing at all while it is down). Delays are shortened through Settings.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookDeliveryTest {
  static final String PW = "tenant-admin-pass-phrase";
  TestNode test;
  String a1, a2;
  HttpServer receiver;
  int receiverPort;
  /** path → secret, answers to give (default 200), requests received. */
  final Map<String, String> secrets = new ConcurrentHashMap<>();
  final Map<String, Deque<Integer>> script = new ConcurrentHashMap<>();
  final Map<String, List<Got>> got = new ConcurrentHashMap<>();

  record Got(String path, String timestamp, String signature, String deliveryHeader, String body, WebhookSignature.Result verified, long nanos) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  static final WebhookDeliveryVerticle.Settings FAST = new WebhookDeliveryVerticle.Settings(Duration.ofMillis(50), Duration.ofMillis(400), 0.2, 4, 50, 2,
      Duration.ofSeconds(2), Duration.ofSeconds(1), 3, Duration.ofSeconds(3), Duration.ofSeconds(1), 100, Duration.ZERO, 100);

  @BeforeAll
  void start() throws Exception {
    test = TestNode.start(Map.of());
    for (String t : List.of("wt1", "wt2")) {
      assertEquals(201, test.api.call(test.operator, "POST", "/api/v1/tenants", new JsonObject().put("tenantId", t).put("name", t)
          .put("licence", new JsonObject().put("cameraLimit", 10).put("validUntil", Instant.now().plus(Duration.ofDays(90)).toString())))
          .statusCode());
      assertEquals(201, test.api.call(test.operator, "POST", "/api/v1/users", new JsonObject().put("username", t + "-admin").put("password", PW)
          .put("role", "ADMIN").put("tenantId", t)).statusCode());
    }
    a1 = test.api.token("wt1-admin", PW);
    a2 = test.api.token("wt2-admin", PW);
    test.node.webhooks().reconfigure(FAST);
    receiverPort = freePort();
    receiver = startReceiver(receiverPort);
  }

  @AfterAll
  void stop() throws Exception {
    if (test != null) test.close();
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  HttpServer startReceiver(int port) throws Exception {
    return await(test.vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      String path = req.path();
      String secret = secrets.get(path);
      String ts = req.getHeader(WebhookSignature.HEADER_TIMESTAMP);
      String sig = req.getHeader(WebhookSignature.HEADER_SIGNATURE);
      WebhookSignature.Result r = secret == null ? WebhookSignature.Result.MALFORMED
          : WebhookSignature.check(secret, ts, b.getBytes(), sig, Instant.now(), WebhookSignature.DEFAULT_WINDOW);
      got.computeIfAbsent(path, k -> new CopyOnWriteArrayList<>()).add(new Got(path, ts, sig, req.getHeader(WebhookSignature.HEADER_DELIVERY), b.toString(), r, System.nanoTime()));
      Deque<Integer> s = script.get(path);
      Integer status = s == null ? null : s.pollFirst();
      int st = r != WebhookSignature.Result.OK ? 401 : status == null ? 200 : status;
      if (st == 429) req.response().putHeader("Retry-After", "1");
      req.response().setStatusCode(st).end();
    })).listen(port, "127.0.0.1"));
  }

  String url(String path) {
    return "http://127.0.0.1:" + receiverPort + path;
  }

  HttpResponse<Buffer> call(String token, String method, String path, JsonObject body) throws Exception {
    return test.api.call(token, method, path, body);
  }

  /** Creates a subscription of tenant wt1 for {@code path} and remembers its secret for the receiver. */
  JsonObject subscribe(String path, JsonObject filters) throws Exception {
    HttpResponse<Buffer> r = call(a1, "POST", "/api/v1/webhooks", filters.copy().put("url", url(path)));
    assertEquals(201, r.statusCode(), r.bodyAsString());
    JsonObject s = r.bodyAsJsonObject();
    secrets.put(path, s.getString("secret"));
    return s;
  }

  static JsonObject change(String tenant, String action, String eventId, String type, Priority priority, Event.Status status) {
    Instant now = Instant.now();
    Event e = new Event(UUID.fromString(eventId), UUID.nameUUIDFromBytes(tenant.getBytes()), UUID.nameUUIDFromBytes((tenant + "/door").getBytes()), type,
        0.91, now, null, null, priority, status);
    return new JsonObject().put("action", action).put("tenantId", tenant).put("cameraKey", "door")
        .put("event", e.toJson().put("startedAt", now.toString()).put("lastSeenAt", now.toString()).putNull("endedAt").put("tenantId", tenant)
            .putNull("correlationId").putNull("zone").put("clipState", "pending"));
  }

  void publish(JsonObject change) {
    test.vertx.eventBus().publish(Addresses.EVENT_UPDATED, change);
  }

  static void waitFor(String what, BooleanSupplier ok) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!ok.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(20);
    }
  }

  List<Got> got(String path) {
    return got.getOrDefault(path, List.of());
  }

  static String newId() {
    return UUID.randomUUID().toString();
  }

  <T> T poll(String what, Supplier<T> s, java.util.function.Predicate<T> ok) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      T v = s.get();
      if (ok.test(v)) return v;
      if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what + ", last: " + v);
      Thread.sleep(50);
    }
  }

  JsonObject getJson(String token, String path) {
    try {
      HttpResponse<Buffer> r = call(token, "GET", path, null);
      assertEquals(200, r.statusCode(), r.bodyAsString());
      return r.bodyAsJsonObject();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  // ------------------------------------------------------------------ tests

  @Test
  void subscriptionCrudValidationAuditAndTenantIsolation() throws Exception {
    record Bad(JsonObject body, String field) {}
    for (Bad b : List.of(new Bad(new JsonObject().put("url", "ftp://x.example/h"), "url"),
        new Bad(new JsonObject().put("url", "https://user:pw@x.example/h"), "url"),
        new Bad(new JsonObject().put("url", "https://x.example/h").put("priorities", new JsonArray().add("URGENT")), "/priorities/0"),
        new Bad(new JsonObject().put("eventTypes", new JsonArray().add("intrusion")), "/url"),
        new Bad(new JsonObject().put("url", "https://x.example/h").put("secret", "mine"), "/secret"),
        new Bad(new JsonObject().put("url", "https://x.example/h").put("sites", new JsonArray().add("hq")).put("cameras", new JsonArray().add("door")), "cameras"))) {
      HttpResponse<Buffer> r = call(a1, "POST", "/api/v1/webhooks", b.body());
      assertEquals(400, r.statusCode(), r.bodyAsString());
      assertEquals("application/problem+json", r.getHeader("content-type"));
      assertEquals(b.field(), r.bodyAsJsonObject().getString("field"), r.bodyAsString());
    }
    JsonObject s = subscribe("/hook/crud", new JsonObject().put("eventTypes", new JsonArray().add("intrusion")));
    String id = s.getString("id");
    assertTrue(s.getString("secret").startsWith("whsec_") && s.getString("secret").length() > 40);
    JsonObject one = getJson(a1, "/api/v1/webhooks/" + id);
    assertNull(one.getValue("secret"));
    assertNull(one.getValue("secret_sealed"));
    assertEquals(url("/hook/crud"), one.getString("url"));
    assertEquals(new JsonArray().add("intrusion"), one.getJsonArray("eventTypes"));
    // sealed at rest: the stored value is AES-GCM, not the secret
    JsonObject raw = await(new TenantMongo(test.node.stores().mongo()).forTenant("wt1").findOne(WebhookStore.SUBSCRIPTIONS, new JsonObject().put("id", id), null));
    assertTrue(raw.getString("secret_sealed").startsWith("v1."));
    assertFalse(raw.encode().contains(s.getString("secret")));
    // list and patch
    assertTrue(call(a1, "GET", "/api/v1/webhooks", null).bodyAsJsonArray().stream().anyMatch(o -> id.equals(((JsonObject) o).getString("id"))));
    HttpResponse<Buffer> p = call(a1, "PATCH", "/api/v1/webhooks/" + id, new JsonObject().put("priorities", new JsonArray().add("HIGH")).put("enabled", false));
    assertEquals(200, p.statusCode(), p.bodyAsString());
    assertEquals(new JsonArray().add("HIGH"), p.bodyAsJsonObject().getJsonArray("priorities"));
    assertFalse(p.bodyAsJsonObject().getBoolean("enabled"));
    HttpResponse<Buffer> badPatch = call(a1, "PATCH", "/api/v1/webhooks/" + id, new JsonObject().put("url", "https://a:b@x.example/"));
    assertEquals(400, badPatch.statusCode());
    assertEquals("url", badPatch.bodyAsJsonObject().getString("field"));
    // tenant wt2 sees nothing of wt1's
    assertEquals(0, call(a2, "GET", "/api/v1/webhooks", null).bodyAsJsonArray().size());
    assertEquals(404, call(a2, "GET", "/api/v1/webhooks/" + id, null).statusCode());
    assertEquals(404, call(a2, "PATCH", "/api/v1/webhooks/" + id, new JsonObject().put("enabled", true)).statusCode());
    assertEquals(404, call(a2, "DELETE", "/api/v1/webhooks/" + id, null).statusCode());
    assertEquals(404, call(a2, "GET", "/api/v1/webhooks/" + id + "/deliveries", null).statusCode());
    assertEquals(200, call(a1, "GET", "/api/v1/webhooks/" + id, null).statusCode(), "still there after wt2's attempts");
    // audited
    JsonArray audit = call(a1, "GET", "/api/v1/audit?action=webhook.create", null).bodyAsJsonArray();
    assertTrue(audit.stream().anyMatch(o -> ("webhook:" + id).equals(((JsonObject) o).getString("target"))), audit.encode());
    assertFalse(audit.encode().contains(s.getString("secret")), "the secret is not in the audit log");
    assertEquals(204, call(a1, "DELETE", "/api/v1/webhooks/" + id, null).statusCode());
    assertEquals(404, call(a1, "GET", "/api/v1/webhooks/" + id, null).statusCode());
    assertEquals(1, call(a1, "GET", "/api/v1/audit?action=webhook.delete", null).bodyAsJsonArray().stream()
        .filter(o -> ("webhook:" + id).equals(((JsonObject) o).getString("target"))).count());
  }

  @Test
  void anEventChangeIsDeliveredSignedAndTamperingOrStaleTimestampsFailVerification() throws Exception {
    String path = "/hook/ok";
    JsonObject s = subscribe(path, new JsonObject().put("eventTypes", new JsonArray().add("tamper-check")));
    String eventId = newId();
    publish(change("wt1", "updated", eventId, "tamper-check", Priority.HIGH, Event.Status.NEW)); // growing event: not delivered
    long t0 = System.nanoTime();
    publish(change("wt1", "created", eventId, "tamper-check", Priority.HIGH, Event.Status.NEW));
    publish(change("wt2", "created", newId(), "tamper-check", Priority.HIGH, Event.Status.NEW)); // another tenant's change
    waitFor("delivery", () -> got(path).size() >= 1);
    Got g = got(path).get(0);
    System.out.printf("webhook: bus publish -> receiver got the signed POST in %.1f ms (first delivery, cold connection)%n", (g.nanos() - t0) / 1e6);
    assertEquals(WebhookSignature.Result.OK, g.verified());
    JsonObject body = g.json();
    assertEquals(g.deliveryHeader(), body.getString("deliveryId"));
    assertEquals(1, body.getInteger("attempt"));
    assertNotNull(Instant.parse(body.getString("sentAt")));
    assertEquals("created", body.getString("action"));
    assertEquals("wt1", body.getString("tenantId"));
    assertEquals("door", body.getString("cameraKey"));
    assertEquals(eventId, body.getJsonObject("event").getString("eventId"));
    assertEquals("pending", body.getJsonObject("event").getString("clipState"));
    // the receiver's checks
    String secret = s.getString("secret");
    byte[] raw = g.body().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Instant now = Instant.now();
    assertTrue(WebhookSignature.verify(secret, g.timestamp(), raw, g.signature(), now, Duration.ofMinutes(5)));
    byte[] tampered = g.body().replace("tamper-check", "tamper-checK").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertFalse(WebhookSignature.verify(secret, g.timestamp(), tampered, g.signature(), now, Duration.ofMinutes(5)));
    assertFalse(WebhookSignature.verify(secret, g.timestamp(), raw, g.signature(), now.plus(Duration.ofMinutes(6)), Duration.ofMinutes(5)), "replayed 6 min later");
    assertFalse(WebhookSignature.verify(secret, Long.toString(Long.parseLong(g.timestamp()) + 1), raw, g.signature(), now, Duration.ofMinutes(5)));
    assertFalse(WebhookSignature.verify("whsec_other", g.timestamp(), raw, g.signature(), now, Duration.ofMinutes(5)));
    // the status change is delivered too, with its own deliveryId
    long t1 = System.nanoTime();
    publish(change("wt1", "status", eventId, "tamper-check", Priority.HIGH, Event.Status.ACKNOWLEDGED));
    waitFor("status delivery", () -> got(path).size() >= 2);
    System.out.printf("webhook: bus publish -> receiver got the signed POST in %.1f ms (second delivery)%n", (got(path).get(1).nanos() - t1) / 1e6);
    Got st = got(path).get(1);
    assertEquals(WebhookSignature.Result.OK, st.verified());
    assertEquals("ACKNOWLEDGED", st.json().getJsonObject("event").getString("status"));
    assertFalse(st.deliveryHeader().equals(g.deliveryHeader()));
    assertEquals(2, got(path).size(), "the 'updated' change and wt2's change were not delivered");
    JsonObject log = poll("delivery log", () -> getJson(a1, "/api/v1/webhooks/" + s.getString("id") + "/deliveries"), l -> l.getJsonArray("items").size() >= 2);
    assertEquals("delivered", log.getJsonArray("items").getJsonObject(0).getString("outcome"));
    assertEquals(200, log.getJsonArray("items").getJsonObject(0).getInteger("status"));
  }

  @Test
  void serverErrorsAreRetriedWithTheSameDeliveryIdUntilDelivered() throws Exception {
    String path = "/hook/flaky";
    JsonObject s = subscribe(path, new JsonObject().put("eventTypes", new JsonArray().add("flaky-type")));
    script.put(path, new ArrayDeque<>(List.of(500, 500)));
    publish(change("wt1", "created", newId(), "flaky-type", Priority.CRITICAL, Event.Status.NEW));
    waitFor("third attempt", () -> got(path).size() >= 3);
    List<Got> l = got(path);
    assertEquals(List.of(1, 2, 3), l.stream().map(x -> x.json().getInteger("attempt")).toList());
    assertEquals(1, l.stream().map(Got::deliveryHeader).distinct().count(), "same deliveryId on every attempt");
    assertTrue(l.stream().allMatch(x -> x.verified() == WebhookSignature.Result.OK));
    JsonObject log = poll("log of 3 attempts", () -> getJson(a1, "/api/v1/webhooks/" + s.getString("id") + "/deliveries"), x -> x.getJsonArray("items").size() >= 3);
    assertEquals(List.of("delivered", "retry", "retry"), log.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("outcome")).toList());
    JsonObject paged = getJson(a1, "/api/v1/webhooks/" + s.getString("id") + "/deliveries?limit=1&offset=1");
    assertEquals(1, paged.getJsonArray("items").size());
    assertEquals(2, paged.getJsonArray("items").getJsonObject(0).getInteger("attempt"));
    Thread.sleep(300); // longer than the remaining backoff: no 4th attempt after success
    assertEquals(3, got(path).size());
  }

  @Test
  void a400IsDeadLetteredAtOnceVisibleInTheApiAndTheRetryEndpointRedelivers() throws Exception {
    String path = "/hook/refuses";
    JsonObject s = subscribe(path, new JsonObject().put("eventTypes", new JsonArray().add("refused-type")));
    script.put(path, new ArrayDeque<>(List.of(400)));
    publish(change("wt1", "created", newId(), "refused-type", Priority.MEDIUM, Event.Status.NEW));
    JsonObject dls = poll("dead letter", () -> getJson(a1, "/api/v1/webhooks/dead-letters?webhookId=" + s.getString("id")), x -> x.getJsonArray("items").size() >= 1);
    JsonObject dl = dls.getJsonArray("items").getJsonObject(0);
    assertEquals("http-400", dl.getString("reason"));
    assertEquals(400, dl.getInteger("lastStatus"));
    assertEquals(1, dl.getInteger("attempts"));
    assertEquals("dead", dl.getString("state"));
    assertEquals(1, got(path).size(), "not retried");
    assertEquals(got(path).get(0).deliveryHeader(), dl.getString("deliveryId"));
    // another tenant: not visible, not retriable
    assertEquals(0, getJson(a2, "/api/v1/webhooks/dead-letters").getLong("total"));
    assertEquals(404, call(a2, "POST", "/api/v1/webhooks/dead-letters/" + dl.getString("id") + "/retry", null).statusCode());
    assertEquals(404, call(a1, "POST", "/api/v1/webhooks/dead-letters/nope/retry", null).statusCode());
    HttpResponse<Buffer> r = call(a1, "POST", "/api/v1/webhooks/dead-letters/" + dl.getString("id") + "/retry", null);
    assertEquals(202, r.statusCode(), r.bodyAsString());
    waitFor("redelivery", () -> got(path).size() >= 2);
    Got again = got(path).get(1);
    assertEquals(dl.getString("deliveryId"), again.deliveryHeader(), "same deliveryId: the receiver can dedupe");
    assertEquals(2, again.json().getInteger("attempt"));
    assertEquals(WebhookSignature.Result.OK, again.verified());
    poll("dead letter redelivered", () -> getJson(a1, "/api/v1/webhooks/dead-letters?state=redelivered&webhookId=" + s.getString("id")), x -> x.getJsonArray("items").size() == 1);
    assertTrue(call(a1, "GET", "/api/v1/audit?action=webhook.retry", null).bodyAsJsonArray().size() >= 1);
  }

  @Test
  void a429IsRetriedAfterTheReceiversRetryAfter() throws Exception {
    String path = "/hook/busy";
    subscribe(path, new JsonObject().put("eventTypes", new JsonArray().add("busy-type")));
    script.put(path, new ArrayDeque<>(List.of(429)));
    publish(change("wt1", "created", newId(), "busy-type", Priority.HIGH, Event.Status.NEW));
    waitFor("second attempt", () -> got(path).size() >= 2);
    List<Got> l = got(path);
    long gapMs = (l.get(1).nanos() - l.get(0).nanos()) / 1_000_000;
    assertTrue(gapMs >= 950, "Retry-After: 1 honoured over the 50 ms backoff, waited " + gapMs + " ms");
    assertEquals(l.get(0).deliveryHeader(), l.get(1).deliveryHeader());
    assertEquals(2, l.get(1).json().getInteger("attempt"));
  }

  @Test
  void aFullEndpointQueueDeadLettersTheOverflowAndCountsIt() throws Exception {
    WebhookDeliveryVerticle d = test.node.webhooks();
    int port = freePort(); // nothing listens: deliveries stay queued behind retries and the open breaker
    HttpResponse<Buffer> r = call(a1, "POST", "/api/v1/webhooks", new JsonObject().put("url", "http://127.0.0.1:" + port + "/hook/full")
        .put("eventTypes", new JsonArray().add("full-type")));
    assertEquals(201, r.statusCode());
    String id = r.bodyAsJsonObject().getString("id");
    double before = d.registry().counter("vms.webhook.queue.overflow", "tenant", "wt1").count();
    d.reconfigure(new WebhookDeliveryVerticle.Settings(Duration.ofSeconds(5), Duration.ofSeconds(5), 0, 4, 3, 2, Duration.ofSeconds(2), Duration.ofSeconds(1),
        3, Duration.ofSeconds(10), Duration.ofSeconds(1), 100, Duration.ZERO, 100));
    try {
      for (int i = 0; i < 5; i++) publish(change("wt1", "created", newId(), "full-type", Priority.HIGH, Event.Status.NEW));
      JsonObject dl = poll("2 overflow dead letters", () -> getJson(a1, "/api/v1/webhooks/dead-letters?webhookId=" + id), x -> x.getJsonArray("items").size() == 2 && x.getLong("total") == 2);
      assertTrue(dl.getJsonArray("items").stream().allMatch(o -> "queue-full".equals(((JsonObject) o).getString("reason"))));
      assertEquals(2.0, d.registry().counter("vms.webhook.queue.overflow", "tenant", "wt1").count() - before);
      assertEquals(3, snapshot(d).getJsonObject("wt1/" + id).getInteger("pending"));
    } finally {
      d.reconfigure(FAST);
      assertEquals(204, call(a1, "DELETE", "/api/v1/webhooks/" + id, null).statusCode()); // drops its pending deliveries
    }
    poll("endpoint dropped", () -> snapshot(d).getJsonObject("wt1/" + id), e -> e == null);
  }

  @Test
  void aRotatedSecretSignsNextToThePreviousOneDuringTheOverlap() throws Exception {
    String path = "/hook/rotate";
    JsonObject s = subscribe(path, new JsonObject().put("eventTypes", new JsonArray().add("rotate-type")));
    String old = s.getString("secret");
    assertEquals(404, call(a2, "POST", "/api/v1/webhooks/" + s.getString("id") + "/rotate-secret", null).statusCode());
    HttpResponse<Buffer> r = call(a1, "POST", "/api/v1/webhooks/" + s.getString("id") + "/rotate-secret", null);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    String fresh = r.bodyAsJsonObject().getString("secret");
    assertTrue(fresh.startsWith("whsec_") && !fresh.equals(old));
    assertNotNull(r.bodyAsJsonObject().getString("previousSecretUntil"));
    assertNull(getJson(a1, "/api/v1/webhooks/" + s.getString("id")).getValue("secret"));
    secrets.put(path, fresh);
    publish(change("wt1", "created", newId(), "rotate-type", Priority.HIGH, Event.Status.NEW));
    waitFor("delivery", () -> got(path).size() >= 1);
    Got g = got(path).get(0);
    assertEquals(2, g.signature().split(",").length, g.signature());
    byte[] raw = g.body().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(WebhookSignature.verify(fresh, g.timestamp(), raw, g.signature(), Instant.now(), Duration.ofMinutes(5)), "receiver on the new secret");
    assertTrue(WebhookSignature.verify(old, g.timestamp(), raw, g.signature(), Instant.now(), Duration.ofMinutes(5)), "receiver still on the old secret");
    JsonArray audit = call(a1, "GET", "/api/v1/audit?action=webhook.rotate-secret", null).bodyAsJsonArray();
    assertEquals(1, audit.size());
    assertFalse(audit.encode().contains(fresh) || audit.encode().contains(old));
  }

  @Test
  void aPatchedUrlAppliesToPendingRetries() throws Exception {
    WebhookDeliveryVerticle d = test.node.webhooks();
    int port = freePort(); // nothing listens there
    HttpResponse<Buffer> r = call(a1, "POST", "/api/v1/webhooks", new JsonObject().put("url", "http://127.0.0.1:" + port + "/hook/old")
        .put("eventTypes", new JsonArray().add("move-type")));
    assertEquals(201, r.statusCode());
    String id = r.bodyAsJsonObject().getString("id");
    secrets.put("/hook/moved", r.bodyAsJsonObject().getString("secret"));
    d.reconfigure(new WebhookDeliveryVerticle.Settings(Duration.ofMillis(300), Duration.ofSeconds(2), 0.2, 6, 50, 2, Duration.ofSeconds(2),
        Duration.ofSeconds(1), 10, Duration.ofSeconds(3), Duration.ofSeconds(1), 100, Duration.ZERO, 100));
    try {
      publish(change("wt1", "created", newId(), "move-type", Priority.HIGH, Event.Status.NEW));
      poll("first attempt failed", () -> snapshot(d).getJsonObject("wt1/" + id), e -> e != null && e.getLong("attempts") >= 1);
      assertEquals(200, call(a1, "PATCH", "/api/v1/webhooks/" + id, new JsonObject().put("url", url("/hook/moved"))).statusCode());
      waitFor("delivery at the new url", () -> got("/hook/moved").size() >= 1);
      Got g = got("/hook/moved").get(0);
      assertEquals(WebhookSignature.Result.OK, g.verified());
      assertTrue(g.json().getInteger("attempt") >= 2, "a retry of the pending delivery, not a new one");
    } finally {
      d.reconfigure(FAST);
    }
  }

  @Test
  void filtersBySiteThroughTheCameraRegistryAndByCamera() throws Exception {
    for (JsonObject n : List.of(new JsonObject().put("nodeId", "hq").put("kind", "SITE").put("name", "HQ"),
        new JsonObject().put("nodeId", "hq-b1").put("parentId", "hq").put("kind", "BUILDING").put("name", "B1"),
        new JsonObject().put("nodeId", "branch").put("kind", "SITE").put("name", "Branch"))) {
      assertEquals(201, call(a1, "POST", "/api/v1/sites", n).statusCode());
    }
    for (String[] c : new String[][] {{"door", "hq-b1"}, {"gate", "branch"}}) {
      HttpResponse<Buffer> r = call(a1, "POST", "/api/v1/cameras", new JsonObject().put("cameraId", c[0]).put("name", c[0]).put("host", "127.0.0.1")
          .put("rtspMain", "rtsp://127.0.0.1:9/" + c[0]).put("nodeId", c[1]).put("authType", "BASIC").put("username", "u").put("secret", "camera-pw").put("enabled", false));
      assertEquals(201, r.statusCode(), r.bodyAsString());
    }
    subscribe("/hook/site", new JsonObject().put("eventTypes", new JsonArray().add("site-type")).put("sites", new JsonArray().add("hq")));
    subscribe("/hook/camera", new JsonObject().put("eventTypes", new JsonArray().add("site-type")).put("cameras", new JsonArray().add("gate")));
    String atGate = newId();
    String atDoor = newId();
    publish(change("wt1", "created", atGate, "site-type", Priority.HIGH, Event.Status.NEW).put("cameraKey", "gate"));
    publish(change("wt1", "created", atDoor, "site-type", Priority.HIGH, Event.Status.NEW).put("cameraKey", "door"));
    waitFor("site and camera deliveries", () -> got("/hook/site").size() >= 1 && got("/hook/camera").size() >= 1);
    Thread.sleep(200);
    assertEquals(List.of(atDoor), got("/hook/site").stream().map(x -> x.json().getJsonObject("event").getString("eventId")).toList(),
        "door is in building hq-b1 of site hq; gate is at site branch");
    assertEquals(List.of(atGate), got("/hook/camera").stream().map(x -> x.json().getJsonObject("event").getString("eventId")).toList());
  }

  @Test
  void a410DisablesTheSubscription() throws Exception {
    String path = "/hook/gone";
    JsonObject s = subscribe(path, new JsonObject().put("eventTypes", new JsonArray().add("gone-type")));
    script.put(path, new ArrayDeque<>(List.of(410)));
    publish(change("wt1", "created", newId(), "gone-type", Priority.HIGH, Event.Status.NEW));
    JsonObject sub = poll("disabled", () -> getJson(a1, "/api/v1/webhooks/" + s.getString("id")), x -> !x.getBoolean("enabled"));
    assertTrue(sub.getString("disabledReason").contains("410"));
    publish(change("wt1", "created", newId(), "gone-type", Priority.HIGH, Event.Status.NEW));
    Thread.sleep(200);
    assertEquals(1, got(path).size(), "a disabled subscription gets nothing");
  }

  @Test
  void filtersByEventTypeAndPriorityAndDuplicatesKeepTheirDeliveryId() throws Exception {
    String path = "/hook/filtered";
    subscribe(path, new JsonObject().put("eventTypes", new JsonArray().add("intrusion")).put("priorities", new JsonArray().add("HIGH").add("CRITICAL")));
    publish(change("wt1", "created", newId(), "loitering", Priority.HIGH, Event.Status.NEW));
    publish(change("wt1", "created", newId(), "intrusion", Priority.STANDARD, Event.Status.NEW));
    String match = newId();
    JsonObject c = change("wt1", "created", match, "intrusion", Priority.HIGH, Event.Status.NEW);
    publish(c);
    waitFor("matching delivery", () -> got(path).size() >= 1);
    publish(c.copy()); // the engine publishing the same change again (e.g. after a restart)
    String critical = newId();
    publish(change("wt1", "created", critical, "intrusion", Priority.CRITICAL, Event.Status.NEW));
    waitFor("second and third", () -> got(path).size() >= 3);
    Thread.sleep(200);
    List<Got> l = got(path);
    assertEquals(3, l.size(), l.toString());
    assertEquals(2, l.stream().filter(x -> match.equals(x.json().getJsonObject("event").getString("eventId"))).count());
    assertEquals(1, l.stream().filter(x -> match.equals(x.json().getJsonObject("event").getString("eventId"))).map(Got::deliveryHeader).distinct().count(),
        "the same change carries the same deliveryId");
    assertTrue(l.stream().anyMatch(x -> critical.equals(x.json().getJsonObject("event").getString("eventId"))));
    assertTrue(l.stream().allMatch(x -> "intrusion".equals(x.json().getJsonObject("event").getString("eventType"))));
  }

  @Test
  void aDownReceiverOpensTheBreakerDeliveriesAreHeldThenHalfOpenClosesAndEverythingArrives() throws Exception {
    int port = freePort();
    String path = "/hook/down";
    HttpResponse<Buffer> r = call(a1, "POST", "/api/v1/webhooks", new JsonObject().put("url", "http://127.0.0.1:" + port + path).put("eventTypes", new JsonArray().add("down-type")));
    assertEquals(201, r.statusCode());
    JsonObject s = r.bodyAsJsonObject();
    secrets.put(path, s.getString("secret"));
    String key = "wt1/" + s.getString("id");
    WebhookDeliveryVerticle d = test.node.webhooks();
    double heldBefore = d.registry().counter("vms.webhook.breaker.held", "tenant", "wt1").count();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(newId());
      publish(change("wt1", "created", ids.get(i), "down-type", Priority.HIGH, Event.Status.NEW));
    }
    JsonObject open = poll("breaker open", () -> snapshot(d).getJsonObject(key), e -> e != null && "OPEN".equals(e.getString("breaker")));
    long attemptsAtOpen = open.getLong("attempts");
    assertTrue(attemptsAtOpen >= 3, open.encode());
    for (int i = 0; i < 2; i++) {
      ids.add(newId());
      publish(change("wt1", "created", ids.get(3 + i), "down-type", Priority.HIGH, Event.Status.NEW));
    }
    JsonObject stillOpen = poll("5 pending", () -> snapshot(d).getJsonObject(key), e -> e.getInteger("pending") == 5);
    assertEquals("OPEN", stillOpen.getString("breaker"));
    assertEquals(attemptsAtOpen, stillOpen.getLong("attempts"), "no attempt while the breaker is open");
    assertTrue(d.registry().counter("vms.webhook.breaker.held", "tenant", "wt1").count() - heldBefore >= 2, "held deliveries are counted");
    // the receiver comes back: the half-open trial succeeds, the breaker closes, the queue drains
    HttpServer back = startReceiverOn(port);
    try {
      waitFor("all 5 delivered", () -> got(path).stream().map(x -> x.json().getJsonObject("event").getString("eventId")).distinct().count() == 5);
      JsonObject closed = poll("breaker closed", () -> snapshot(d).getJsonObject(key), e -> "CLOSED".equals(e.getString("breaker")) && e.getInteger("pending") == 0);
      assertTrue(closed.getLong("opened") >= 1);
      assertTrue(got(path).stream().allMatch(x -> x.verified() == WebhookSignature.Result.OK));
      assertEquals(0, getJson(a1, "/api/v1/webhooks/dead-letters?webhookId=" + s.getString("id")).getLong("total"), "nothing lost");
    } finally {
      await(back.close());
    }
  }

  HttpServer startReceiverOn(int port) throws Exception {
    int saved = receiverPort;
    HttpServer h = startReceiver(port);
    receiverPort = saved;
    return h;
  }

  static JsonObject snapshot(WebhookDeliveryVerticle d) {
    try {
      return await(d.snapshot());
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }
}
