package com.softdew.vms.platform.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded Mongo-wire default keeps documents across a restart on the same data dir, through the Vert.x Mongo client. */
class EmbeddedStoresTest {

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void embeddedMongoSurvivesRestart(@TempDir Path dir) throws Exception {
    VmsConfig cfg = TestConfigs.create(dir, Map.of());
    Vertx vertx = Vertx.vertx();
    try {
      Stores s1 = await(Stores.open(vertx, cfg, EnumSet.of(StoreKind.MONGO, StoreKind.CACHE), null));
      assertTrue(s1.addresses().mongoEmbedded());
      MongoClient m1 = s1.mongo();
      await(m1.insert("events", new JsonObject().put("tenant_id", "t1").put("eventType", "fire").put("n", 1)));
      await(m1.updateCollection("events", new JsonObject().put("tenant_id", "t1"), new JsonObject().put("$inc", new JsonObject().put("n", 1))));
      await(m1.createIndex("events", new JsonObject().put("tenant_id", 1).put("timestamp", -1)));
      assertEquals("in-process", s1.cache().kind());
      await(s1.close());

      Stores s2 = await(Stores.open(vertx, cfg, EnumSet.of(StoreKind.MONGO), null));
      JsonObject doc = await(s2.mongo().findOne("events", new JsonObject().put("tenant_id", "t1"), null));
      assertEquals(2, doc.getInteger("n"));
      assertEquals(0L, await(s2.mongo().count("events", new JsonObject().put("tenant_id", "t2"))));
      await(s2.close());
      assertFalse(s2.kinds().contains(StoreKind.SQL));
    } finally {
      await(vertx.close());
    }
  }

  /** What scripts/run.sh does on a machine without PostgreSQL: start one under data.dir, keep its data. */
  @Test
  void embeddedPostgresStartsCreatesTheDatabaseAndKeepsData(@TempDir Path dir) throws Exception {
    VmsConfig cfg = TestConfigs.create(dir, Map.of("sql.preferLocal", false));
    Vertx vertx = Vertx.vertx();
    try {
      Stores s1 = await(Stores.open(vertx, cfg, EnumSet.of(StoreKind.SQL), null));
      assertTrue(s1.addresses().sqlEmbedded());
      assertTrue(s1.addresses().sqlUrl().matches(".*/vms_[0-9a-f]{10}"), "one database per data directory: " + s1.addresses().sqlUrl());
      ConfigScopeStore store = new ConfigScopeStore(s1.dialect(), s1.sql());
      await(store.write(ScopeRef.customer("acme"), new JsonObject().put("k", 1), 0, "t", null));
      await(s1.close());

      Stores s2 = await(Stores.open(vertx, cfg, EnumSet.of(StoreKind.SQL), null));
      assertEquals(1, await(new ConfigScopeStore(s2.dialect(), s2.sql()).current(ScopeRef.customer("acme"))).version());
      await(s2.close());
    } finally {
      await(vertx.close());
    }
  }
}
