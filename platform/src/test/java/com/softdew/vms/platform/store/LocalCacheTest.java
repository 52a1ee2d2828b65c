package com.softdew.vms.platform.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LocalCacheTest extends AbstractCacheTest {
  @Override
  KeyValueCache open(Vertx vertx) {
    return new LocalCache(1000, null);
  }

  @Test
  void boundedWithCountedLruEviction() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    LocalCache c = new LocalCache(100, reg);
    for (int i = 0; i < 100; i++) c.set("k" + i, "v", Duration.ofMinutes(1));
    c.get("k0"); // recently used: survives
    for (int i = 100; i < 150; i++) c.set("k" + i, "v", Duration.ofMinutes(1));
    assertEquals(100, c.size());
    assertEquals(50.0, reg.get("vms.cache.evictions").counter().count());
    assertEquals("v", await(c.get("k0")));
    assertNull(await(c.get("k1")));
  }
}
