package com.softdew.vms.platform.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The cache contract, run on the in-process cache and on the machine's Redis. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractCacheTest {
  Vertx vertx;
  KeyValueCache cache;

  abstract KeyValueCache open(Vertx vertx);

  @BeforeAll
  void setUp() {
    vertx = Vertx.vertx();
    cache = open(vertx);
  }

  @AfterAll
  void tearDown() throws Exception {
    await(cache.close());
    await(vertx.close());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void roundTripTtlAndDelete() throws Exception {
    String k = "config:test:" + UUID.randomUUID() + ":doc";
    assertNull(await(cache.get(k)));
    await(cache.set(k, "{\"v\":1}", Duration.ofMinutes(5)));
    assertEquals("{\"v\":1}", await(cache.get(k)));
    Duration left = await(cache.ttl(k));
    assertTrue(left.toSeconds() > 290 && left.toSeconds() <= 300, left.toString());
    await(cache.delete(List.of(k)));
    assertNull(await(cache.get(k)));
    assertNull(await(cache.ttl(k)));
    await(cache.ping());
  }

  @Test
  void countersIncrementWithinTheirWindow() throws Exception {
    String k = "rl:test:" + UUID.randomUUID();
    assertEquals(1L, await(cache.increment(k, Duration.ofMillis(300))));
    assertEquals(2L, await(cache.increment(k, Duration.ofMillis(300))));
    long deadline = System.currentTimeMillis() + 5000;
    long v;
    do {
      Thread.sleep(50);
      v = await(cache.increment(k, Duration.ofMillis(300)));
    } while (v != 1L && System.currentTimeMillis() < deadline);
    assertEquals(1L, v, "a new window starts after the TTL");
  }

  @Test
  void entriesExpire() throws Exception {
    String k = "config:test:" + UUID.randomUUID() + ":doc";
    await(cache.set(k, "x", Duration.ofMillis(150)));
    assertEquals("x", await(cache.get(k)));
    long deadline = System.currentTimeMillis() + 5000;
    while (await(cache.get(k)) != null && System.currentTimeMillis() < deadline) Thread.sleep(50);
    assertNull(await(cache.get(k)));
  }
}
