package com.softdew.vms.platform.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.launch.Role;
import com.softdew.vms.platform.launch.RoleVerticle;
import com.softdew.vms.platform.launch.VmsLauncherBase;
import com.softdew.vms.platform.store.StoreKind;
import com.softdew.vms.platform.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readiness follows the stores: a node is ready only while every store answers. */
class ReadinessTest {

  static final class MongoNode extends RoleVerticle {
    MongoNode(VmsConfig cfg) {
      super(Role.EDGE, cfg);
    }

    @Override
    protected Set<StoreKind> storeKinds() {
      return EnumSet.of(StoreKind.MONGO, StoreKind.CACHE);
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void readyFlipsWhenAStoreGoesDown(@TempDir Path dir) throws Exception {
    VmsConfig cfg = TestConfigs.create(dir, Map.of());
    Vertx vertx = Vertx.builder().with(VmsLauncherBase.applyOptions(new VertxOptions(), cfg))
        .withMetrics(new io.vertx.micrometer.MicrometerMetricsFactory()).build();
    try {
      MongoNode node = new MongoNode(cfg);
      await(vertx.deployVerticle(node));
      WebClient web = WebClient.create(vertx);
      int port = node.httpPort();

      HttpResponse<Buffer> ready = await(web.get(port, "127.0.0.1", "/health/ready").send());
      assertEquals(200, ready.statusCode(), ready.bodyAsString());
      JsonObject detailed = await(web.get(port, "127.0.0.1", "/health/detailed").send()).bodyAsJsonObject();
      assertEquals("UP", detailed.getString("status"));
      assertEquals(2, detailed.getJsonArray("checks").size());
      assertEquals(200, await(web.get(port, "127.0.0.1", "/health/live").send()).statusCode());

      String metrics = await(web.get(port, "127.0.0.1", "/metrics").send()).bodyAsString();
      assertTrue(metrics.contains("jvm_memory_used_bytes"), "JVM metrics");
      assertTrue(metrics.contains("vertx_http_server"), "HTTP metrics");
      assertTrue(metrics.contains("vertx_eventbus"), "event bus metrics");
      HttpResponse<Buffer> docs = await(web.get(port, "127.0.0.1", "/docs/index.html").send());
      assertEquals(200, docs.statusCode());
      HttpResponse<Buffer> missing = await(web.get(port, "127.0.0.1", "/no/such/thing").send());
      assertEquals(404, missing.statusCode());
      assertEquals("application/problem+json", missing.getHeader("content-type"));

      node.stores().embedded().mongoServer().shutdownNow();
      long deadline = System.currentTimeMillis() + 20_000;
      HttpResponse<Buffer> r;
      do {
        r = await(web.get(port, "127.0.0.1", "/health/ready").send());
      } while (r.statusCode() == 200 && System.currentTimeMillis() < deadline);
      assertEquals(503, r.statusCode(), "readiness must flip when Mongo is gone");
      JsonObject down = await(web.get(port, "127.0.0.1", "/health/detailed").send()).bodyAsJsonObject();
      JsonObject mongo = down.getJsonArray("checks").stream().map(JsonObject.class::cast)
          .filter(c -> c.getString("id").equals("mongo")).findFirst().orElseThrow();
      assertEquals("DOWN", mongo.getString("status"), down.encodePrettily());
      assertEquals(200, await(web.get(port, "127.0.0.1", "/health/live").send()).statusCode(), "still alive");
    } finally {
      await(vertx.close());
    }
  }
}
