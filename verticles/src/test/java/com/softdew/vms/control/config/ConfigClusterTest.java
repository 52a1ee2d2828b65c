package com.softdew.vms.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.launch.ClusterSupport;
import com.softdew.vms.platform.store.AuditLog;
import com.softdew.vms.platform.store.ScopeRef;
import com.softdew.vms.platform.store.StoreKind;
import com.softdew.vms.platform.store.Stores;
import com.softdew.vms.platform.testing.LocalPostgres;
import com.softdew.vms.platform.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clustered nodes (Hazelcast, random cluster name), each with its own in-process cache and the
 * same SQL database: a change made on one node is seen on the other long before the 5-minute TTL,
 * because the change is broadcast on the bus. Also exercises the bus API of the service.
 */
class ConfigClusterTest {
  @TempDir Path dirA;
  @TempDir Path dirB;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static double fireThreshold(JsonObject eff) {
    return eff.getJsonObject("effective").getJsonObject("models").getJsonObject("fire").getDouble("confidenceThreshold");
  }

  @Test
  void changeOnOneNodeInvalidatesTheOther() throws Exception {
    String cluster = "vms-test-" + UUID.randomUUID();
    Vertx admin = Vertx.vertx();
    String db = LocalPostgres.freshName();
    LocalPostgres.exec(admin, "CREATE DATABASE " + db);
    Vertx a = null;
    Vertx b = null;
    try {
      int port = 20000 + (int) (Math.random() * 20000);
      a = await(ClusterSupport.startClustered(new VertxOptions(), ClusterSupport.hazelcastConfig(cluster, "127.0.0.1", port, List.of("127.0.0.1"))));
      b = await(ClusterSupport.startClustered(new VertxOptions(), ClusterSupport.hazelcastConfig(cluster, "127.0.0.1", port, List.of("127.0.0.1"))));
      VmsConfig cfgA = TestConfigs.create(dirA, Map.of("sql.url", LocalPostgres.url(db)));
      VmsConfig cfgB = TestConfigs.create(dirB, Map.of("sql.url", LocalPostgres.url(db)));
      Stores storesA = await(Stores.open(a, cfgA, EnumSet.of(StoreKind.SQL, StoreKind.MONGO, StoreKind.CACHE), null));
      Stores storesB = await(Stores.open(b, cfgB, EnumSet.of(StoreKind.SQL, StoreKind.MONGO, StoreKind.CACHE), null));
      ConfigServiceVerticle svcA = new ConfigServiceVerticle(storesA, new AuditLog(a, storesA.mongo()), cfgA, null);
      ConfigServiceVerticle svcB = new ConfigServiceVerticle(storesB, new AuditLog(b, storesB.mongo()), cfgB, null);
      await(a.deployVerticle(svcA));
      await(b.deployVerticle(svcB));

      await(svcA.service().patch(ScopeRef.customer("acme"), new JsonObject().put("models", new JsonObject()
          .put("fire", new JsonObject().put("confidenceThreshold", 0.7))), null, "test", "127.0.0.1", null));
      // B reads and caches every level of the chain
      JsonObject first = await(svcB.service().effective("acme", "hq", "cam-1"));
      assertEquals(0.7, fireThreshold(first));
      assertEquals("customer:acme", first.getJsonObject("sources").getString("models.fire.confidenceThreshold"));
      assertTrue(storesB.cache().get(ScopeRef.customer("acme").cacheKey()).toCompletionStage().toCompletableFuture().get() != null,
          "B cached the customer scope");

      // A changes the camera and the customer; B must see both without waiting for the TTL
      await(svcA.service().patch(ScopeRef.camera("acme", "cam-1"), new JsonObject().put("video", new JsonObject()
          .put("segment", new JsonObject().put("lengthSeconds", 3))), null, "test", "127.0.0.1", null));
      await(svcA.service().patch(ScopeRef.customer("acme"), new JsonObject().put("models", new JsonObject()
          .put("fire", new JsonObject().put("confidenceThreshold", 0.8))), null, "test", "127.0.0.1", null));
      long t0 = System.currentTimeMillis();
      JsonObject seen;
      do {
        seen = await(svcB.service().effective("acme", "hq", "cam-1"));
      } while (fireThreshold(seen) != 0.8 && System.currentTimeMillis() - t0 < 10_000);
      assertEquals(0.8, fireThreshold(seen), "B still serves the stale customer value");
      assertEquals(3, seen.getJsonObject("effective").getJsonObject("video").getJsonObject("segment").getInteger("lengthSeconds"));
      assertEquals("camera:acme:cam-1", seen.getJsonObject("sources").getString("video.segment.lengthSeconds"));
      System.out.println("cross-node invalidation visible after " + (System.currentTimeMillis() - t0) + " ms");

      // the bus API answers from any node, and its errors carry a code
      JsonObject viaBus = await(b.eventBus().<JsonObject>request(com.softdew.vms.codec.Addresses.CONFIG_SERVICE,
          new JsonObject().put("action", "effective").put("customerId", "acme").put("cameraId", "cam-1"))).body();
      assertEquals(0.8, fireThreshold(viaBus));
      Throwable err = b.eventBus().request(com.softdew.vms.codec.Addresses.CONFIG_SERVICE,
          new JsonObject().put("action", "get").put("scope", "planet:x")).toCompletionStage().toCompletableFuture()
          .handle((r, e) -> e).get(10, TimeUnit.SECONDS);
      assertTrue(err instanceof io.vertx.core.eventbus.ReplyException re && re.failureCode() == 400, String.valueOf(err));

      await(storesA.close());
      await(storesB.close());
    } finally {
      if (a != null) await(a.close());
      if (b != null) await(b.close());
      LocalPostgres.exec(admin, "DROP DATABASE IF EXISTS " + db);
      await(admin.close());
    }
  }
}
