package com.softdew.vms.control.storage;

import static com.softdew.vms.control.testing.ApiClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.testing.ApiClient;
import com.softdew.vms.control.testing.TestNode;
import com.softdew.vms.edge.record.RecordingGap;
import com.softdew.vms.edge.record.RecordingSegment;
import com.softdew.vms.platform.store.TenantSql;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The recording index on a real PostgreSQL (a fresh database of an all-in-one test node): idempotent indexing over
 * the bus, malformed records refused naming the field, range queries, gaps minus SD-card coverage, tenant isolation
 * through the API and through row-level security, protection, and a timing print over 100 000 rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RecordingIndexTest {
  static final String PW = "tenant-user-pass-phrase";
  static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
  TestNode test;
  Vertx vertx;
  ApiClient api;
  RecordingIndex index;
  TenantSql sql;
  String adminA;
  String adminB;
  String supervisorA;
  String viewerA;

  @BeforeAll
  void start() throws Exception {
    test = TestNode.start(Map.of());
    vertx = test.vertx;
    api = test.api;
    index = test.node.recordingIndex();
    sql = new TenantSql(test.node.stores().dialect(), test.node.stores().sql());
    for (String t : List.of("ta", "tb")) {
      assertEquals(201, api.call(test.operator, "POST", "/api/v1/tenants", new JsonObject().put("tenantId", t).put("name", t)
          .put("licence", new JsonObject().put("cameraLimit", 10).put("validUntil", Instant.now().plus(Duration.ofDays(90)).toString())))
          .statusCode());
    }
    user("ta-admin", "ADMIN", "ta");
    user("tb-admin", "ADMIN", "tb");
    user("ta-super", "SUPERVISOR", "ta");
    user("ta-viewer", "VIEWER", "ta");
    adminA = api.token("ta-admin", PW);
    adminB = api.token("tb-admin", PW);
    supervisorA = api.token("ta-super", PW);
    viewerA = api.token("ta-viewer", PW);
    camera(adminA, "cam-1", "10.9.0.1");
    camera(adminA, "cam-2", "10.9.0.2");
    camera(adminA, "bulk", "10.9.0.3");
    camera(adminB, "cam-1", "10.9.1.1"); // same id in another tenant: must not see tenant A's footage
  }

  @AfterAll
  void stop() throws Exception {
    test.close();
  }

  void user(String name, String role, String tenant) throws Exception {
    HttpResponse<Buffer> r = api.call(test.operator, "POST", "/api/v1/users", new JsonObject().put("username", name).put("password", PW)
        .put("role", role).put("tenantId", tenant));
    assertEquals(201, r.statusCode(), r.bodyAsString());
  }

  void camera(String token, String id, String host) throws Exception {
    HttpResponse<Buffer> r = api.call(token, "POST", "/api/v1/cameras", new JsonObject().put("cameraId", id).put("name", "Camera " + id)
        .put("host", host).put("rtspMain", "rtsp://" + host + ":554/main").put("authType", "DIGEST").put("username", "admin")
        .put("secret", "s3cret"));
    assertEquals(201, r.statusCode(), r.bodyAsString());
  }

  static String sha(long n) {
    byte[] b = new byte[32];
    for (int i = 0; i < 8; i++) b[i] = (byte) (n >>> (8 * i));
    return HexFormat.of().formatHex(b);
  }

  static RecordingSegment seg(String tenant, String camera, String stream, Instant start, Duration len, String source) {
    return new RecordingSegment(tenant, camera, stream, start, start.plus(len), 1_000_000, "h264", "1920x1080", sha(start.toEpochMilli()),
        Path.of("/var/vms/recordings/" + tenant + "/" + camera + "/" + start.toEpochMilli() + ".mp4"), source, "continuous", "");
  }

  JsonObject send(String kind, JsonObject record) throws Exception {
    return (JsonObject) await(vertx.eventBus().request(Addresses.RECORDING_INDEX,
        new JsonObject().put("kind", kind).put("nodeId", "edge-1").put("record", record))).body();
  }

  ReplyException refused(Vertx bus, String kind, JsonObject record) {
    try {
      await(bus.eventBus().request(Addresses.RECORDING_INDEX, new JsonObject().put("kind", kind).put("nodeId", "edge-1").put("record", record)));
    } catch (Exception e) {
      Throwable c = e.getCause();
      if (c instanceof ReplyException r) return r;
      fail("expected a failure reply, got " + e);
    }
    fail("expected a failure reply for " + record);
    return null;
  }

  long count(String tenant, String where, Tuple params) throws Exception {
    return await(sql.inTenant(tenant, c -> c.preparedQuery("SELECT count(*) FROM recording_segment" + (where == null ? "" : " WHERE " + where))
        .execute(params))).iterator().next().getLong(0);
  }

  static void problem(HttpResponse<Buffer> r, int status, String field) {
    assertEquals(status, r.statusCode(), r.bodyAsString());
    assertEquals("application/problem+json", r.getHeader("content-type"));
    if (field != null) assertEquals(field, r.bodyAsJsonObject().getString("field"), r.bodyAsString());
  }

  // ------------------------------------------------------------------ tests

  @Test
  @Order(1)
  void indexingTheSameSegmentTwiceIsOneRow() throws Exception {
    RecordingSegment s = seg("ta", "cam-2", "main", T0, Duration.ofSeconds(10), "rtsp");
    JsonObject first = send("segment", s.toJson());
    assertEquals(new JsonObject().put("ok", true).put("outcome", "inserted"), first);
    // the outbox resends (its ack got lost): a no-op that still succeeds
    assertEquals("duplicate", send("segment", s.toJson()).getString("outcome"));
    assertEquals(1, count("ta", "segment_id = $1", Tuple.of(s.segmentId())));
    SegmentRow row = await(index.segment("ta", s.segmentId()));
    assertEquals("edge-1", row.nodeId());
    assertEquals(s.path().toString(), row.path());
    assertEquals(T0, row.start());
    assertEquals("local", row.tier());
    assertTrue(row.localPresent());
    assertFalse(row.protectedFlag());
    // the same id with another checksum keeps the first row, and says so
    RecordingSegment other = new RecordingSegment("ta", "cam-2", "main", T0, T0.plusSeconds(10), 5, "h264", "1920x1080", sha(1),
        s.path(), "rtsp", "continuous", "");
    assertEquals("conflict", send("segment", other.toJson()).getString("outcome"));
    assertEquals(s.sha256(), await(index.segment("ta", s.segmentId())).sha256());

    // gaps are idempotent on their start too
    RecordingGap g = new RecordingGap("ta", "cam-2", "main", T0.plusSeconds(10), T0.plusSeconds(20), "stream dropped");
    assertEquals("inserted", send("gap", g.toJson()).getString("outcome"));
    assertEquals("duplicate", send("gap", g.toJson()).getString("outcome"));
    assertEquals(1, await(sql.inTenant("ta", c -> c.query("SELECT count(*) FROM recording_gap WHERE camera_id = 'cam-2'").execute()))
        .iterator().next().getLong(0));

    // uploaded / evicted update the row; an unknown segment is a 404 failure
    assertTrue(send("uploaded", new JsonObject().put("tenantId", "ta").put("segmentId", s.segmentId()).put("tier", "cloud")
        .put("objectKey", "ta/cam-2/2026-03-02/" + s.segmentId() + ".mp4")).getBoolean("ok"));
    assertTrue(send("localEvicted", new JsonObject().put("tenantId", "ta").put("segmentId", s.segmentId())).getBoolean("ok"));
    row = await(index.segment("ta", s.segmentId()));
    assertEquals("cloud", row.tier());
    assertEquals("ta/cam-2/2026-03-02/" + s.segmentId() + ".mp4", row.objectKey());
    assertFalse(row.localPresent());
    assertEquals(404, refused(vertx, "localEvicted", new JsonObject().put("tenantId", "ta").put("segmentId", "nope")).failureCode());
    // tenant B cannot touch tenant A's segment even with its id
    assertEquals(404, refused(vertx, "localEvicted", new JsonObject().put("tenantId", "tb").put("segmentId", s.segmentId())).failureCode());
  }

  @Test
  @Order(2)
  void malformedRecordsAreRefusedNamingTheFieldAndNothingIsWritten() throws Exception {
    long before = count("ta", null, Tuple.tuple());
    JsonObject good = seg("ta", "cam-2", "main", T0.plusSeconds(3600), Duration.ofSeconds(10), "rtsp").toJson();
    Map<String, Function<JsonObject, JsonObject>> cases = new java.util.LinkedHashMap<>();
    cases.put("record.start", j -> j.put("start", "yesterday"));
    cases.put("record.end", j -> j.put("end", j.getString("start")));
    cases.put("record.tenantId", j -> j.put("tenantId", "../etc"));
    cases.put("record.cameraId", j -> j.put("cameraId", "a/b"));
    cases.put("record.sha256", j -> j.put("sha256", "xyz"));
    cases.put("record.bytes", j -> j.put("bytes", -1));
    cases.put("record.stream", j -> j.put("stream", "third"));
    cases.put("record.path", j -> j.put("path", "relative/file.mp4"));
    cases.put("record.segmentId", j -> j.put("segmentId", "cam-2.main.1.rtsp"));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // a second consumer with its own bus and meter registry, on the node's index and without the tenant directory
    Vertx side = Vertx.vertx();
    try {
      await(side.deployVerticle(new RecordingIndexVerticle(index, null, registry)));
      for (var c : cases.entrySet()) {
        ReplyException r = refused(side, "segment", c.getValue().apply(good.copy()));
        assertEquals(400, r.failureCode(), c.getKey());
        assertTrue(r.getMessage().startsWith(c.getKey() + ":"), c.getKey() + " named in: " + r.getMessage());
      }
      ReplyException longSeg = refused(side, "segment", good.copy().put("end", T0.plusSeconds(3600 + 601).toString()));
      assertTrue(longSeg.getMessage().startsWith("record.end:"), longSeg.getMessage());
      assertEquals(cases.size() + 1, registry.find("vms.recording.index.rejected").counters().stream().mapToDouble(x -> x.count()).sum());
      assertEquals(1.0, registry.find("vms.recording.index.rejected").tag("field", "record.sha256").counter().count());
    } finally {
      await(side.close());
    }
    // on the node: an unknown tenant, an unknown kind, a missing record
    ReplyException unknownTenant = refused(vertx, "segment", good.copy().put("tenantId", "nobody"));
    assertEquals(400, unknownTenant.failureCode());
    assertTrue(unknownTenant.getMessage().startsWith("record.tenantId:"), unknownTenant.getMessage());
    assertTrue(refused(vertx, "teleport", good).getMessage().startsWith("kind:"));
    assertTrue(refused(vertx, "segment", null).getMessage().startsWith("record:"));
    try {
      await(vertx.eventBus().request(Addresses.RECORDING_INDEX, "not json"));
      fail("a string body must be refused");
    } catch (Exception e) {
      assertEquals(400, ((ReplyException) e.getCause()).failureCode());
      assertTrue(e.getCause().getMessage().startsWith("body:"), e.getCause().getMessage());
    }
    assertTrue(refused(vertx, "uploaded", new JsonObject().put("tenantId", "ta").put("segmentId", "x").put("tier", "moon").put("objectKey", "k"))
        .getMessage().startsWith("record.tier:"));
    assertEquals(before, count("ta", null, Tuple.tuple()), "nothing written");
  }

  @Test
  @Order(3)
  void aRangeResolvesToContiguousSegmentsInOneQuery() throws Exception {
    Instant base = T0.plus(Duration.ofDays(1));
    // 60 contiguous 10 s segments on the main stream, one sub-stream segment, one segment of another camera
    for (int i = 0; i < 60; i++) send("segment", seg("ta", "cam-1", "main", base.plusSeconds(10L * i), Duration.ofSeconds(10), "rtsp").toJson());
    send("segment", seg("ta", "cam-1", "sub", base, Duration.ofSeconds(10), "rtsp").toJson());
    send("segment", seg("ta", "cam-2", "main", base, Duration.ofSeconds(10), "rtsp").toJson());

    // [base + 5 s, base + 595 s): the first segment started before `from` and overlaps it; the one starting at `to` does not
    List<SegmentRow> rows = await(index.segments("ta", "cam-1", "main", base.plusSeconds(5), base.plusSeconds(590)));
    assertEquals(59, rows.size());
    assertEquals(base, rows.get(0).start());
    for (int i = 1; i < rows.size(); i++) assertEquals(rows.get(i - 1).end(), rows.get(i).start(), "contiguous, ordered");

    HttpResponse<Buffer> r = api.call(adminA, "GET", "/api/v1/cameras/cam-1/recordings?from=" + base.plusSeconds(5) + "&to=" + base.plusSeconds(590), null);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    JsonObject body = r.bodyAsJsonObject();
    assertEquals(59, body.getJsonArray("segments").size());
    assertFalse(body.getJsonArray("segments").getJsonObject(0).containsKey("path"), "file paths stay inside");
    assertEquals(new JsonObject().put("recordedMs", 585_000L).put("gapMs", 0L).put("contiguous", true).put("holes", new JsonArray()),
        body.getJsonObject("coverage"));
    assertEquals(0, body.getJsonArray("gaps").size());

    // an offset works too; a range past the end of the footage is not contiguous and shows the hole
    HttpResponse<Buffer> pastR = api.call(adminA, "GET", "/api/v1/cameras/cam-1/recordings?from=" + "2026-03-03T11:09:00%2B01:00" + "&to="
        + base.plusSeconds(660), null);
    assertEquals(200, pastR.statusCode(), pastR.bodyAsString());
    JsonObject past = pastR.bodyAsJsonObject();
    assertEquals(6, past.getJsonArray("segments").size());
    assertFalse(past.getJsonObject("coverage").getBoolean("contiguous"));
    assertEquals(60_000L, past.getJsonObject("coverage").getLong("gapMs"));
    assertEquals(base.plusSeconds(600).toString(), past.getJsonObject("coverage").getJsonArray("holes").getJsonObject(0).getString("start"));

    // the sub stream and a limit
    JsonObject sub = api.call(adminA, "GET", "/api/v1/cameras/cam-1/recordings?stream=sub&from=" + base + "&to=" + base.plusSeconds(10), null)
        .bodyAsJsonObject();
    assertEquals(1, sub.getJsonArray("segments").size());
    JsonObject limited = api.call(adminA, "GET", "/api/v1/cameras/cam-1/recordings?limit=10&from=" + base + "&to=" + base.plusSeconds(600), null)
        .bodyAsJsonObject();
    assertEquals(10, limited.getJsonArray("segments").size());
    assertTrue(limited.getBoolean("truncated"));
    assertEquals(base.plusSeconds(100).toString(), limited.getString("next"));
    assertTrue(limited.getJsonObject("coverage").getBoolean("contiguous"));

    // bad ranges name the field
    problem(api.call(adminA, "GET", "/api/v1/cameras/cam-1/recordings?from=" + base + "&to=" + base, null), 400, "to");
    problem(api.call(adminA, "GET", "/api/v1/cameras/cam-1/recordings?from=" + base + "&to=" + base.plus(Duration.ofDays(32)), null), 400, "to");
    problem(api.call(adminA, "GET", "/api/v1/cameras/cam-1/recordings?from=noon&to=" + base, null), 400, "from");
    problem(api.call(adminA, "GET", "/api/v1/cameras/cam-1/recordings?to=" + base, null), 400, "from");
    problem(api.call(adminA, "GET", "/api/v1/cameras/cam-1/recordings?stream=third&from=" + base + "&to=" + base.plusSeconds(5), null), 400, "stream");
  }

  @Test
  @Order(4)
  void gapsAreReportedGapsMinusSdCardCoverage() throws Exception {
    Instant g0 = Instant.parse("2026-03-05T10:00:00Z");
    Instant g1 = Instant.parse("2026-03-05T10:10:00Z");
    // live footage before and after the gap
    send("segment", seg("ta", "cam-1", "main", g0.minusSeconds(10), Duration.ofSeconds(10), "rtsp").toJson());
    send("segment", seg("ta", "cam-1", "main", g1, Duration.ofSeconds(10), "rtsp").toJson());
    send("gap", new RecordingGap("ta", "cam-1", "main", g0, g1, "stream dropped: read timeout").toJson());
    Instant from = g0.minusSeconds(60);
    Instant to = g1.plusSeconds(60);
    List<GapRow> open = await(index.gaps("ta", "cam-1", "main", from, to));
    assertEquals(1, open.size());
    assertEquals("open", open.get(0).fillState());
    assertEquals(g0, open.get(0).start());
    assertEquals(g1, open.get(0).end());

    // the camera's SD card had 10:02–10:05
    Instant sd = Instant.parse("2026-03-05T10:02:00Z");
    send("segment", seg("ta", "cam-1", "main", sd, Duration.ofMinutes(3), "sdcard").toJson());
    List<GapRow> partial = await(index.gaps("ta", "cam-1", "main", from, to));
    assertEquals(2, partial.size(), partial.toString());
    assertEquals(List.of(g0, Instant.parse("2026-03-05T10:05:00Z")), partial.stream().map(GapRow::start).toList());
    assertEquals(List.of(sd, g1), partial.stream().map(GapRow::end).toList());
    assertTrue(partial.stream().allMatch(x -> x.fillState().equals("partial")));
    // a narrower query clips the remaining spans; the sub stream has no gap
    List<GapRow> clipped = await(index.gaps("ta", "cam-1", "main", Instant.parse("2026-03-05T10:01:00Z"), Instant.parse("2026-03-05T10:06:00Z")));
    assertEquals(List.of(Instant.parse("2026-03-05T10:01:00Z"), Instant.parse("2026-03-05T10:05:00Z")), clipped.stream().map(GapRow::start).toList());
    assertEquals(Instant.parse("2026-03-05T10:06:00Z"), clipped.get(1).end());
    assertEquals(0, await(index.gaps("ta", "cam-1", "sub", from, to)).size());

    // the API: recordings list the remaining gaps and holes; /gaps shows the reported gap with its state
    JsonObject rec = api.call(adminA, "GET", "/api/v1/cameras/cam-1/recordings?from=" + g0.minusSeconds(10) + "&to=" + g1.plusSeconds(10), null)
        .bodyAsJsonObject();
    assertEquals(3, rec.getJsonArray("segments").size());
    assertEquals("sdcard", rec.getJsonArray("segments").getJsonObject(1).getString("source"));
    assertEquals(2, rec.getJsonArray("gaps").size());
    assertEquals(420_000L, rec.getJsonObject("coverage").getLong("gapMs"));
    assertFalse(rec.getJsonObject("coverage").getBoolean("contiguous"));
    JsonObject gaps = api.call(adminA, "GET", "/api/v1/cameras/cam-1/recordings/gaps?from=" + from + "&to=" + to, null).bodyAsJsonObject();
    assertEquals(2, gaps.getJsonArray("gaps").size());
    JsonObject reported = gaps.getJsonArray("reported").getJsonObject(0);
    assertEquals("partial", reported.getString("fillState"));
    assertEquals(180_000L, reported.getLong("coveredMs"));
    assertEquals("stream dropped: read timeout", reported.getString("reason"));

    // the rest from the SD card: filled, nothing left
    send("segment", seg("ta", "cam-1", "main", g0, Duration.ofMinutes(2), "sdcard").toJson());
    send("segment", seg("ta", "cam-1", "main", sd.plus(Duration.ofMinutes(3)), Duration.ofMinutes(5), "sdcard").toJson());
    assertEquals(0, await(index.gaps("ta", "cam-1", "main", from, to)).size());
    List<RecordingIndex.GapReport> reports = await(index.gapReports("ta", "cam-1", "main", from, to));
    assertEquals("filled", reports.get(0).gap().fillState());
    JsonObject whole = api.call(adminA, "GET", "/api/v1/cameras/cam-1/recordings?from=" + g0.minusSeconds(10) + "&to=" + g1.plusSeconds(10), null)
        .bodyAsJsonObject();
    assertTrue(whole.getJsonObject("coverage").getBoolean("contiguous"), whole.encodePrettily());

    // a gap the camera could not fill at all, said by the gap filler
    Instant u0 = Instant.parse("2026-03-05T12:00:00Z");
    send("gap", new RecordingGap("ta", "cam-1", "main", u0, u0.plusSeconds(30), "camera offline").toJson());
    assertEquals("updated", send("gapFilled", new JsonObject().put("tenantId", "ta").put("cameraId", "cam-1").put("stream", "main")
        .put("start", u0.toString()).put("fillState", "unfillable").put("fillNote", "SD card has no recording")).getString("outcome"));
    List<GapRow> unfillable = await(index.gaps("ta", "cam-1", "main", u0, u0.plusSeconds(60)));
    assertEquals("unfillable", unfillable.get(0).fillState());
    assertEquals("SD card has no recording", unfillable.get(0).fillNote());
  }

  @Test
  @Order(5)
  void anotherTenantSeesNothing() throws Exception {
    Instant base = T0.plus(Duration.ofDays(1));
    String q = "?from=" + base + "&to=" + base.plusSeconds(600);
    // tenant B has a camera cam-1 of its own: empty, not tenant A's footage
    JsonObject b = api.call(adminB, "GET", "/api/v1/cameras/cam-1/recordings" + q, null).bodyAsJsonObject();
    assertEquals(0, b.getJsonArray("segments").size());
    assertEquals(600_000L, b.getJsonObject("coverage").getLong("gapMs"));
    // cam-2 exists only in tenant A: 404 for B, on every recording operation
    problem(api.call(adminB, "GET", "/api/v1/cameras/cam-2/recordings" + q, null), 404, null);
    problem(api.call(adminB, "GET", "/api/v1/cameras/cam-2/recordings/gaps" + q, null), 404, null);
    problem(api.call(adminB, "POST", "/api/v1/cameras/cam-2/recordings/protect", new JsonObject().put("from", base.toString())
        .put("to", base.plusSeconds(60).toString()).put("reason", "x")), 404, null);
    // B naming tenant A explicitly is refused too
    problem(api.call(adminB, "GET", "/api/v1/cameras/cam-1/recordings" + q + "&tenantId=ta", null), 404, null);
    // the operator can look at A
    assertEquals(60, api.call(test.operator, "GET", "/api/v1/cameras/cam-1/recordings" + q + "&tenantId=ta", null).bodyAsJsonObject()
        .getJsonArray("segments").size());

    // underneath: RecordingIndex bound to B, and row-level security even without a WHERE
    assertEquals(0, await(index.segments("tb", "cam-1", "main", base, base.plusSeconds(600))).size());
    assertEquals(60, await(index.segments("ta", "cam-1", "main", base, base.plusSeconds(600))).size());
    String idOfA = seg("ta", "cam-1", "main", base, Duration.ofSeconds(10), "rtsp").segmentId();
    assertNotNull(await(index.segment("ta", idOfA)));
    assertNull(await(index.segment("tb", idOfA)));
    assertEquals(0, count("tb", null, Tuple.tuple()));
    assertTrue(count("ta", null, Tuple.tuple()) > 60);
    assertEquals(0, await(index.gaps("tb", "cam-1", "main", Instant.parse("2026-03-05T09:00:00Z"), Instant.parse("2026-03-05T13:00:00Z"))).size());
    assertEquals(0, await(index.protect("tb", "cam-1", base, base.plusSeconds(600), "probe")));
    // a row of another tenant cannot be written through B's transaction either
    RecordingSegment forged = seg("ta", "cam-1", "main", base.plus(Duration.ofDays(3)), Duration.ofSeconds(10), "rtsp");
    try {
      await(sql.inTenant("tb", c -> c.preparedQuery("INSERT INTO recording_segment (tenant_id, segment_id, camera_id, stream, start_ms, end_ms,"
          + " bytes, codec, resolution, source, trigger_kind, sha256, node_id, path, indexed_ms) VALUES ('ta', $1, 'cam-1', 'main', 1, 2, 3, 'h264',"
          + " '1x1', 'rtsp', 'continuous', $2, 'n', '/x', 0)").execute(Tuple.of(forged.segmentId(), forged.sha256()))));
      fail("row-level security must refuse a row of tenant ta inside a tb transaction");
    } catch (Exception expected) {
      assertTrue(String.valueOf(expected.getMessage()).contains("row-level security"), expected.toString());
    }
  }

  @Test
  @Order(6)
  void protectionNeedsPermissionsAndIsAudited() throws Exception {
    Instant base = T0.plus(Duration.ofDays(1));
    String path = "/api/v1/cameras/cam-1/recordings/protect";
    JsonObject body = new JsonObject().put("from", base.plusSeconds(15).toString()).put("to", base.plusSeconds(45).toString()).put("reason", "incident 4711");
    problem(api.call(viewerA, "POST", path, body), 403, null);
    HttpResponse<Buffer> r = api.call(supervisorA, "POST", path, body);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    // 10..20, 20..30, 30..40, 40..50 on main, nothing on sub (its one segment ends at base + 10 s)
    assertEquals(4, r.bodyAsJsonObject().getInteger("protected"));
    List<SegmentRow> rows = await(index.segments("ta", "cam-1", "main", base, base.plusSeconds(60)));
    assertEquals(List.of(false, true, true, true, true, false), rows.stream().map(SegmentRow::protectedFlag).toList());
    assertEquals("incident 4711", rows.get(1).protectReason());
    JsonArray audit = await(test.node.audit().find("ta", new JsonObject().put("action", "recording.protect"), 10, 0));
    assertEquals(1, audit.size());
    assertTrue(audit.getJsonObject(0).getString("actor").startsWith("ta-super"), audit.encodePrettily());
    problem(api.call(supervisorA, "POST", path, body.copy().put("reason", "")), 400, "/reason");
    problem(api.call(supervisorA, "POST", path, body.copy().put("to", base.toString())), 400, "to");

    // lifting it is stronger: not for a supervisor, yes for an admin
    String q = path + "?from=" + base.plusSeconds(15) + "&to=" + base.plusSeconds(25);
    problem(api.call(supervisorA, "DELETE", q, null), 403, null);
    HttpResponse<Buffer> u = api.call(adminA, "DELETE", q, null);
    assertEquals(200, u.statusCode(), u.bodyAsString());
    assertEquals(2, u.bodyAsJsonObject().getInteger("unprotected"));
    rows = await(index.segments("ta", "cam-1", "main", base, base.plusSeconds(60)));
    assertEquals(List.of(false, false, false, true, true, false), rows.stream().map(SegmentRow::protectedFlag).toList());
    assertEquals(1, await(test.node.audit().find("ta", new JsonObject().put("action", "recording.unprotect"), 10, 0)).size());
  }

  @Test
  @Order(7)
  void timingOfARangeQueryOver100000Rows() throws Exception {
    int n = 100_000;
    long start = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    long t0 = System.nanoTime();
    // bulk: generated by PostgreSQL in one statement (10 s segments, about 11.6 days of one camera)
    await(sql.inTenant("ta", c -> c.preparedQuery("INSERT INTO recording_segment (tenant_id, segment_id, camera_id, stream, start_ms, end_ms,"
        + " bytes, codec, resolution, source, trigger_kind, sha256, node_id, path, indexed_ms)"
        + " SELECT 'ta', 'bulk.main.' || ($1::bigint + i * 10000) || '.rtsp', 'bulk', 'main', $1::bigint + i * 10000, $1::bigint + (i + 1) * 10000,"
        + " 2500000, 'h264',"
        + " '1920x1080', 'rtsp', 'continuous', md5(i::text) || md5(i::text), 'edge-1', '/var/vms/bulk/' || i || '.mp4', 0"
        + " FROM generate_series(0, $2 - 1) AS i").execute(Tuple.of(start, n))));
    long insertMs = (System.nanoTime() - t0) / 1_000_000;
    await(test.node.stores().sql().query("ANALYZE recording_segment").execute());
    assertEquals(n, count("ta", "camera_id = 'bulk'", Tuple.tuple()));
    StringBuilder report = new StringBuilder("recording index timing (" + n + " rows of one camera, bulk insert " + insertMs + " ms):");
    for (Duration range : List.of(Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofDays(1))) {
      Instant from = Instant.ofEpochMilli(start).plus(Duration.ofDays(5)).plusSeconds(5);
      Instant to = from.plus(range);
      List<Long> times = new ArrayList<>();
      int rows = 0;
      for (int i = 0; i < 15; i++) {
        long q0 = System.nanoTime();
        rows = await(index.segments("ta", "bulk", "main", from, to)).size();
        times.add((System.nanoTime() - q0) / 1000);
      }
      times.sort(Long::compare);
      report.append(String.format(" %s -> %d segments, median %.2f ms (min %.2f);", range, rows, times.get(times.size() / 2) / 1000.0,
          times.get(0) / 1000.0));
      assertEquals(range.toSeconds() / 10 + 1, rows);
    }
    String plan = await(sql.inTenant("ta", c -> c.preparedQuery("EXPLAIN SELECT " + RecordingIndex.COLUMNS + " FROM recording_segment WHERE tenant_id = $1"
        + " AND camera_id = $2 AND stream = $3 AND start_ms >= $4 AND start_ms < $5 AND end_ms > $6 AND state = 'present' ORDER BY start_ms, segment_id")
        .execute(Tuple.of("ta", "bulk", "main", start + 86_400_000L * 5 - RecordingIndex.MAX_SEGMENT_MS, start + 86_400_000L * 5 + 3_600_000L,
            start + 86_400_000L * 5))).map(rs -> {
              StringBuilder b = new StringBuilder();
              rs.forEach(row -> b.append(row.getString(0)).append(" | "));
              return b.toString();
            }));
    System.out.println(report);
    System.out.println("plan: " + plan);
    assertTrue(plan.contains("recording_segment_range"), plan);
  }
}
