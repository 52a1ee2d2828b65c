package com.softdew.vms.platform.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.platform.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
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

/** Tenant A can never read, count, change or delete tenant B's documents, whatever query it sends. */
class TenantMongoTest {
  @TempDir static Path dir;
  static Vertx vertx;
  static Stores stores;
  static MongoClient raw;
  static TenantMongo tm;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static Throwable failure(Future<?> f) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(f));
    return e.getCause();
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    stores = await(Stores.open(vertx, TestConfigs.create(dir, Map.of()), EnumSet.of(StoreKind.MONGO), null));
    raw = stores.mongo();
    tm = new TenantMongo(raw);
  }

  @AfterAll
  static void stop() throws Exception {
    if (stores != null) await(stores.close());
    await(vertx.close());
  }

  /** Two A cameras and three B cameras in a collection of its own. */
  private static String seed(String coll) throws Exception {
    TenantMongo.Scoped a = tm.forTenant("A");
    TenantMongo.Scoped b = tm.forTenant("B");
    await(a.insert(coll, new JsonObject().put("name", "a1").put("n", 1)));
    await(a.insert(coll, new JsonObject().put("name", "a2").put("n", 2)));
    for (int i = 1; i <= 3; i++) await(b.insert(coll, new JsonObject().put("name", "b" + i).put("n", i)));
    return coll;
  }

  private static final JsonObject ONLY_B = new JsonObject().put("tenant_id", "B");
  private static final JsonObject B_OR_ALL = new JsonObject().put("$or", new JsonArray()
      .add(new JsonObject().put("tenant_id", "B")).add(new JsonObject()));

  private static Set<String> names(List<JsonObject> docs) {
    return docs.stream().map(d -> d.getString("name")).collect(Collectors.toSet());
  }

  @Test
  void insertStampsTheScopeAndRefusesAForeignTenantId() throws Exception {
    TenantMongo.Scoped a = tm.forTenant("A");
    JsonObject doc = new JsonObject().put("name", "x");
    await(a.insert("ins", doc));
    assertTrue(!doc.containsKey("tenant_id"), "caller's document is not modified");
    assertEquals("A", await(raw.findOne("ins", new JsonObject().put("name", "x"), null)).getString("tenant_id"));
    await(a.insert("ins", new JsonObject().put("name", "y").put("tenant_id", "A"))); // same tenant: fine

    Throwable t = failure(a.insert("ins", new JsonObject().put("name", "z").put("tenant_id", "B")));
    assertInstanceOf(IllegalArgumentException.class, t);
    assertTrue(t.getMessage().contains("tenant_id"), t.getMessage());
    assertEquals(0L, await(raw.count("ins", new JsonObject().put("name", "z"))));
  }

  @Test
  void tenantCannotReadOrCountAnotherTenantsDocuments() throws Exception {
    String c = seed("cams_read");
    TenantMongo.Scoped a = tm.forTenant("A");
    assertEquals(Set.of("a1", "a2"), names(await(a.find(c, new JsonObject(), null))));
    assertEquals(Set.of("a1", "a2"), names(await(a.find(c, null, new FindOptions()))));
    assertEquals(List.of(), await(a.find(c, ONLY_B, null)));
    assertEquals(Set.of("a1", "a2"), names(await(a.find(c, B_OR_ALL, null))));
    assertEquals(List.of(), await(a.find(c, new JsonObject().put("tenant_id", new JsonObject().put("$ne", "A")), null)));
    assertEquals(List.of(), await(a.find(c, new JsonObject().put("name", "b1"), null)));

    assertNull(await(a.findOne(c, ONLY_B, null)));
    assertNull(await(a.findOne(c, new JsonObject().put("name", "b2"), null)));
    assertEquals("A", await(a.findOne(c, B_OR_ALL, null)).getString("tenant_id"));

    assertEquals(2L, await(a.count(c, new JsonObject())));
    assertEquals(0L, await(a.count(c, ONLY_B)));
    assertEquals(2L, await(a.count(c, B_OR_ALL)));
    assertEquals(3L, await(tm.forTenant("B").count(c, null)));
  }

  @Test
  void tenantCannotUpdateOrDeleteAnotherTenantsDocuments() throws Exception {
    String c = seed("cams_write");
    TenantMongo.Scoped a = tm.forTenant("A");
    JsonObject hacked = new JsonObject().put("$set", new JsonObject().put("hacked", true));

    assertEquals(0L, await(a.update(c, ONLY_B, hacked)).getDocMatched());
    assertEquals(0L, await(a.update(c, new JsonObject().put("name", "b1"), hacked)).getDocMatched());
    assertEquals(1L, await(a.update(c, B_OR_ALL, hacked)).getDocModified()); // the first match: its own
    assertEquals(0L, await(raw.count(c, new JsonObject().put("tenant_id", "B").put("hacked", true))));
    assertEquals(1L, await(raw.count(c, new JsonObject().put("tenant_id", "A").put("hacked", true))));
    assertEquals(0L, await(a.updateMany(c, ONLY_B, hacked)).getDocMatched());
    assertEquals(2L, await(a.updateMany(c, B_OR_ALL, hacked)).getDocMatched()); // only its own two
    assertEquals(0L, await(raw.count(c, new JsonObject().put("tenant_id", "B").put("hacked", true))));
    assertEquals(2L, await(raw.count(c, new JsonObject().put("tenant_id", "A").put("hacked", true))));

    assertEquals(0L, await(a.delete(c, ONLY_B)).getRemovedCount());
    assertEquals(0L, await(a.delete(c, new JsonObject().put("name", "b3"))).getRemovedCount());
    assertEquals(3L, await(raw.count(c, new JsonObject().put("tenant_id", "B"))));
    assertEquals(2L, await(a.delete(c, B_OR_ALL)).getRemovedCount());
    assertEquals(0L, await(raw.count(c, new JsonObject().put("tenant_id", "A"))));
    assertEquals(3L, await(raw.count(c, new JsonObject().put("tenant_id", "B"))));
  }

  @Test
  void updateCannotSetUnsetOrRenameTheTenantIdNorReplaceTheDocument() throws Exception {
    String c = seed("cams_tid");
    TenantMongo.Scoped a = tm.forTenant("A");
    List<JsonObject> refused = List.of(
        new JsonObject().put("$set", new JsonObject().put("tenant_id", "B")),
        new JsonObject().put("$set", new JsonObject().put("tenant_id.x", 1)),
        new JsonObject().put("$unset", new JsonObject().put("tenant_id", "")),
        new JsonObject().put("$rename", new JsonObject().put("tenant_id", "owner")),
        new JsonObject().put("$rename", new JsonObject().put("name", "tenant_id")),
        new JsonObject().put("$setOnInsert", new JsonObject().put("tenant_id", "B")),
        new JsonObject().put("name", "replaced"),
        new JsonObject());
    for (JsonObject u : refused) {
      assertInstanceOf(IllegalArgumentException.class, failure(a.update(c, new JsonObject(), u)), u.encode());
      assertInstanceOf(IllegalArgumentException.class, failure(a.updateMany(c, new JsonObject(), u)), u.encode());
    }
    assertEquals(2L, await(raw.count(c, new JsonObject().put("tenant_id", "A"))));
    assertEquals(Set.of("a1", "a2"), names(await(a.find(c, null, null))));
  }

  @Test
  void projectionsCannotDropTheTenantIdTheResultCheckNeeds() throws Exception {
    String c = seed("cams_proj");
    TenantMongo.Scoped a = tm.forTenant("A");
    List<JsonObject> incl = await(a.find(c, null, new FindOptions().setFields(new JsonObject().put("name", 1))));
    assertEquals(2, incl.size());
    incl.forEach(d -> assertEquals("A", d.getString("tenant_id")));
    assertTrue(incl.stream().noneMatch(d -> d.containsKey("n")), "projection still applies");
    List<JsonObject> excl = await(a.find(c, null, new FindOptions().setFields(new JsonObject().put("tenant_id", 0))));
    excl.forEach(d -> assertEquals("A", d.getString("tenant_id")));
    assertEquals("A", await(a.findOne(c, null, new JsonObject().put("name", 1))).getString("tenant_id"));
  }

  /** Defence in depth: if the store ever returned another tenant's document, the scope fails instead of leaking it. */
  @Test
  void aForeignDocumentFromTheStoreFailsTheFuture() {
    JsonObject foreign = new JsonObject().put("_id", "x").put("tenant_id", "B").put("secret", 1);
    MongoClient lying = (MongoClient) Proxy.newProxyInstance(MongoClient.class.getClassLoader(), new Class<?>[] {MongoClient.class},
        (p, m, args) -> switch (m.getName()) {
          case "findWithOptions" -> Future.succeededFuture(List.of(new JsonObject().put("tenant_id", "A"), foreign));
          case "findOne" -> Future.succeededFuture(foreign);
          default -> throw new UnsupportedOperationException(m.getName());
        });
    TenantMongo.Scoped a = new TenantMongo(lying).forTenant("A");
    Throwable t1 = failure(a.find("c", null, null));
    assertInstanceOf(IllegalStateException.class, t1);
    assertTrue(t1.getMessage().contains("tenant B"), t1.getMessage());
    assertInstanceOf(IllegalStateException.class, failure(a.findOne("c", null, null)));
  }

  @Test
  void tenantIdsAreValidated() {
    for (String bad : Arrays.asList(null, "", "a b", "a.b", "x".repeat(65), "../etc", "A$", "é")) {
      assertThrows(IllegalArgumentException.class, () -> tm.forTenant(bad), String.valueOf(bad));
    }
    for (String ok : List.of("A", "_system", "_platform", "acme-01", "x".repeat(64))) {
      assertEquals(ok, tm.forTenant(ok).tenantId());
    }
  }

  @Test
  void appendOnlyCollectionsRefuseUpdateAndDelete() throws Exception {
    TenantMongo.Scoped a = tm.forTenant("A");
    await(a.insert(AuditLog.COLLECTION, new JsonObject().put("seq", 999)));
    assertInstanceOf(IllegalArgumentException.class, failure(a.delete(AuditLog.COLLECTION, new JsonObject())));
    assertInstanceOf(IllegalArgumentException.class,
        failure(a.update(AuditLog.COLLECTION, new JsonObject(), new JsonObject().put("$set", new JsonObject().put("x", 1)))));
    assertInstanceOf(IllegalArgumentException.class,
        failure(a.updateMany(AuditLog.COLLECTION, new JsonObject(), new JsonObject().put("$set", new JsonObject().put("x", 1)))));
    assertEquals(1L, await(a.count(AuditLog.COLLECTION, new JsonObject().put("seq", 999))));
    await(raw.removeDocuments(AuditLog.COLLECTION, new JsonObject().put("seq", 999))); // leave no garbage for others
  }

  @Test
  void ensureIndexesPrefixesTheTenantId() throws Exception {
    await(tm.ensureIndexes("cams_idx", new JsonObject().put("ts", -1), new JsonObject().put("name", 1)));
    await(tm.ensureUniqueIndex("cams_idx", new JsonObject().put("serial", 1)));
    JsonArray idx = await(raw.listIndexes("cams_idx"));
    List<JsonObject> keys = idx.stream().map(o -> ((JsonObject) o).getJsonObject("key")).toList();
    assertTrue(keys.contains(new JsonObject().put("tenant_id", 1).put("ts", -1)), idx.encode());
    assertTrue(keys.contains(new JsonObject().put("tenant_id", 1).put("name", 1)), idx.encode());
    JsonObject unique = idx.stream().map(o -> (JsonObject) o)
        .filter(o -> o.getJsonObject("key").equals(new JsonObject().put("tenant_id", 1).put("serial", 1))).findFirst().orElseThrow();
    assertEquals(Boolean.TRUE, unique.getBoolean("unique"), unique.encode());
    // unique per tenant: the same serial under two tenants is fine, twice under one is not
    await(tm.forTenant("A").insert("cams_idx", new JsonObject().put("serial", "s1")));
    await(tm.forTenant("B").insert("cams_idx", new JsonObject().put("serial", "s1")));
    assertTrue(AuditLog.isDuplicateKey(failure(tm.forTenant("A").insert("cams_idx", new JsonObject().put("serial", "s1")))));
  }

  @Test
  void platformReaderSeesAllTenantsAndCannotWrite() throws Exception {
    String c = seed("cams_platform");
    TenantMongo.PlatformReader p = tm.platform();
    assertEquals(5L, await(p.count(c, null)));
    assertEquals(Set.of("a1", "a2", "b1", "b2", "b3"), names(await(p.find(c, new JsonObject(), null))));
    assertEquals(3, await(p.find(c, ONLY_B, null)).size());
    Set<String> methods = Arrays.stream(TenantMongo.PlatformReader.class.getDeclaredMethods())
        .filter(m -> Modifier.isPublic(m.getModifiers())).map(Method::getName).collect(Collectors.toSet());
    assertEquals(Set.of("find", "count"), methods);
  }
}
