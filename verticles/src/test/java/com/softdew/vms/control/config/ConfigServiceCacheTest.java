package com.softdew.vms.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.store.AuditLog;
import com.softdew.vms.platform.store.ConfigScopeStore;
import com.softdew.vms.platform.store.KeyValueCache;
import com.softdew.vms.platform.store.RedisCache;
import com.softdew.vms.platform.store.ScopeRef;
import com.softdew.vms.platform.store.StoreKind;
import com.softdew.vms.platform.store.Stores;
import com.softdew.vms.platform.testing.LocalPostgres;
import com.softdew.vms.platform.testing.TestConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service's cache behaviour on Redis (the machine's): seed key layout, TTL, hits, refresh ahead of expiry. */
class ConfigServiceCacheTest {
  Vertx vertx;
  String db;
  Stores stores;
  KeyValueCache redis;
  @TempDir Path dir;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    db = LocalPostgres.freshName();
    LocalPostgres.exec(vertx, "CREATE DATABASE " + db);
    VmsConfig cfg = TestConfigs.create(dir, Map.of("sql.url", LocalPostgres.url(db), "redis.url", "redis://127.0.0.1:6379/14"));
    stores = await(Stores.open(vertx, cfg, EnumSet.of(StoreKind.SQL, StoreKind.MONGO, StoreKind.CACHE), null));
    redis = stores.cache();
    assertEquals("redis", redis.kind());
  }

  @AfterEach
  void tearDown() throws Exception {
    await(stores.close());
    LocalPostgres.exec(vertx, "DROP DATABASE IF EXISTS " + db);
    await(vertx.close());
  }

  ConfigService service(Duration ttl, Duration ahead, SimpleMeterRegistry reg) {
    return new ConfigService(vertx, new ConfigScopeStore(stores.dialect(), stores.sql()), redis, new AuditLog(vertx, stores.mongo()),
        RuntimeConfigSchema.create(), ttl, ahead, 1000, reg);
  }

  @Test
  void seedKeyLayoutTtlHitsAndRefreshAhead() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    String customer = "c" + System.nanoTime();
    ConfigService svc = service(Duration.ofMinutes(5), Duration.ofSeconds(60), reg);
    await(svc.patch(ScopeRef.customer(customer), new JsonObject().put("models", new JsonObject().put("anpr",
        new JsonObject().put("enabled", true))), null, "t", "127.0.0.1", null));
    await(svc.effective(customer, null, "cam-9"));
    String key = "config:customer:" + customer + ":doc";
    assertNotNull(await(redis.get(key)), "cached under the seed's layout");
    long ttl = await(redis.ttl(key)).toSeconds();
    assertTrue(ttl > 290 && ttl <= 300, "5-minute TTL, got " + ttl);
    assertNotNull(await(redis.get("config:camera:cam-9:doc:" + customer)), "absent camera scope cached as negative entry");
    await(svc.effective(customer, null, "cam-9"));
    assertTrue(reg.get("vms.config.cache").tag("result", "hit").counter().count() >= 3);

    // short TTL inside the refresh window: a recently read scope is reloaded before it expires
    ConfigService fast = service(Duration.ofSeconds(30), Duration.ofSeconds(60), reg);
    await(redis.delete(List.of(key)));
    await(fast.scope(ScopeRef.customer(customer)));
    assertTrue(await(redis.ttl(key)).toSeconds() <= 30);
    assertEquals(1, await(fast.refreshAhead()), "the scope read since the last tick is refreshed");
    assertEquals(0, await(fast.refreshAhead()), "nothing read since: nothing refreshed");
    assertEquals(1.0, reg.get("vms.config.cache.refresh").counter().count());
  }
}
