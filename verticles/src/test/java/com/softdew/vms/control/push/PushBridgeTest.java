package com.softdew.vms.control.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.testing.ApiClient;
import com.softdew.vms.control.testing.TestNode;
import com.softdew.vms.model.Event;
import com.softdew.vms.model.Priority;
import com.softdew.vms.platform.store.KafkaClients;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The push end to end on a real node (PostgreSQL, embedded Kafka): event changes produced on the events topic reach
 * the SockJS sockets of their tenant only; tokens, tenants, roles and addresses are enforced; acknowledgements reach
 * the internal bus with the tenant forced; the live events page shows an event in headless Chromium.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PushBridgeTest {
  static final String PW = "tenant-user-pass-phrase";
  TestNode test;
  Vertx vertx;
  int port;
  String viewerA, adminA, viewerB;
  KafkaProducer<String, Buffer> producer;

  @BeforeAll
  void start() throws Exception {
    test = TestNode.start(Map.of("pipeline.maxCameras", 0));
    vertx = test.vertx;
    // this class tests the bridge alone, with a stand-in for the engine on vms.event.ack (a point-to-point address:
    // with the real engine also consuming, each ack would go to one of the two); EventEngineTest covers the engine's side
    ApiClient.await(vertx.undeploy(test.node.eventEngine().deploymentID()));
    port = test.node.httpPort();
    for (String t : List.of("ta", "tb")) {
      assertEquals(201, test.api.call(test.operator, "POST", "/api/v1/tenants", new JsonObject().put("tenantId", t).put("name", t)
          .put("licence", new JsonObject().put("cameraLimit", 10).put("validUntil", Instant.now().plus(Duration.ofDays(90)).toString())))
          .statusCode());
      assertEquals(201, test.api.call(test.operator, "POST", "/api/v1/users", new JsonObject().put("username", t + "-viewer").put("password", PW)
          .put("role", "VIEWER").put("tenantId", t)).statusCode());
    }
    assertEquals(201, test.api.call(test.operator, "POST", "/api/v1/users", new JsonObject().put("username", "ta-admin").put("password", PW)
        .put("role", "ADMIN").put("tenantId", "ta")).statusCode());
    viewerA = test.api.token("ta-viewer", PW);
    viewerB = test.api.token("tb-viewer", PW);
    adminA = test.api.token("ta-admin", PW);
    ApiClient.await(test.node.pushReader().ready());
    producer = KafkaClients.producer(vertx, test.node.stores(), "push-test-" + UUID.randomUUID(), null);
  }

  @AfterAll
  void stop() throws Exception {
    if (producer != null) ApiClient.await(producer.close());
    if (test != null) test.close();
  }

  // ------------------------------------------------------------------ helpers

  /** A browser-less SockJS client: the raw WebSocket endpoint speaking the bridge's JSON frames. */
  final class Sock implements AutoCloseable {
    final WebSocket ws;
    final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    Sock() throws Exception {
      ws = ApiClient.await(vertx.createWebSocketClient().connect(port, "127.0.0.1", "/eventbus/websocket"));
      ws.handler(b -> frames.add(new JsonObject(b))); // the bridge writes its frames as binary WebSocket messages
      ws.closeHandler(v -> closed.complete(null));
    }

    void send(JsonObject frame) {
      ws.writeTextMessage(frame.encode());
    }

    void register(String address, String token) {
      JsonObject f = new JsonObject().put("type", "register").put("address", address);
      if (token != null) f.put("headers", new JsonObject().put("Authorization", "Bearer " + token));
      send(f);
    }

    /** The next frame matching {@code p} within {@code ms}, or null (frames not matching are dropped). */
    JsonObject next(Predicate<JsonObject> p, long ms) throws InterruptedException {
      long end = System.currentTimeMillis() + ms;
      for (long left = ms; left > 0; left = end - System.currentTimeMillis()) {
        JsonObject f = frames.poll(left, TimeUnit.MILLISECONDS);
        if (f != null && p.test(f)) return f;
      }
      return null;
    }

    @Override
    public void close() {
      if (!closed.isDone() && !ws.isClosed()) ws.close(); // the server may have closed it (limits, timeouts)
    }
  }

  /** Waits until the node holds {@code n} more registrations than {@code before} (registration is asynchronous). */
  void awaitRegistrations(int target) throws InterruptedException {
    long end = System.currentTimeMillis() + 10_000;
    while (test.node.push().registrations() < target && System.currentTimeMillis() < end) Thread.sleep(20);
    assertEquals(target, test.node.push().registrations(), "registrations on the node");
  }

  double refused(String reason) {
    return test.node.push().refused(reason);
  }

  /** An event change exactly in the agreed shape (Event.toJson plus the engine's fields). */
  static JsonObject change(String tenant, String action, String status, String clipState, String clipUrl) {
    UUID id = UUID.randomUUID();
    Instant now = Instant.now();
    Event e = new Event(id, UUID.nameUUIDFromBytes(tenant.getBytes()), UUID.nameUUIDFromBytes((tenant + "/door").getBytes()), "intrusion", 0.91,
        now, new Event.DetectionMetadata(new Event.BoundingBox(0.1, 0.2, 0.3, 0.4), "person", UUID.randomUUID()), clipUrl, Priority.HIGH,
        Event.Status.valueOf(status));
    JsonObject ev = e.toJson().put("startedAt", now.toString()).put("lastSeenAt", now.toString()).putNull("endedAt").put("tenantId", tenant)
        .putNull("correlationId").put("zone", "fence").put("clipState", clipState);
    return new JsonObject().put("action", action).put("tenantId", tenant).put("cameraKey", "door").put("event", ev);
  }

  void produce(JsonObject change) throws Exception {
    String key = change.getJsonObject("event") == null ? "x" : change.getJsonObject("event").getString("eventId");
    ApiClient.await(producer.send(KafkaProducerRecord.create(Addresses.TOPIC_EVENTS, key, change.toBuffer())));
  }

  static Predicate<JsonObject> rec(String address) {
    return f -> "rec".equals(f.getString("type")) && address.equals(f.getString("address"));
  }

  static final Predicate<JsonObject> ERR = f -> "err".equals(f.getString("type"));

  // ------------------------------------------------------------------ tests

  @Test
  void tenantReceivesItsOwnEventsOnlyWithinASecond() throws Exception {
    String addrA = Addresses.clientEvents("ta"), addrB = Addresses.clientEvents("tb");
    int base = test.node.push().registrations();
    try (Sock a = new Sock(); Sock b = new Sock()) {
      a.register(addrA, viewerA);
      b.register(addrB, viewerB);
      awaitRegistrations(base + 2);
      // B's event first, then A's: A must get its own and never B's
      JsonObject forB = change("tb", "created", "NEW", "pending", null);
      JsonObject forA = change("ta", "created", "NEW", "pending", null);
      produce(forB);
      long t0 = System.nanoTime();
      produce(forA);
      JsonObject got = a.next(rec(addrA), 10_000);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertNotNull(got, "tenant A's socket received A's event; refusals " + test.node.push().refusals());
      System.out.println("measured push latency (Kafka produce acknowledged → SockJS frame at the client): " + ms + " ms");
      assertEquals(forA, got.getJsonObject("body"), "the record's value, unchanged");
      JsonObject gotB = b.next(rec(addrB), 10_000);
      assertNotNull(gotB, "tenant B's socket received B's event");
      assertEquals(forB.getJsonObject("event").getString("eventId"), gotB.getJsonObject("body").getJsonObject("event").getString("eventId"));
      // nothing else ever reaches A (B's event was produced before A's, on the same reader)
      assertNull(a.next(f -> true, 500), "A received nothing more");
      // latency of 10 more events (printed, not asserted)
      long[] lat = new long[10];
      for (int i = 0; i < lat.length; i++) {
        JsonObject c = change("ta", "updated", "NEW", "pending", null);
        long s = System.nanoTime();
        produce(c);
        String id = c.getJsonObject("event").getString("eventId");
        assertNotNull(a.next(rec(addrA).and(f -> id.equals(f.getJsonObject("body").getJsonObject("event").getString("eventId"))), 10_000));
        lat[i] = (System.nanoTime() - s) / 1_000_000;
      }
      java.util.Arrays.sort(lat);
      System.out.println("measured push latency over 10 events: min " + lat[0] + " ms, median " + lat[5] + " ms, max " + lat[9] + " ms");
    }
  }

  @Test
  void otherTenantsAddressesInternalAddressesAndMissingTokensAreRefused() throws Exception {
    try (Sock b = new Sock()) {
      double tenantBefore = refused("tenant"), addrBefore = refused("address"), noTokenBefore = refused("no_token");
      double badBefore = refused("bad_token"), pubBefore = refused("publish");
      int base = test.node.push().registrations();
      b.register(Addresses.clientEvents("ta"), viewerB);
      JsonObject err = b.next(ERR, 5000);
      assertNotNull(err, "B registering on A's address gets an error frame");
      assertEquals("rejected", err.getString("body"), err.encode()); // vertx-web 5.0.7's error frame
      assertEquals(tenantBefore + 1, refused("tenant"));
      b.register(Addresses.EVENT_UPDATED, viewerB);
      assertNotNull(b.next(ERR, 5000), "internal address refused");
      assertEquals(addrBefore + 1, refused("address"));
      b.register("client.tenant.ta.events", null);
      assertNotNull(b.next(ERR, 5000), "no token refused");
      assertEquals(noTokenBefore + 1, refused("no_token"));
      b.register(Addresses.clientEvents("tb"), viewerB + "x");
      assertNotNull(b.next(ERR, 5000), "bad token refused");
      assertEquals(badBefore + 1, refused("bad_token"));
      b.send(new JsonObject().put("type", "publish").put("address", Addresses.clientEvents("tb")).put("body", new JsonObject())
          .put("headers", new JsonObject().put("Authorization", "Bearer " + viewerB)));
      assertNotNull(b.next(ERR, 5000), "publish refused");
      assertEquals(pubBefore + 1, refused("publish"));
      // a viewer may not follow camera imports (camera.write)
      b.register(Addresses.clientImportProgress("tb"), viewerB);
      assertNotNull(b.next(ERR, 5000), "role refused");
      assertEquals(base, test.node.push().registrations(), "none of these registered");
      // and a record for A does not reach this socket even if it were listening on its own tenant
      b.register(Addresses.clientEvents("tb"), viewerB);
      awaitRegistrations(base + 1);
      produce(change("ta", "created", "NEW", "none", null));
      assertNull(b.next(f -> "rec".equals(f.getString("type")), 1000), "B never sees A's event");
    }
  }

  @Test
  void recordsWithoutAValidTenantAreDroppedAndCounted() throws Exception {
    KafkaPushVerticle reader = test.node.pushReader();
    double noTenant = reader.dropped("no_tenant"), mismatch = reader.dropped("tenant_mismatch"), invalid = reader.dropped("invalid_json");
    JsonObject none = change("ta", "created", "NEW", "none", null);
    none.remove("tenantId");
    produce(none);
    produce(change("ta", "created", "NEW", "none", null).put("tenantId", "client.tenant.tb")); // dots: not a tenant id
    JsonObject wrong = change("ta", "created", "NEW", "none", null);
    wrong.getJsonObject("event").put("tenantId", "tb");
    produce(wrong);
    ApiClient.await(producer.send(KafkaProducerRecord.create(Addresses.TOPIC_EVENTS, "k", Buffer.buffer("not json"))));
    long end = System.currentTimeMillis() + 10_000;
    while (reader.dropped("invalid_json") < invalid + 1 && System.currentTimeMillis() < end) Thread.sleep(20);
    assertEquals(noTenant + 2, reader.dropped("no_tenant"));
    assertEquals(mismatch + 1, reader.dropped("tenant_mismatch"));
    assertEquals(invalid + 1, reader.dropped("invalid_json"));
  }

  @Test
  void acknowledgementsReachTheInternalBusWithTheTenantForcedFromTheToken() throws Exception {
    LinkedBlockingQueue<Message<JsonObject>> acks = new LinkedBlockingQueue<>();
    MessageConsumer<JsonObject> engine = vertx.eventBus().consumer(PushAddresses.EVENT_ACK, m -> {
      acks.add(m);
      m.reply(new JsonObject().put("ok", true).put("status", "ACKNOWLEDGED"));
    });
    ApiClient.await(engine.completion());
    try (Sock a = new Sock(); Sock b = new Sock()) {
      String eventId = UUID.randomUUID().toString();
      String reply = UUID.randomUUID().toString();
      a.send(new JsonObject().put("type", "send").put("address", PushAddresses.clientEventsAck("ta")).put("replyAddress", reply)
          .put("headers", new JsonObject().put("Authorization", "Bearer " + adminA))
          .put("body", new JsonObject().put("eventId", eventId).put("tenantId", "tb").put("action", "acknowledge").put("note", "seen")));
      Message<JsonObject> m = acks.poll(5, TimeUnit.SECONDS);
      assertNotNull(m, "the engine's address got the acknowledgement");
      assertEquals("ta", m.body().getString("tenantId"), "tenant forced, the body's tenantId ignored");
      assertEquals(eventId, m.body().getString("eventId"));
      assertEquals("ta-admin", m.body().getJsonObject("actor").getString("username"));
      assertEquals("ADMIN", m.body().getJsonObject("actor").getString("role"));
      assertNull(m.headers().get("Authorization"), "the token never reaches the internal bus");
      JsonObject r = a.next(rec(reply), 5000);
      assertNotNull(r, "the engine's reply came back to the browser");
      assertEquals("ACKNOWLEDGED", r.getJsonObject("body").getString("status"));
      // a viewer may not act on events; B may not act on A's; nothing may be sent to internal addresses directly
      double role = refused("role"), tenant = refused("tenant"), addr = refused("send_address"), invalid = refused("invalid_ack");
      JsonObject body = new JsonObject().put("eventId", eventId);
      double mismatch = refused("token_mismatch");
      a.send(new JsonObject().put("type", "send").put("address", PushAddresses.clientEventsAck("ta")).put("body", body)
          .put("headers", new JsonObject().put("Authorization", "Bearer " + viewerA)));
      assertNotNull(a.next(ERR, 5000), "a socket is bound to the user of its first token");
      assertEquals(mismatch + 1, refused("token_mismatch"));
      try (Sock c = new Sock()) {
        c.send(new JsonObject().put("type", "send").put("address", PushAddresses.clientEventsAck("ta")).put("body", body)
            .put("headers", new JsonObject().put("Authorization", "Bearer " + viewerA)));
        assertNotNull(c.next(ERR, 5000), "a viewer may not act on events");
      }
      b.send(new JsonObject().put("type", "send").put("address", PushAddresses.clientEventsAck("ta")).put("body", body)
          .put("headers", new JsonObject().put("Authorization", "Bearer " + viewerB)));
      assertNotNull(b.next(ERR, 5000));
      a.send(new JsonObject().put("type", "send").put("address", PushAddresses.EVENT_ACK).put("body", body)
          .put("headers", new JsonObject().put("Authorization", "Bearer " + adminA)));
      assertNotNull(a.next(ERR, 5000));
      String reply2 = UUID.randomUUID().toString();
      a.send(new JsonObject().put("type", "send").put("address", PushAddresses.clientEventsAck("ta")).put("replyAddress", reply2)
          .put("body", new JsonObject().put("action", "delete"))
          .put("headers", new JsonObject().put("Authorization", "Bearer " + adminA)));
      JsonObject bad = a.next(ERR.and(f -> reply2.equals(f.getString("address"))), 5000);
      assertNotNull(bad, "an invalid acknowledgement is answered on its reply address");
      assertTrue(bad.getString("message").startsWith("eventId"), bad.encode());
      Thread.sleep(300);
      assertEquals(role + 1, refused("role"));
      assertEquals(tenant + 1, refused("tenant"));
      assertEquals(addr + 1, refused("send_address"));
      assertEquals(invalid + 1, refused("invalid_ack"));
      assertNull(acks.poll(300, TimeUnit.MILLISECONDS), "none of the refused frames reached the engine");
    } finally {
      ApiClient.await(engine.unregister());
    }
  }

  /** The bounds, on a second bridge with small limits (same node's auth and tenants) on a server of its own. */
  @Test
  void boundsSocketsPerNodeAndTenantHandlersFrameSizeAndAuthTimeout() throws Exception {
    PushBridge small = new PushBridge(vertx, test.node.auth(), test.node.tenants(), new PushBridge.Limits(3, 1, 2, 512, 64 * 1024, 700,
        30_000, 5_000), null);
    io.vertx.ext.web.Router router = io.vertx.ext.web.Router.router(vertx);
    router.route().handler(io.vertx.ext.web.handler.BodyHandler.create(false)); // as on the node (SockJS XHR transports need it)
    router.route("/eventbus/*").subRouter(small.router());
    io.vertx.core.http.HttpServer server = ApiClient.await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    int mainPort = port;
    port = server.actualPort();
    try (Sock idle = new Sock()) {
      // no valid token within the auth timeout: error frame, closed
      JsonObject err = idle.next(ERR, 5000);
      assertNotNull(err, "unauthenticated socket told why");
      assertEquals("AUTH_TIMEOUT", err.getString("failureType"), err.encode());
      idle.closed.get(5, TimeUnit.SECONDS);
      assertEquals(1, small.refused("auth_timeout"), small.refusals().toString());
    }
    try (Sock a1 = new Sock(); Sock a2 = new Sock()) {
      // one socket per tenant: the second socket of tenant ta is refused and closed
      a1.register(Addresses.clientEvents("ta"), viewerA);
      long end = System.currentTimeMillis() + 5000;
      while (small.sockets("ta") < 1 && System.currentTimeMillis() < end) Thread.sleep(20);
      assertEquals(1, small.sockets("ta"));
      a2.register(Addresses.clientEvents("ta"), adminA);
      assertNotNull(a2.next(f -> "TENANT_SOCKET_LIMIT".equals(f.getString("failureType")), 5000));
      a2.closed.get(5, TimeUnit.SECONDS);
      assertEquals(1, small.refused("tenant_sockets"));
      assertEquals(1, small.sockets("ta"), "the refused socket is not counted");
      // at most 2 handlers per socket (the bridge's own limit), frames at most 512 characters
      a1.register(Addresses.clientCameraStatus("ta"), viewerA);
      a1.register(Addresses.clientEvents("ta") + ".camera.door", viewerA);
      assertNotNull(a1.next(ERR, 5000), "third registration refused");
      a1.send(new JsonObject().put("type", "send").put("address", PushAddresses.clientEventsAck("ta"))
          .put("headers", new JsonObject().put("Authorization", "Bearer " + viewerA)).put("pad", "x".repeat(600)));
      assertNotNull(a1.next(ERR, 5000), "oversized frame refused");
      // node limit 3: a1 and two more are open; the next one is closed at once
      try (Sock n2 = new Sock(); Sock n3 = new Sock()) {
        Sock n4 = new Sock();
        n4.closed.get(5, TimeUnit.SECONDS);
        assertEquals(1, small.refused("node_sockets"));
      }
      Thread.sleep(200);
      assertEquals(1, small.refused("too_large"), small.refusals().toString());
    } finally {
      port = mainPort;
      ApiClient.await(server.close());
    }
  }

  // ------------------------------------------------------------------ browser

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @Test
  void eventsPageShowsAnEventArrivingOverSockJsInHeadlessChromium() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "needs Debian's chromium (apt-get install chromium)");
    Path profile = Files.createTempDirectory("push-chromium");
    int base = test.node.push().registrations();
    String page = "http://127.0.0.1:" + port + "/events.html#token=" + viewerA;
    Process chrome = new ProcessBuilder(CHROMIUM.toString(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--remote-debugging-port=0", "--user-data-dir=" + profile, page)
        .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
    try (Cdp cdp = Cdp.attach(vertx, profile, "/events.html")) {
      // the page registered on its tenant's address through the official client (a server-side count)
      awaitRegistrations(base + 1);
      assertEquals("open", cdp.eval("document.getElementById('state').className"), "page state");
      assertEquals("", cdp.eval("location.hash"), "the token was removed from the address bar");
      JsonObject c = change("ta", "created", "NEW", "ready", "/api/v1/clips/demo.mp4?sig=abc");
      String id = c.getJsonObject("event").getString("eventId");
      long t0 = System.nanoTime();
      produce(c);
      long produced = System.currentTimeMillis();
      String row = null;
      String rowJs = "(() => { const r = document.querySelector('tr[data-event-id=\"" + id + "\"]'); return r ? "
          + "JSON.stringify({cells: [...r.cells].map(c => c.textContent), clip: (r.querySelector('a.clip') || {}).href || null, "
          + "at: +r.dataset.receivedAt}) : ''; })()";
      long end = System.currentTimeMillis() + 15_000;
      while (System.currentTimeMillis() < end && (row == null || row.isEmpty())) {
        row = cdp.eval(rowJs);
        if (row.isEmpty()) Thread.sleep(20);
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(row != null && !row.isEmpty(), "the page shows the event; log: " + Files.readString(profile.resolve("chromium.log")));
      System.out.println("measured push latency to the page's DOM (Kafka produce acknowledged → row seen over CDP, 20 ms polling): " + ms + " ms");
      JsonObject r = new JsonObject(row);
      System.out.println("measured push latency to the page (Kafka produce acknowledged → page's handler, same clock): "
          + (r.getLong("at") - produced) + " ms");
      JsonArray cells = r.getJsonArray("cells");
      assertEquals("intrusion", cells.getString(1));
      assertEquals("door", cells.getString(2));
      assertEquals("HIGH", cells.getString(3));
      assertEquals("NEW", cells.getString(5));
      assertEquals("http://127.0.0.1:" + port + "/api/v1/clips/demo.mp4?sig=abc", r.getString("clip"));
      // a status change of the same event updates its row in place
      JsonObject acked = c.copy().put("action", "status");
      acked.getJsonObject("event").put("status", "ACKNOWLEDGED");
      long t1 = System.nanoTime();
      produce(acked);
      String status = "";
      end = System.currentTimeMillis() + 15_000;
      String statusJs = "(() => { const r = document.querySelectorAll('tr[data-event-id=\"" + id + "\"]'); return r.length + ':' + (r[0] ? r[0].cells[5].textContent : ''); })()";
      while (System.currentTimeMillis() < end && !status.equals("1:ACKNOWLEDGED")) {
        status = cdp.eval(statusJs);
        Thread.sleep(20);
      }
      assertEquals("1:ACKNOWLEDGED", status, "one row, updated");
      System.out.println("measured push latency of a status change to the page's DOM: " + (System.nanoTime() - t1) / 1_000_000
          + " ms (SockJS transport used by the browser: " + cdp.eval("eb.sockJSConn.transport") + ")");
      // B's event never appears on A's page
      JsonObject other = change("tb", "created", "NEW", "none", null);
      produce(other);
      Thread.sleep(800);
      assertEquals("0", cdp.eval("String(document.querySelectorAll('tr[data-event-id=\"" + other.getJsonObject("event").getString("eventId")
          + "\"]').length)"));
    } finally {
      chrome.descendants().forEach(ProcessHandle::destroyForcibly);
      chrome.destroyForcibly();
      chrome.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
