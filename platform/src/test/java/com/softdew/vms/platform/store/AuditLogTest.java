package com.softdew.vms.platform.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.platform.store.AuditLog.AuditEntry;
import com.softdew.vms.platform.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Append-only, hash-chained audit log on the embedded Mongo-wire store; each test uses its own tenants. */
class AuditLogTest {
  @TempDir static Path dir;
  static Vertx vertx;
  static Stores stores;
  static MongoClient raw;
  static AuditLog log;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  static Throwable failure(Future<?> f) {
    return assertThrows(ExecutionException.class, () -> await(f)).getCause();
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    stores = await(Stores.open(vertx, TestConfigs.create(dir, Map.of()), EnumSet.of(StoreKind.MONGO), null));
    raw = stores.mongo();
    log = new AuditLog(vertx, raw);
    await(log.init());
    await(log.init()); // idempotent
  }

  @AfterAll
  static void stop() throws Exception {
    if (stores != null) await(stores.close());
    await(vertx.close());
  }

  static AuditEntry entry(String tenant, int i) {
    return new AuditEntry(tenant, "user" + (i % 3), i % 2 == 0 ? "config.write" : "camera.add", "cam-" + i,
        new JsonObject().put("v", i - 1), new JsonObject().put("v", i).put("z", "last").put("a", "first"), "10.0.0." + (i % 250));
  }

  static List<JsonObject> stored(String tenant) throws Exception {
    return await(raw.findWithOptions(AuditLog.COLLECTION, new JsonObject().put("tenant_id", tenant),
        new io.vertx.ext.mongo.FindOptions().setSort(new JsonObject().put("seq", 1))));
  }

  static void assertLinear(String tenant, int n) throws Exception {
    List<JsonObject> docs = stored(tenant);
    assertEquals(n, docs.size());
    String prev = AuditLog.GENESIS;
    for (int i = 0; i < n; i++) {
      JsonObject d = docs.get(i);
      assertEquals(i + 1L, ((Number) d.getValue("seq")).longValue(), "seq without gaps or duplicates");
      assertEquals(prev, d.getString("prev_hash"), "seq " + (i + 1));
      assertTrue(d.getString("hash").matches("[0-9a-f]{64}"));
      prev = d.getString("hash");
    }
  }

  @Test
  void theStoreEnforcesTheUniqueTenantSeqIndex() throws Exception {
    JsonObject idx = await(raw.listIndexes(AuditLog.COLLECTION)).stream().map(o -> (JsonObject) o)
        .filter(o -> o.getJsonObject("key").equals(new JsonObject().put("tenant_id", 1).put("seq", 1))).findFirst().orElseThrow();
    assertEquals(Boolean.TRUE, idx.getBoolean("unique"), idx.encode());
    await(raw.insert(AuditLog.COLLECTION, new JsonObject().put("tenant_id", "uniq").put("seq", 1L)));
    await(raw.insert(AuditLog.COLLECTION, new JsonObject().put("tenant_id", "uniq2").put("seq", 1L))); // other tenant: fine
    Throwable dup = failure(raw.insert(AuditLog.COLLECTION, new JsonObject().put("tenant_id", "uniq").put("seq", 1L)));
    assertTrue(AuditLog.isDuplicateKey(dup), String.valueOf(dup));
    Throwable dupInt = failure(raw.insert(AuditLog.COLLECTION, new JsonObject().put("tenant_id", "uniq").put("seq", 1)));
    assertTrue(AuditLog.isDuplicateKey(dupInt), "int 1 and long 1 are the same key: " + dupInt);
    assertEquals(1L, await(raw.count(AuditLog.COLLECTION, new JsonObject().put("tenant_id", "uniq"))));
  }

  @Test
  void fiftyAppendsSomeConcurrentFormALinearChainAndTamperingIsDetected() throws Exception {
    String t = "acme";
    long start = System.nanoTime();
    for (int i = 1; i <= 15; i++) await(log.append(entry(t, i)));
    List<Future<JsonObject>> burst = new ArrayList<>();
    for (int i = 16; i <= 35; i++) burst.add(log.append(entry(t, i))); // fired without waiting
    await(Future.all(burst));
    for (int i = 36; i <= 50; i++) await(log.append(entry(t, i)));
    long appendMs = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("AUDIT-TIMING 50 appends (20 concurrent): %d ms%n", appendMs);

    Set<Long> burstSeqs = burst.stream().map(f -> f.result().getLong("seq")).collect(Collectors.toSet());
    assertEquals(20, burstSeqs.size(), "concurrent appends got distinct seqs");
    assertLinear(t, 50);

    JsonObject first = stored(t).get(0);
    assertEquals(AuditLog.GENESIS, first.getString("prev_hash"));
    assertTrue(first.getString("at").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), first.getString("at"));
    assertEquals(AuditLog.hash(first), first.getString("hash"), "hash covers the fields as read back from the store");

    JsonObject ok = await(log.verify(t));
    assertEquals(new JsonObject().put("tenantId", t).put("entries", 50L).put("valid", true).putNull("firstBrokenSeq")
        .putNull("reason").put("headSeq", 50L).put("headHash", stored(t).get(49).getString("hash")), ok);

    // tamper: change `new` of entry 7 directly in the store
    assertEquals(1L, await(raw.updateCollection(AuditLog.COLLECTION, new JsonObject().put("tenant_id", t).put("seq", 7),
        new JsonObject().put("$set", new JsonObject().put("new", new JsonObject().put("v", 700))))).getDocModified());
    JsonObject bad = await(log.verify(t));
    assertFalse(bad.getBoolean("valid"), bad.encode());
    assertEquals(7L, bad.getLong("firstBrokenSeq"), bad.encode());
    assertTrue(bad.getString("reason").contains("altered"), bad.encode());
    assertEquals(6L, bad.getLong("headSeq"));
  }

  @Test
  void rehashingATamperedEntryBreaksTheNextLink() throws Exception {
    String t = "rehash";
    for (int i = 1; i <= 10; i++) await(log.append(entry(t, i)));
    JsonObject e4 = stored(t).get(3).put("actor", "mallory");
    e4.put("hash", AuditLog.hash(e4));
    await(raw.updateCollection(AuditLog.COLLECTION, new JsonObject().put("tenant_id", t).put("seq", 4),
        new JsonObject().put("$set", new JsonObject().put("actor", "mallory").put("hash", e4.getString("hash")))));
    JsonObject r = await(log.verify(t));
    assertFalse(r.getBoolean("valid"));
    assertEquals(5L, r.getLong("firstBrokenSeq"), r.encode());
    assertTrue(r.getString("reason").contains("prev_hash"), r.encode());
  }

  @Test
  void deletingAnEntryInTheMiddleIsDetected() throws Exception {
    String t = "deleted";
    for (int i = 1; i <= 30; i++) await(log.append(entry(t, i)));
    assertTrue(await(log.verify(t)).getBoolean("valid"));
    assertEquals(1L, await(raw.removeDocuments(AuditLog.COLLECTION, new JsonObject().put("tenant_id", t).put("seq", 15))).getRemovedCount());
    JsonObject r = await(log.verify(t));
    assertFalse(r.getBoolean("valid"), r.encode());
    assertEquals(15L, r.getLong("firstBrokenSeq"), r.encode());
    assertEquals(29L, r.getLong("entries"));
    assertTrue(r.getString("reason").contains("missing"), r.encode());
  }

  @Test
  void chainsOfTwoTenantsAreIndependent() throws Exception {
    for (int i = 1; i <= 12; i++) {
      await(log.append(entry("left", i)));
      if (i % 2 == 0) await(log.append(entry("right", i)));
    }
    assertLinear("left", 12);
    assertLinear("right", 6);
    assertNotEquals(stored("left").get(0).getString("hash"), stored("right").get(0).getString("hash"));
    await(raw.updateCollection(AuditLog.COLLECTION, new JsonObject().put("tenant_id", "left").put("seq", 3),
        new JsonObject().put("$set", new JsonObject().put("target", "other"))));
    assertEquals(3L, await(log.verify("left")).getLong("firstBrokenSeq"));
    JsonObject right = await(log.verify("right"));
    assertTrue(right.getBoolean("valid"), right.encode());
    assertEquals(6L, right.getLong("entries"));
    assertEquals(0L, await(log.verify("nobody")).getLong("entries"));
    assertTrue(await(log.verify("nobody")).getBoolean("valid"));
  }

  /** Several nodes (AuditLog instances) appending to one tenant at once: the unique index plus retries keep it linear. */
  @Test
  void racingNodesKeepTheChainLinear() throws Exception {
    String t = "race";
    List<AuditLog> nodes = List.of(new AuditLog(vertx, raw), new AuditLog(vertx, raw), new AuditLog(vertx, raw), new AuditLog(vertx, raw));
    List<Future<JsonObject>> all = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      for (AuditLog n : nodes) all.add(n.append(entry(t, i)));
    }
    await(Future.all(all));
    assertLinear(t, 20);
    assertTrue(await(log.verify(t)).getBoolean("valid"));
    long retries = nodes.stream().mapToLong(AuditLog::retries).sum();
    System.out.printf("AUDIT-RACE 4 nodes x 5 appends: %d duplicate-key retries%n", retries);
    assertTrue(retries > 0, "the race was real: some inserts lost on the unique index and retried");
  }

  @Test
  void oldAndNewValuesOfAllJsonKindsVerifyAfterTheRoundTrip() throws Exception {
    String t = "kinds";
    List<Object[]> values = List.of(
        new Object[] {null, "plain"},
        new Object[] {new JsonObject().put("b", 1).put("a", new JsonObject().put("y", 2.5).put("x", List.of(1, "2", true))), null},
        new Object[] {new JsonArray().add(3).add(new JsonObject().put("k", "v")).addNull(), 42},
        new Object[] {1.1f, 9_000_000_000L},
        new Object[] {Map.of("m", 1), Boolean.TRUE},
        new Object[] {"quote \" backslash \\ newline \n unicode é", 0.1});
    for (Object[] v : values) await(log.append(new AuditEntry(t, "admin", "config.write", "k", v[0], v[1], null)));
    await(log.append(new AuditEntry(AuditLog.SYSTEM, "scheduler", "retention.run", null, null, null, null)));
    await(log.append(new AuditEntry(AuditLog.PLATFORM, "operator", "tenant.create", "acme", null, null, "127.0.0.1")));
    JsonObject r = await(log.verify(t));
    assertTrue(r.getBoolean("valid"), r.encode());
    assertEquals(6L, r.getLong("entries"));
    assertTrue(await(log.verify(AuditLog.SYSTEM)).getBoolean("valid"));
    assertEquals(1L, await(log.verify(AuditLog.PLATFORM)).getLong("entries"));

    List<JsonObject> docs = stored(t);
    assertEquals("plain", docs.get(0).getString("new"));
    assertEquals(2.5, docs.get(1).getJsonObject("old").getJsonObject("a").getDouble("y"));
    assertEquals(9_000_000_000L, docs.get(3).getLong("new"));

    assertInstanceOf(IllegalArgumentException.class,
        failure(log.append(new AuditEntry(t, "admin", "x", null, new Object(), null, null))));
    assertThrows(IllegalArgumentException.class, () -> new AuditEntry("bad tenant", "a", "b", null, null, null, null));
    assertThrows(IllegalArgumentException.class, () -> new AuditEntry(t, " ", "b", null, null, null, null));
  }

  @Test
  void canonicalJsonSortsKeysRecursivelyWithoutWhitespace() {
    JsonObject a = new JsonObject().put("b", 1).put("a", new JsonObject().put("d", 2.0).put("c", new JsonArray().add(1L).add("x")));
    JsonObject b = new JsonObject().put("a", new JsonObject().put("c", new JsonArray().add(1).add("x")).put("d", 2)).put("b", 1);
    assertEquals("{\"a\":{\"c\":[1,\"x\"],\"d\":2},\"b\":1}", CanonicalJson.of(a));
    assertEquals(CanonicalJson.of(a), CanonicalJson.of(b));
    assertNotEquals(a.encode(), b.encode(), "plain encoding depends on key order, which is why we canonicalize");
    assertEquals("[0.5,-3,null,true,\"\\u0001\\\"\"]", CanonicalJson.of(new JsonArray().add(0.5).add(-3).addNull().add(true).add("\u0001\"")));
    assertThrows(IllegalArgumentException.class, () -> CanonicalJson.of(Double.NaN));
  }

  @Test
  void findFiltersNewestFirstWithPaging() throws Exception {
    String t = "filters";
    Instant before = Instant.now().minusSeconds(1);
    for (int i = 1; i <= 9; i++) {
      String actor = i <= 3 ? "alice" : "bob";
      String action = i % 3 == 0 ? "camera.delete" : "config.write";
      await(log.append(new AuditEntry(t, actor, action, "cam-" + (i % 2), null, i, "1.2.3.4")));
    }
    Instant after = Instant.now().plusSeconds(1);
    await(log.append(entry("filters-other", 1)));

    JsonArray all = await(log.find(t, new JsonObject(), 100, 0));
    assertEquals(9, all.size());
    assertEquals(List.of(9L, 8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L), seqs(all));
    assertTrue(all.stream().allMatch(o -> !((JsonObject) o).containsKey("_id")));
    assertEquals(List.of(3L, 2L, 1L), seqs(await(log.find(t, new JsonObject().put("actor", "alice"), 100, 0))));
    assertEquals(List.of(9L, 6L, 3L), seqs(await(log.find(t, new JsonObject().put("action", "camera.delete"), 100, 0))));
    assertEquals(List.of(6L), seqs(await(log.find(t, new JsonObject().put("action", "camera.delete").put("actor", "bob").put("target", "cam-0"), 100, 0))));
    assertEquals(List.of(7L, 6L, 5L), seqs(await(log.find(t, new JsonObject(), 3, 2))));
    assertEquals(9, await(log.find(t, new JsonObject().put("from", before.toString()).put("to", after.toString()), 100, 0)).size());
    assertEquals(0, await(log.find(t, new JsonObject().put("from", after.toString()), 100, 0)).size());
    assertEquals(0, await(log.find(t, new JsonObject().put("to", "2000-01-01T00:00:00+02:00"), 100, 0)).size());
    // a time range inside the run: entries with at in [at of seq 4, at of seq 6]
    List<JsonObject> docs = stored(t);
    JsonArray mid = await(log.find(t, new JsonObject().put("from", docs.get(3).getString("at")).put("to", docs.get(5).getString("at")), 100, 0));
    assertTrue(seqs(mid).containsAll(List.of(6L, 5L, 4L)), mid.encode());
    String lo = docs.get(3).getString("at");
    String hi = docs.get(5).getString("at");
    assertTrue(mid.stream().map(o -> ((JsonObject) o).getString("at")).allMatch(at -> at.compareTo(lo) >= 0 && at.compareTo(hi) <= 0), mid.encode());

    assertInstanceOf(IllegalArgumentException.class, failure(log.find(t, new JsonObject().put("tenant_id", "x"), 10, 0)));
    assertInstanceOf(IllegalArgumentException.class, failure(log.find(t, new JsonObject().put("actor", new JsonObject().put("$ne", "")), 10, 0)));
    assertInstanceOf(IllegalArgumentException.class, failure(log.find(t, new JsonObject().put("from", "yesterday"), 10, 0)));
    assertInstanceOf(IllegalArgumentException.class, failure(log.find(t, null, 0, 0)));
    assertInstanceOf(IllegalArgumentException.class, failure(log.find(t, null, 10, -1)));
  }

  @Test
  void theApiHasNoUpdateOrDelete() {
    Set<String> methods = Arrays.stream(AuditLog.class.getDeclaredMethods()).filter(m -> Modifier.isPublic(m.getModifiers()))
        .map(Method::getName).collect(Collectors.toSet());
    assertEquals(Set.of("init", "append", "find", "verify", "retries"), methods);
  }

  @Test
  void verifyOfAThousandEntries() throws Exception {
    String t = "big";
    long s0 = System.nanoTime();
    for (int i = 1; i <= 1000; i++) await(log.append(entry(t, i)));
    long appendMs = (System.nanoTime() - s0) / 1_000_000;
    long s1 = System.nanoTime();
    JsonObject r = await(log.verify(t));
    long verifyMs = (System.nanoTime() - s1) / 1_000_000;
    System.out.printf("AUDIT-TIMING 1000 sequential appends: %d ms; verify of 1000 entries: %d ms%n", appendMs, verifyMs);
    assertTrue(r.getBoolean("valid"), r.encode());
    assertEquals(1000L, r.getLong("entries"));
    assertEquals(1000L, r.getLong("headSeq"));
    assertNull(r.getValue("firstBrokenSeq"));
  }

  static List<Long> seqs(JsonArray a) {
    return a.stream().map(o -> ((JsonObject) o).getLong("seq")).toList();
  }
}
