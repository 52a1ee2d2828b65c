package com.softdew.vms.control.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.platform.store.StoreKind;
import com.softdew.vms.platform.store.Stores;
import com.softdew.vms.platform.store.TenantSql;
import com.softdew.vms.platform.testing.LocalPostgres;
import com.softdew.vms.platform.testing.TestConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The planner's order and the retention verticle's bus protocol on a real PostgreSQL (fresh database, schema V5).
 * Rows only: the planner never touches files. Policies come from a map here; the configuration-service path is
 * tested in RetentionEndToEndTest.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetentionPlannerTest {
  static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
  static final long DAY = Duration.ofDays(1).toMillis();
  Vertx vertx;
  String db;
  Stores stores;
  TenantSql sql;
  RetentionPlanner planner;
  SimpleMeterRegistry reg = new SimpleMeterRegistry();
  final Map<String, RetentionPlanner.Policy> policies = Map.of(
      "t1/cam-1", new RetentionPlanner.Policy(30, 90, Map.of("fire", 365), 0),
      "t1/cam-2", new RetentionPlanner.Policy(30, 90, Map.of(), 2500 / 1e9), // a 2500-byte cap
      "t2/cam-1", RetentionPlanner.Policy.DEFAULTS);

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    db = LocalPostgres.freshName();
    LocalPostgres.exec(vertx, "CREATE DATABASE " + db);
    stores = await(Stores.open(vertx, TestConfigs.create(Files.createTempDirectory("vms-ret"), Map.of("sql.url", LocalPostgres.url(db))),
        EnumSet.of(StoreKind.SQL), null));
    sql = new TenantSql(stores.dialect(), stores.sql());
    planner = new RetentionPlanner(sql, (t, c) -> {
      RetentionPlanner.Policy p = policies.get(t + "/" + c);
      return p == null ? Future.failedFuture(new IllegalStateException("no policy")) : Future.succeededFuture(p);
    }, 1000);
    // age phase (node n1)
    row("t1", "cam-1", "A", 40, "continuous", "", false, "n1", "present", true);
    row("t1", "cam-1", "B", 100, "event", "intrusion", false, "n1", "present", true);
    row("t1", "cam-1", "C", 100, "event", "fire", false, "n1", "present", true); // fire kept 365 days
    row("t2", "cam-1", "H", 31, "continuous", "", false, "n1", "present", true);
    // never candidates
    row("t1", "cam-1", "D", 35, "continuous", "", true, "n1", "present", true);
    row("t1", "cam-1", "E", 35, "continuous", "", false, "n1", "deleted", true);
    row("t1", "cam-1", "F", 35, "continuous", "", false, "n2", "present", true);
    row("t1", "cam-1", "G", 35, "continuous", "", false, "n1", "present", false);
    // size cap of t1/cam-2: 5 x 1000 bytes (one protected) against 2500
    row("t1", "cam-2", "K6", 6, "continuous", "", true, "n1", "present", true);
    row("t1", "cam-2", "K5", 5, "continuous", "", false, "n1", "present", true);
    row("t1", "cam-2", "K4", 4, "continuous", "", false, "n1", "present", true);
    row("t1", "cam-2", "K3", 3, "continuous", "", false, "n1", "present", true);
    row("t1", "cam-2", "K2", 2, "continuous", "", false, "n1", "present", true);
    // volume pressure
    row("t1", "cam-1", "P10", 10, "continuous", "", false, "n1", "present", true);
    row("t2", "cam-1", "P9h", 9.5, "motion", "", false, "n1", "present", true);
    row("t1", "cam-1", "P9", 9, "schedule", "", false, "n1", "present", true);
    row("t1", "cam-1", "E20", 20, "event", "intrusion", false, "n1", "present", true);
    row("t2", "cam-1", "E30", 30, "event", "fire", false, "n1", "present", true);
    deploy();
  }

  void deploy() throws Exception {
    await(vertx.deployVerticle(new RetentionVerticle(sql, planner, reg)));
  }

  @AfterAll
  void stop() throws Exception {
    await(stores.close());
    LocalPostgres.exec(vertx, "DROP DATABASE IF EXISTS " + db);
    await(vertx.close());
  }

  void row(String tenant, String camera, String id, double ageDays, String trigger, String eventType, boolean prot, String node, String state,
      boolean local) throws Exception {
    long start = NOW.toEpochMilli() - (long) (ageDays * DAY);
    await(sql.inTenant(tenant, c -> c.preparedQuery("INSERT INTO recording_segment (tenant_id, segment_id, camera_id, stream, start_ms, end_ms,"
            + " bytes, codec, resolution, source, trigger_kind, event_type, sha256, node_id, path, protected, state, local_present, indexed_ms)"
            + " VALUES ($1, $2, $3, 'main', $4, $5, 1000, 'h264', '1280x720', 'rtsp', $6, $7, $8, $9, $10, $11, $12, $13, $14)")
        .execute(Tuple.from(List.of(tenant, id, camera, start, start + 10_000, trigger, eventType, "ab".repeat(32), node,
            "/data/recordings/" + tenant + "/" + camera + "/" + id + ".mp4", prot, state, local, start)))));
  }

  static List<String> ids(RetentionPlanner.Plan p) {
    List<String> l = new ArrayList<>();
    p.candidates().forEach(c -> l.add(c.segmentId()));
    return l;
  }

  @Test
  void orderIsAgeThenSizeCapThenContinuousBeforeEventOldestFirst() throws Exception {
    RetentionPlanner.Plan all = await(planner.plan("n1", Long.MAX_VALUE, NOW));
    assertEquals(List.of("B", "A", "H", "K5", "K4", "K3", "P10", "P9h", "P9", "K2", "C", "E30", "E20"), ids(all));
    assertEquals(List.of("age", "age", "age", "cap", "cap", "cap", "pressure", "pressure", "pressure", "pressure", "pressure", "pressure",
        "pressure"), all.candidates().stream().map(RetentionPlanner.Candidate::phase).toList());
    assertTrue(all.candidates().get(0).reason().contains("90 days"), all.candidates().get(0).reason());
    assertTrue(all.candidates().get(1).reason().contains("30 days"));
    assertFalse(all.truncated());
    // present, local rows of n1: A B C H D K6..K2 P10 P9h P9 E20 E30 (E deleted, F other node, G not local)
    assertEquals(15, all.indexedSegments());
    assertEquals(15_000, all.indexedBytes());
    assertEquals(13_000, all.plannedBytes());
  }

  @Test
  void pressureStopsOnceBytesToFreeIsMet() throws Exception {
    assertEquals(List.of("B", "A", "H", "K5", "K4", "K3", "P10", "P9h"), ids(await(planner.plan("n1", 7500, NOW))));
    assertEquals(List.of("B", "A", "H", "K5", "K4", "K3"), ids(await(planner.plan("n1", 0, NOW))), "age and caps apply without pressure");
    assertEquals(List.of(), ids(await(planner.plan("n3", 1_000_000, NOW))), "another node's volume");
  }

  @Test
  void aBoundedPlanSaysItIsTruncated() throws Exception {
    RetentionPlanner small = new RetentionPlanner(sql, (t, c) -> Future.succeededFuture(policies.get(t + "/" + c)), 4);
    RetentionPlanner.Plan p = await(small.plan("n1", Long.MAX_VALUE, NOW));
    assertEquals(List.of("B", "A", "H", "K5"), ids(p));
    assertTrue(p.truncated());
  }

  @Test
  void aCameraWithoutPolicyIsOnlyDeletedUnderPressure() throws Exception {
    RetentionPlanner blind = new RetentionPlanner(sql, (t, c) -> Future.failedFuture(new IllegalStateException("config down")), 100);
    assertEquals(List.of(), ids(await(blind.plan("n1", 0, NOW))));
    assertEquals(List.of("A", "H", "P10", "P9h"), ids(await(blind.plan("n1", 3500, NOW))), "oldest continuous first");
  }

  @Test
  void policyFromTheEffectiveConfiguration() {
    RetentionPlanner.Policy p = RetentionPlanner.Policy.fromEffective(new JsonObject().put("retention", new JsonObject().put("continuousDays", 7)
        .put("eventDays", 60).put("eventTypeDays", new JsonArray().add("fire=365").add(" weapon = 730 ").add("bad").add("x=0")).put("maxGbPerCamera", 1.5)));
    assertEquals(7, p.days("continuous", ""));
    assertEquals(7, p.days("motion", "fire"));
    assertEquals(60, p.days("event", "intrusion"));
    assertEquals(365, p.days("event", "fire"));
    assertEquals(730, p.days("event", "weapon"));
    assertEquals(Map.of("fire", 365, "weapon", 730), p.eventTypeDays());
    assertEquals(1_500_000_000L, p.capBytes());
    assertEquals(RetentionPlanner.Policy.DEFAULTS, RetentionPlanner.Policy.fromEffective(new JsonObject()));
  }

  @Test
  void candidatesOverTheBusAndBadRequestsNameTheField() throws Exception {
    JsonObject plan = await(vertx.eventBus().<JsonObject>request(Addresses.STORAGE_CANDIDATES, new JsonObject().put("nodeId", "n1")
        .put("volume", "/data/recordings").put("bytesToFree", 0).put("now", NOW.toEpochMilli()))).body();
    assertEquals(15, plan.getLong("indexedSegments"));
    assertEquals(6, plan.getJsonArray("candidates").size());
    JsonObject c = plan.getJsonArray("candidates").getJsonObject(0);
    for (String k : List.of("tenantId", "segmentId", "path", "sha256", "bytes", "reason")) assertTrue(c.containsKey(k), k);
    ReplyException e = failure(Addresses.STORAGE_CANDIDATES, new JsonObject().put("bytesToFree", 5));
    assertEquals(400, e.failureCode());
    assertTrue(e.getMessage().contains("nodeId"));
    e = failure(Addresses.STORAGE_CANDIDATES, new JsonObject().put("nodeId", "n1").put("bytesToFree", -5));
    assertTrue(e.getMessage().contains("bytesToFree"));
  }

  ReplyException failure(String address, JsonObject body) throws Exception {
    try {
      await(vertx.eventBus().request(address, body));
    } catch (ExecutionException x) {
      return (ReplyException) x.getCause();
    }
    throw new AssertionError("request succeeded");
  }

  String state(String tenant, String id) throws Exception {
    return await(sql.inTenant(tenant, c -> c.preparedQuery("SELECT state, deleted_ms FROM recording_segment WHERE segment_id = $1")
        .execute(Tuple.of(id)).map(rows -> {
          Row r = rows.iterator().next();
          return r.getString(0) + (r.getLong(1) == null ? "" : "@");
        })));
  }

  @Test
  void deletionReportsMarkOnlyUnprotectedPresentRowsOfThatNode() throws Exception {
    row("t1", "cam-9", "R1", 1, "continuous", "", false, "n9", "present", true);
    row("t1", "cam-9", "R2", 1, "continuous", "", true, "n9", "present", true);
    row("t1", "cam-9", "R3", 1, "continuous", "", false, "n2", "present", true);
    JsonObject reply = await(vertx.eventBus().<JsonObject>request(Addresses.STORAGE_DELETED, new JsonObject().put("nodeId", "n9")
        .put("deleted", new JsonArray().add(ref("t1", "R1")).add(ref("t1", "R2")).add(ref("t1", "R3")).add(ref("t1", "nope"))
            .add(ref("t2", "R1"))))).body();
    assertEquals(1, reply.getInteger("marked"));
    JsonArray refused = reply.getJsonArray("refused");
    assertEquals(4, refused.size(), refused.encode());
    assertEquals("protected", find(refused, "t1", "R2"));
    assertEquals("segment of node n2", find(refused, "t1", "R3"));
    assertEquals("unknown segment", find(refused, "t1", "nope"));
    assertEquals("unknown segment", find(refused, "t2", "R1"), "tenant t2 has no R1: rows are per tenant");
    assertEquals("deleted@", state("t1", "R1"));
    assertEquals("present", state("t1", "R2"));
    assertEquals("present", state("t1", "R3"));
    // the same report again (a lost reply): nothing refused, nothing marked twice
    JsonObject again = await(vertx.eventBus().<JsonObject>request(Addresses.STORAGE_DELETED, new JsonObject().put("nodeId", "n9")
        .put("deleted", new JsonArray().add(ref("t1", "R1"))))).body();
    assertEquals(0, again.getInteger("marked"));
    assertEquals(1, again.getInteger("already"));
    assertTrue(again.getJsonArray("refused").isEmpty());
    ReplyException e = failure(Addresses.STORAGE_DELETED, new JsonObject().put("nodeId", "n9"));
    assertEquals(400, e.failureCode());
    assertTrue(e.getMessage().startsWith("deleted"), e.getMessage());
  }

  static JsonObject ref(String t, String id) {
    return new JsonObject().put("tenantId", t).put("segmentId", id);
  }

  static String find(JsonArray refused, String t, String id) {
    for (Object o : refused) {
      JsonObject j = (JsonObject) o;
      if (t.equals(j.getString("tenantId")) && id.equals(j.getString("segmentId"))) return j.getString("reason");
    }
    return null;
  }

  @Test
  void publishedIncidentsAreStoredPerTenantOrNodeWide() throws Exception {
    vertx.eventBus().publish(Addresses.STORAGE_INCIDENT, new JsonObject().put("nodeId", "n7").put("volume", "/v").put("kind", "index-unavailable")
        .put("detail", "timeout").put("at", NOW.toEpochMilli()));
    vertx.eventBus().publish(Addresses.STORAGE_INCIDENT, new JsonObject().put("nodeId", "n7").put("volume", "/v").put("kind", "checksum-mismatch")
        .put("tenantId", "t2").put("detail", "x"));
    vertx.eventBus().publish(Addresses.STORAGE_INCIDENT, new JsonObject().put("nodeId", "n7").put("kind", "Bad Kind!"));
    StorageIncidents si = new StorageIncidents(sql);
    JsonArray all = new JsonArray();
    for (int i = 0; i < 100 && all.size() < 2; i++) {
      all = await(si.list(null, "n7", null, 10));
      if (all.size() < 2) Thread.sleep(20);
    }
    assertEquals(2, all.size(), all.encode());
    assertEquals(TenantSql.PLATFORM_TENANT, find(all, "index-unavailable").getString("tenantId"));
    assertEquals(NOW.toString(), find(all, "index-unavailable").getString("at"));
    assertEquals(1, await(si.list("t2", "n7", null, 10)).size());
    assertEquals(0, await(si.list("t1", "n7", null, 10)).size(), "another tenant's incidents are invisible");
    assertNull(find(await(si.list("t2", "n7", null, 10)), "index-unavailable"));
  }

  static JsonObject find(JsonArray a, String kind) {
    for (Object o : a) if (kind.equals(((JsonObject) o).getString("kind"))) return (JsonObject) o;
    return null;
  }

  /**
   * Planning cost over a large index (opt-in: -Dbench.retention=true): 16 cameras x 30 days of 60 s segments
   * (691 200 rows), 10 % event footage, 0.1 % protected; prints the time of an age plan (29-day limit: the oldest day
   * is due) and of a 10 GB pressure plan.
   */
  @Test
  @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "bench.retention", matches = "true")
  void benchmarkPlanningOverAMonthOfSixteenCameras() throws Exception {
    long t0 = System.nanoTime();
    await(sql.asPlatform(c -> c.query("INSERT INTO recording_segment (tenant_id, segment_id, camera_id, stream, start_ms, end_ms, bytes, codec,"
        + " resolution, source, trigger_kind, event_type, sha256, node_id, path, protected, indexed_ms)"
        + " SELECT 'bench', 'b' || g, 'cam-' || (g % 16), 'main', " + NOW.toEpochMilli() + " - (g / 16) * 60000::bigint, "
        + NOW.toEpochMilli() + " - (g / 16) * 60000::bigint + 60000, 15000000, 'h264', '1920x1080', 'rtsp',"
        + " CASE WHEN g % 10 = 0 THEN 'event' ELSE 'continuous' END, CASE WHEN g % 10 = 0 THEN 'intrusion' ELSE '' END,"
        + " md5(g::text) || md5(g::text), 'bench', '/data/recordings/bench/cam-' || (g % 16) || '/' || g || '.mp4', g % 1000 = 0, 0"
        + " FROM generate_series(1, 691200) g").execute()));
    // statistics as autovacuum would keep them (ANALYZE needs the table owner, not the application role)
    await(io.vertx.pgclient.PgConnection.connect(vertx, io.vertx.pgclient.PgConnectOptions.fromUri(LocalPostgres.url(db)))
        .compose(c -> c.query("ANALYZE recording_segment").execute().eventually(c::close)));
    System.out.printf("bench: inserted 691200 rows in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    RetentionPlanner p = new RetentionPlanner(sql, (t, c) -> Future.succeededFuture(new RetentionPlanner.Policy(29, 90, Map.of(), 0)), 2000);
    for (String q : List.of("SELECT tenant_id, camera_id, COUNT(*), CAST(COALESCE(SUM(bytes), 0) AS BIGINT) FROM recording_segment WHERE node_id = 'bench'"
        + " AND state = 'present' AND local_present = TRUE GROUP BY tenant_id, camera_id ORDER BY tenant_id, camera_id",
        "SELECT " + RetentionPlanner.COLS + " FROM recording_segment WHERE node_id = 'bench' AND state = 'present' AND local_present = TRUE"
        + " AND protected = FALSE AND tenant_id = 'bench' AND camera_id = 'cam-3' AND start_ms < " + (NOW.toEpochMilli() - 29 * DAY)
        + " AND end_ms < CASE WHEN trigger_kind <> 'event' THEN " + (NOW.toEpochMilli() - 29 * DAY) + " ELSE 0 END ORDER BY start_ms, segment_id LIMIT 2000")) {
      String plan = await(sql.asPlatform(c -> c.query("EXPLAIN ANALYZE " + q).execute().map(rows -> {
        StringBuilder b = new StringBuilder();
        for (Row r : rows) b.append(r.getString(0)).append('\n');
        return b.toString();
      })));
      System.out.println("bench: " + plan);
    }
    for (int round = 0; round < 3; round++) {
      long a = System.nanoTime();
      RetentionPlanner.Plan age = await(p.plan("bench", 0, NOW));
      long b = System.nanoTime();
      RetentionPlanner.Plan big = await(p.plan("bench", 10_000_000_000L, NOW));
      long c = System.nanoTime();
      System.out.printf("bench: age-only plan %d candidates in %d ms; 10 GB plan %d candidates (%d bytes) in %d ms%n", age.candidates().size(),
          (b - a) / 1_000_000, big.candidates().size(), big.plannedBytes(), (c - b) / 1_000_000);
    }
  }
}
