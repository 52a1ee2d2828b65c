package com.softdew.vms.platform.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.platform.store.ConfigScopeStore.ScopeVersion;
import com.softdew.vms.platform.store.ConfigScopeStore.VersionConflictException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The SQL store contract, written once and run per backend (TCK style): PostgreSQL on the machine,
 * embedded PostgreSQL, and SQL Server when one is reachable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AbstractConfigScopeStoreTest {
  protected Vertx vertx;
  protected Pool pool;
  protected ConfigScopeStore store;

  /** Starts the backend and returns a pool on an empty database. */
  protected abstract Pool openPool(Vertx vertx) throws Exception;

  protected abstract SqlDialect dialect();

  protected void closeBackend() throws Exception {}

  @BeforeAll
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    pool = openPool(vertx);
    SqlMigrator m = new SqlMigrator(dialect(), pool);
    int latest = SqlMigrator.load(dialect().name()).size();
    assertEquals(latest, await(m.migrate(vertx)));
    assertEquals(latest, await(m.migrate(vertx)), "migrating twice changes nothing");
    store = new ConfigScopeStore(dialect(), pool);
  }

  @AfterAll
  void tearDown() throws Exception {
    if (pool != null) await(pool.close());
    closeBackend();
    await(vertx.close());
  }

  protected static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void writeReadUpdateAndHistory() throws Exception {
    ScopeRef cam = ScopeRef.camera("tenant-a", "cam-" + System.nanoTime());
    assertNull(await(store.current(cam)));
    ScopeVersion v1 = await(store.write(cam, new JsonObject().put("video", new JsonObject().put("fps", 10)), 0, "alice", "first"));
    assertEquals(1, v1.version());
    ScopeVersion v2 = await(store.write(cam, new JsonObject().put("video", new JsonObject().put("fps", 12)), 1, "bob", null));
    assertEquals(2, v2.version());
    ScopeVersion cur = await(store.current(cam));
    assertEquals(2, cur.version());
    assertEquals(12, cur.doc().getJsonObject("video").getInteger("fps"));
    assertEquals("bob", cur.actor());
    List<ScopeVersion> h = await(store.history(cam, 10, 0));
    assertEquals(List.of(2, 1), h.stream().map(ScopeVersion::version).toList());
    assertEquals("first", h.get(1).note());
    assertEquals(10, await(store.version(cam, 1)).doc().getJsonObject("video").getInteger("fps"));
    assertEquals(1, await(store.history(cam, 1, 1)).size(), "paging");
  }

  @Test
  void staleWritersLoseAndNothingIsHalfWritten() throws Exception {
    ScopeRef site = ScopeRef.site("tenant-a", "site-" + System.nanoTime());
    await(store.write(site, new JsonObject().put("a", 1), 0, "alice", null));
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> await(store.write(site, new JsonObject().put("a", 2), 0, "bob", null)));
    assertTrue(e.getCause() instanceof VersionConflictException, e.getCause().toString());
    e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> await(store.write(site, new JsonObject().put("a", 3), 5, "bob", null)));
    assertTrue(e.getCause() instanceof VersionConflictException);
    assertEquals(1, await(store.current(site)).version());
    assertEquals(1, await(store.history(site, 10, 0)).size(), "a lost write leaves no version row");
  }

  /** Row-level security: a session bound to no tenant, or to another one, sees nothing, whatever its WHERE says. */
  @Test
  void rowLevelSecurityHidesOtherTenantsRows() throws Exception {
    String id = "rls-" + System.nanoTime();
    await(store.write(ScopeRef.camera("tenant-a", id), new JsonObject().put("x", 1), 0, "a", null));
    TenantSql sql = new TenantSql(dialect(), pool);
    long asB = await(sql.inTenant("tenant-b", c -> c.query("SELECT count(*) FROM config_scope").execute()))
        .iterator().next().getLong(0);
    assertEquals(0, asB, "tenant b sees no row of tenant a even without a WHERE");
    long asA = await(sql.inTenant("tenant-a", c -> c.query("SELECT count(*) FROM config_scope").execute()))
        .iterator().next().getLong(0);
    assertTrue(asA >= 1);
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> await(sql.inTenant("tenant-b",
        c -> c.query("INSERT INTO config_scope (tenant_id, scope, scope_id, version, doc, updated_by, updated_at)"
            + " VALUES ('tenant-a', 'camera', 'forged', 1, '{}', 'b', 'now')").execute())));
    assertTrue(e.getCause().getMessage().contains("row-level security") || e.getCause().getMessage().contains("policy"),
        e.getCause().getMessage());
    if (dialect().name().equals("postgresql")) {
      long raw = await(pool.withTransaction(c -> c.query("SET LOCAL ROLE vms_app").execute()
          .compose(v -> c.query("SELECT count(*) FROM config_scope").execute()))).iterator().next().getLong(0);
      assertEquals(0, raw, "a raw session of the application role without the tenant setting sees no rows");
    }
  }

  @Test
  void tenantsDoNotSeeEachOther() throws Exception {
    String id = "shared-" + System.nanoTime();
    await(store.write(ScopeRef.camera("tenant-a", id), new JsonObject().put("x", "a"), 0, "a", null));
    assertNull(await(store.current(ScopeRef.camera("tenant-b", id))));
    assertTrue(await(store.history(ScopeRef.camera("tenant-b", id), 10, 0)).isEmpty());
    assertNull(await(store.version(ScopeRef.camera("tenant-b", id), 1)));
  }
}
