package com.softdew.vms.control.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.control.testing.ApiClient;
import com.softdew.vms.control.testing.TestNode;
import com.softdew.vms.edge.storage.VolumeJanitor;
import com.softdew.vms.platform.store.ScopeRef;
import com.softdew.vms.platform.store.SqlDialect;
import com.softdew.vms.platform.store.TenantSql;
import com.softdew.vms.platform.testing.LocalPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Retention end to end: an all-in-one node (real PostgreSQL, its RetentionVerticle and configuration service), a
 * {@link VolumeJanitor} on a quota directory filled with real MP4 segments (ffmpeg, libx264, fragmented MP4) indexed
 * as rows of {@code recording_segment}, and the HTTP API (dry run, incidents). Each test uses its own node id and
 * volume so they do not see each other's rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetentionEndToEndTest {
  static final String PW = "tenant-user-pass-phrase";
  static final long DAY = Duration.ofDays(1).toMillis();
  TestNode test;
  ApiClient api;
  String operator;
  String admin1;
  String admin2;
  Pool pool;
  TenantSql sql;
  Path tmp;
  List<Path> clips;

  static <T> T await(Future<T> f) throws Exception {
    return ApiClient.await(f);
  }

  @BeforeAll
  void start() throws Exception {
    test = TestNode.start(Map.of());
    api = test.api;
    operator = test.operator;
    for (String t : List.of("t1", "t2")) {
      assertEquals(201, api.call(operator, "POST", "/api/v1/tenants", new JsonObject().put("tenantId", t).put("name", t)
          .put("licence", new JsonObject().put("cameraLimit", 50).put("validUntil", Instant.now().plus(Duration.ofDays(90)).toString())))
          .statusCode());
      assertEquals(201, api.call(operator, "POST", "/api/v1/users", new JsonObject().put("username", t + "-admin").put("password", PW)
          .put("role", "ADMIN").put("tenantId", t)).statusCode());
    }
    admin1 = api.token("t1-admin", PW);
    admin2 = api.token("t2-admin", PW);
    SqlDialect d = new SqlDialect.Postgres();
    pool = d.pool(test.vertx, LocalPostgres.url(test.db), 2);
    sql = new TenantSql(d, pool);
    tmp = Files.createTempDirectory("vms-retention");
    Path dir = Files.createDirectories(tmp.resolve("clips"));
    clips = makeClips(dir, 48);
  }

  @AfterAll
  void stop() throws Exception {
    if (pool != null) await(pool.close());
    test.close();
    if (tmp != null) {
      try (Stream<Path> s = Files.walk(tmp)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** {@code n} real 1-second H.264 segments of distinct content (the test pattern's clock moves), fragmented MP4. */
  static List<Path> makeClips(Path dir, int n) throws Exception {
    Process p = new ProcessBuilder("/usr/bin/ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15", "-t", String.valueOf(n + 1),
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-pix_fmt", "yuv420p", "-f", "segment", "-segment_time", "1",
        "-reset_timestamps", "1", "-segment_format", "mp4", "-segment_format_options", "movflags=+frag_keyframe+empty_moov+default_base_moof",
        dir.resolve("clip%03d.mp4").toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "ffmpeg: " + out);
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> l = s.filter(f -> f.toString().endsWith(".mp4")).sorted().toList();
      assertTrue(l.size() >= n, "clips made: " + l.size());
      Set<String> sums = new HashSet<>();
      for (Path f : l) sums.add(VolumeJanitor.sha256(f));
      assertEquals(l.size(), sums.size(), "every clip has its own checksum");
      return l;
    }
  }

  /** One indexed segment: the file on the volume and its row. */
  record Seg(String tenant, String camera, String id, Path file, long bytes, long start, String trigger, String eventType, boolean prot) {}

  /** Copies a clip to the recorder's layout under {@code root} and indexes it (same columns RecordingIndex writes). */
  Seg seg(String node, Path root, int clip, String tenant, String camera, long start, String trigger, String eventType, boolean prot)
      throws Exception {
    String day = Instant.ofEpochMilli(start).atZone(ZoneOffset.UTC).toLocalDate().toString();
    Path f = root.resolve(tenant).resolve(camera).resolve(day).resolve(start + ".mp4");
    Files.createDirectories(f.getParent());
    Files.copy(clips.get(clip), f);
    String id = camera + "-main-" + start;
    long bytes = Files.size(f);
    String sha = VolumeJanitor.sha256(f);
    await(sql.inTenant(tenant, c -> c.preparedQuery("INSERT INTO recording_segment (tenant_id, segment_id, camera_id, stream, start_ms, end_ms,"
            + " bytes, codec, resolution, source, trigger_kind, event_type, sha256, node_id, path, protected, protect_reason, indexed_ms)"
            + " VALUES ($1, $2, $3, 'main', $4, $5, $6, 'h264', '320x240', 'rtsp', $7, $8, $9, $10, $11, $12, $13, $14)")
        .execute(Tuple.from(List.of(tenant, id, camera, start, start + 1000, bytes, trigger, eventType, sha, node, f.toString(), prot,
            prot ? "export" : "", System.currentTimeMillis())))));
    return new Seg(tenant, camera, id, f, bytes, start, trigger, eventType, prot);
  }

  Map<String, String> states(String node) throws Exception {
    return await(sql.asPlatform(c -> c.preparedQuery("SELECT tenant_id, segment_id, state FROM recording_segment WHERE node_id = $1")
        .execute(Tuple.of(node)).map(rows -> {
          Map<String, String> m = new HashMap<>();
          for (Row r : rows) m.put(r.getString(0) + "/" + r.getString(1), r.getString(2));
          return m;
        })));
  }

  VolumeJanitor janitor(String node, Path root, long capacity, SimpleMeterRegistry reg) throws Exception {
    VolumeJanitor j = new VolumeJanitor(new VolumeJanitor.Settings(node, root, capacity, 80, 50, 0, 10_000, 3, 0.5), reg);
    await(test.vertx.deployVerticle(j));
    return j;
  }

  static long used(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  /** 40 segments over the last 20 hours: t1/cam-1 continuous, t1/cam-2 event, t2/cam-9 motion; some protected. */
  List<Seg> fill(String node, Path root) throws Exception {
    long base = System.currentTimeMillis() - Duration.ofHours(20).toMillis();
    List<Seg> all = new ArrayList<>();
    Set<Integer> prot = Set.of(0, 2, 3, 6, 10);
    for (int k = 0; k < 40; k++) {
      long start = base + k * 60_000L;
      boolean p = prot.contains(k);
      all.add(switch (k % 4) {
        case 0, 1 -> seg(node, root, k, "t1", "cam-1", start, "continuous", "", p);
        case 2 -> seg(node, root, k, "t1", "cam-2", start, "event", "intrusion", p);
        default -> seg(node, root, k, "t2", "cam-9", start, "motion", "", p);
      });
    }
    return all;
  }

  @Test
  void aFullVolumeIsCleanedDownToTheLowWaterMarkKeepingProtectedAndEventFootageLongest() throws Exception {
    String node = "edge-full";
    Path root = tmp.resolve("full/recordings");
    List<Seg> all = fill(node, root);
    // a file the index does not know (e.g. copied in by hand): never deleted
    Path orphan = root.resolve("t1/cam-1/1999-01-01/946684800000.mp4");
    Files.createDirectories(orphan.getParent());
    Files.copy(clips.get(45), orphan);
    long u = used(root);
    long cont = all.stream().filter(s -> !s.prot() && !"event".equals(s.trigger())).mapToLong(Seg::bytes).sum();
    long ev = all.stream().filter(s -> !s.prot() && "event".equals(s.trigger())).mapToLong(Seg::bytes).sum();
    // capacity such that reaching 50 % needs every unprotected continuous/motion segment and about half the event ones
    long low = u - cont - ev / 2;
    long capacity = low * 2;
    assertTrue(u > capacity * 80 / 100, "volume over its high-water mark: " + u + " of " + capacity);
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    VolumeJanitor j = janitor(node, root, capacity, reg);
    VolumeJanitor.Round r = await(j.runOnce());
    assertEquals("ok", r.outcome(), r.toJson().encode());
    assertEquals(u, r.usedBefore());
    long lowMark = capacity * 50 / 100;
    assertTrue(r.usedAfter() <= lowMark, "down to the low-water mark: " + r.usedAfter() + " > " + lowMark);
    long maxFile = all.stream().mapToLong(Seg::bytes).max().orElseThrow();
    assertTrue(r.usedAfter() > lowMark - maxFile, "not more than one segment below the low-water mark: " + r.usedAfter() + " vs " + lowMark);
    assertEquals(used(root), r.usedAfter());

    Map<String, String> st = states(node);
    List<Seg> keptEvents = new ArrayList<>();
    List<Seg> goneEvents = new ArrayList<>();
    for (Seg s : all) {
      boolean exists = Files.exists(s.file());
      assertEquals(exists ? "present" : "deleted", st.get(s.tenant() + "/" + s.id()), "row follows the file: " + s);
      if (s.prot()) assertTrue(exists, "protected kept: " + s);
      else if (!"event".equals(s.trigger())) assertFalse(exists, "continuous/motion footage goes before event footage: " + s);
      else (exists ? keptEvents : goneEvents).add(s);
    }
    assertFalse(goneEvents.isEmpty());
    assertFalse(keptEvents.isEmpty(), "event footage outlives the continuous footage");
    long newestGone = goneEvents.stream().mapToLong(Seg::start).max().orElseThrow();
    assertTrue(keptEvents.stream().allMatch(s -> s.start() > newestGone), "events deleted oldest first");
    assertTrue(Files.exists(orphan), "unindexed file kept");
    assertEquals(r.deletedFiles(), all.stream().filter(s -> !Files.exists(s.file())).count());
    double files = reg.get("vms.storage.deleted.files").tag("tenant", "t1").counter().count()
        + reg.get("vms.storage.deleted.files").tag("tenant", "t2").counter().count();
    assertEquals(r.deletedFiles(), (int) files);
    assertEquals(0, j.pendingReports());

    // below the high-water mark now: the next round deletes nothing (nothing is past its age limit)
    VolumeJanitor.Round r2 = await(j.runOnce());
    assertEquals("ok", r2.outcome());
    assertEquals(0, r2.bytesToFree());
    assertEquals(0, r2.candidates());
    assertEquals(0, r2.deletedFiles());
  }

  @Test
  void wrongChecksumsInTheIndexDeleteNothingAndRaiseIncidents() throws Exception {
    String node = "edge-badsums";
    Path root = tmp.resolve("badsums/recordings");
    List<Seg> all = fill(node, root);
    await(sql.asPlatform(c -> c.preparedQuery("UPDATE recording_segment SET sha256 = md5(segment_id) || md5(path) WHERE node_id = $1")
        .execute(Tuple.of(node))));
    VolumeJanitor j = janitor(node, root, 1024, new SimpleMeterRegistry());
    VolumeJanitor.Round r = await(j.runOnce());
    assertEquals("index-inconsistent", r.outcome(), r.toJson().encode());
    assertEquals(0, r.deletedFiles());
    for (Seg s : all) assertTrue(Files.exists(s.file()), "kept " + s);
    assertTrue(states(node).values().stream().allMatch("present"::equals));
    JsonArray platform = incidents(operator, "?nodeId=" + node + "&kind=index-inconsistent", 1);
    assertEquals(TenantSql.PLATFORM_TENANT, platform.getJsonObject(0).getString("tenantId"));
    assertTrue(platform.getJsonObject(0).getString("detail").contains("failed the size/checksum/path checks"));
    // the per-file mismatches are the tenant's incidents: its admin sees them, the other tenant's admin does not
    JsonArray mine = incidents(admin1, "?nodeId=" + node + "&kind=checksum-mismatch", 1);
    assertTrue(mine.stream().allMatch(o -> "t1".equals(((JsonObject) o).getString("tenantId"))));
    JsonArray t2 = incidents(admin2, "?nodeId=" + node, 0);
    assertTrue(t2.stream().allMatch(o -> "t2".equals(((JsonObject) o).getString("tenantId"))), t2.encode());
    assertEquals(404, api.call(admin2, "GET", "/api/v1/storage/incidents?tenantId=t1", null).statusCode());
  }

  @Test
  void anEmptiedIndexDeletesNothingAndRaisesAnIncident() throws Exception {
    String node = "edge-lostdb";
    Path root = tmp.resolve("lostdb/recordings");
    List<Seg> all = fill(node, root);
    await(sql.asPlatform(c -> c.preparedQuery("DELETE FROM recording_segment WHERE node_id = $1").execute(Tuple.of(node))));
    VolumeJanitor j = janitor(node, root, 1024, new SimpleMeterRegistry());
    VolumeJanitor.Round r = await(j.runOnce());
    assertEquals("index-inconsistent", r.outcome(), r.toJson().encode());
    for (Seg s : all) assertTrue(Files.exists(s.file()));
    JsonArray inc = incidents(operator, "?nodeId=" + node + "&kind=index-inconsistent", 1);
    assertTrue(inc.getJsonObject(0).getString("detail").contains("database lost or emptied"), inc.encode());
  }

  @Test
  void anUnreachableIndexDeletesNothing() throws Exception {
    String node = "edge-cut";
    Path root = tmp.resolve("cut/recordings");
    List<Seg> all = fill(node, root);
    // the janitor's node is cut off from the control plane: its own Vert.x, nobody consumes the index addresses
    io.vertx.core.Vertx edge = io.vertx.core.Vertx.vertx();
    try {
      SimpleMeterRegistry reg = new SimpleMeterRegistry();
      VolumeJanitor j = new VolumeJanitor(new VolumeJanitor.Settings(node, root, 1024, 80, 50, 0, 2_000, 3, 0.5), reg);
      await(edge.deployVerticle(j));
      VolumeJanitor.Round r = await(j.runOnce());
      assertEquals("index-unavailable", r.outcome());
      assertTrue(r.bytesToFree() > 0);
      assertEquals(0, r.deletedFiles());
      assertEquals(1.0, reg.get("vms.storage.incidents").tag("kind", "index-unavailable").counter().count());
    } finally {
      await(edge.close());
    }
    for (Seg s : all) assertTrue(Files.exists(s.file()));
    assertTrue(states(node).values().stream().allMatch("present"::equals));
  }

  @Test
  void aSegmentProtectedWhileTheJanitorWorksSurvives() throws Exception {
    String node = "edge-race";
    Path root = tmp.resolve("race/recordings");
    List<Seg> all = fill(node, root);
    long u = used(root);
    // an export protects the first reported segment after the plan, just before the index hears of its deletion
    String[] hit = new String[2];
    io.vertx.core.Handler<io.vertx.core.eventbus.DeliveryContext<Object>> race = ctx -> {
      if (!com.softdew.vms.codec.Addresses.STORAGE_DELETED.equals(ctx.message().address()) || hit[0] != null) {
        ctx.next();
        return;
      }
      JsonObject first = ((JsonObject) ctx.body()).getJsonArray("deleted").getJsonObject(0);
      hit[0] = first.getString("tenantId");
      hit[1] = first.getString("segmentId");
      sql.inTenant(hit[0], c -> c.preparedQuery("UPDATE recording_segment SET protected = TRUE, protect_reason = 'export' WHERE segment_id = $1")
          .execute(Tuple.of(hit[1]))).onComplete(ar -> ctx.next());
    };
    test.vertx.eventBus().addOutboundInterceptor(race);
    VolumeJanitor.Round r;
    try {
      r = await(janitor(node, root, u, new SimpleMeterRegistry()).runOnce());
    } finally {
      test.vertx.eventBus().removeOutboundInterceptor(race);
    }
    assertEquals("ok", r.outcome(), r.toJson().encode());
    assertEquals(1, r.restoredFiles());
    Seg saved = all.stream().filter(x -> x.tenant().equals(hit[0]) && x.id().equals(hit[1])).findFirst().orElseThrow();
    assertTrue(Files.exists(saved.file()), "the protected segment is back");
    assertEquals("present", states(node).get(hit[0] + "/" + hit[1]));
    assertTrue(r.deletedFiles() > 0);
    assertEquals(r.deletedFiles(), states(node).values().stream().filter("deleted"::equals).count());
    JsonArray inc = incidents(operator, "?nodeId=" + node + "&kind=protected-restored", 1);
    assertEquals(hit[0], inc.getJsonObject(0).getString("tenantId"));
    assertTrue(Files.notExists(root.resolve(VolumeJanitor.TRASH)) || used(root.resolve(VolumeJanitor.TRASH)) == 0, "trash empty");
  }

  /** Waits (bounded) for incidents to be stored: they travel by publish, the janitor does not wait for them. */
  JsonArray incidents(String token, String query, int atLeast) throws Exception {
    JsonArray a = new JsonArray();
    for (int i = 0; i < 100; i++) {
      var resp = api.call(token, "GET", "/api/v1/storage/incidents" + query, null);
      assertEquals(200, resp.statusCode(), resp.bodyAsString());
      a = resp.bodyAsJsonArray();
      if (a.size() >= atLeast) break;
      Thread.sleep(50);
    }
    assertTrue(a.size() >= atLeast, "incidents " + query + ": " + a.encode());
    return a;
  }

  @Test
  void dryRunListsWhatTheJanitorDeletesAndDeletesNothing() throws Exception {
    String node = "edge-dry";
    Path root = tmp.resolve("dry/recordings");
    List<Seg> all = fill(node, root);
    long u = used(root);
    long capacity = u; // 100 % full: the janitor wants used - 50 %
    long toFree = u - capacity * 50 / 100;
    var resp = api.call(operator, "GET", "/api/v1/storage/retention/dry-run?nodeId=" + node + "&bytesToFree=" + toFree, null);
    assertEquals(200, resp.statusCode(), resp.bodyAsString());
    JsonObject dry = resp.bodyAsJsonObject();
    assertEquals(40, dry.getLong("indexedSegments"));
    List<String> listed = new ArrayList<>();
    for (Object o : dry.getJsonArray("candidates")) {
      JsonObject c = (JsonObject) o;
      listed.add(c.getString("tenantId") + "/" + c.getString("segmentId"));
      assertEquals("pressure", c.getString("phase"));
      assertFalse(c.getString("reason").isEmpty());
    }
    assertFalse(listed.isEmpty());
    for (Seg s : all) assertTrue(Files.exists(s.file()), "a dry run deletes nothing");
    assertTrue(states(node).values().stream().allMatch("present"::equals), "a dry run marks nothing");

    // tenant admins see their own tenant's candidates only, and no node-wide figures
    JsonObject d1 = api.call(admin1, "GET", "/api/v1/storage/retention/dry-run?nodeId=" + node + "&bytesToFree=" + toFree, null).bodyAsJsonObject();
    assertFalse(d1.getJsonArray("candidates").isEmpty());
    assertTrue(d1.getJsonArray("candidates").stream().allMatch(o -> "t1".equals(((JsonObject) o).getString("tenantId"))));
    assertFalse(d1.containsKey("indexedSegments"));
    assertEquals(listed.stream().filter(s -> s.startsWith("t1/")).toList(),
        d1.getJsonArray("candidates").stream().map(o -> "t1/" + ((JsonObject) o).getString("segmentId")).toList());
    assertEquals(404, api.call(admin2, "GET", "/api/v1/storage/retention/dry-run?nodeId=" + node + "&tenantId=t1", null).statusCode());
    assertEquals(400, api.call(operator, "GET", "/api/v1/storage/retention/dry-run?bytesToFree=1", null).statusCode(), "nodeId required");
    assertEquals(400, api.call(operator, "GET", "/api/v1/storage/retention/dry-run?nodeId=x&bytesToFree=-1", null).statusCode());

    // the janitor at the same fill deletes exactly what the dry run listed
    VolumeJanitor j = janitor(node, root, capacity, new SimpleMeterRegistry());
    VolumeJanitor.Round r = await(j.runOnce());
    assertEquals("ok", r.outcome());
    assertEquals(toFree, r.bytesToFree());
    Set<String> deleted = new HashSet<>();
    states(node).forEach((k, v) -> {
      if ("deleted".equals(v)) deleted.add(k);
    });
    assertEquals(new HashSet<>(listed), deleted);
  }

  @Test
  void ageLimitsFollowTheCamerasEffectivePolicyWithPerEventTypeOverrides() throws Exception {
    String node = "edge-age";
    Path root = tmp.resolve("age/recordings");
    var cfg = test.node.configService().service();
    await(cfg.patch(ScopeRef.customer("t1"), new JsonObject().put("retention", new JsonObject().put("eventTypeDays", new JsonArray().add("fire=365"))),
        null, "test", "127.0.0.1", null));
    await(cfg.patch(ScopeRef.camera("t1", "cam-7"), new JsonObject().put("retention", new JsonObject().put("continuousDays", 7)), null, "test",
        "127.0.0.1", null));
    long now = System.currentTimeMillis();
    List<Seg> expired = new ArrayList<>();
    List<Seg> kept = new ArrayList<>();
    expired.add(seg(node, root, 0, "t1", "cam-1", now - 31 * DAY, "continuous", "", false));
    kept.add(seg(node, root, 1, "t1", "cam-1", now - 29 * DAY, "continuous", "", false));
    expired.add(seg(node, root, 2, "t1", "cam-1", now - 91 * DAY, "event", "intrusion", false));
    kept.add(seg(node, root, 3, "t1", "cam-1", now - 89 * DAY, "event", "intrusion", false));
    kept.add(seg(node, root, 4, "t1", "cam-1", now - 91 * DAY + 1, "event", "fire", false));
    expired.add(seg(node, root, 5, "t1", "cam-1", now - 366 * DAY, "event", "fire", false));
    kept.add(seg(node, root, 6, "t1", "cam-1", now - 400 * DAY, "continuous", "", true));
    expired.add(seg(node, root, 7, "t1", "cam-7", now - 8 * DAY, "schedule", "", false));
    kept.add(seg(node, root, 8, "t1", "cam-7", now - 6 * DAY, "continuous", "", false));
    expired.add(seg(node, root, 9, "t2", "cam-1", now - 91 * DAY, "event", "fire", false)); // t2 has no fire override: 90 days
    kept.add(seg(node, root, 10, "t2", "cam-7", now - 8 * DAY, "continuous", "", false)); // t2's cam-7 keeps the default 30

    var resp = api.call(operator, "GET", "/api/v1/storage/retention/dry-run?nodeId=" + node, null);
    assertEquals(200, resp.statusCode(), resp.bodyAsString());
    JsonArray c = resp.bodyAsJsonObject().getJsonArray("candidates");
    Set<String> listed = new HashSet<>();
    for (Object o : c) {
      JsonObject x = (JsonObject) o;
      assertEquals("age", x.getString("phase"));
      listed.add(x.getString("tenantId") + "/" + x.getString("segmentId"));
    }
    Set<String> want = new HashSet<>();
    expired.forEach(s -> want.add(s.tenant() + "/" + s.id()));
    assertEquals(want, listed);
    JsonObject fire = c.stream().map(o -> (JsonObject) o).filter(x -> "fire".equals(x.getString("eventType")) && "t1".equals(x.getString("tenantId")))
        .findFirst().orElseThrow();
    assertTrue(fire.getString("reason").contains("365 days"), fire.encode());

    // huge volume: bytesToFree 0, the round applies the age limits only
    VolumeJanitor j = janitor(node, root, 1L << 40, new SimpleMeterRegistry());
    VolumeJanitor.Round r = await(j.runOnce());
    assertEquals("ok", r.outcome());
    assertEquals(0, r.bytesToFree());
    assertEquals(expired.size(), r.deletedFiles());
    for (Seg s : expired) assertFalse(Files.exists(s.file()), "past its limit: " + s);
    for (Seg s : kept) assertTrue(Files.exists(s.file()), "within its limit or protected: " + s);
  }
}
