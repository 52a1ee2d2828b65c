package com.softdew.vms.edge.ai.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.InferenceDevice;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ModelCacheTest {
  static final class Model implements AutoCloseable {
    final String name;
    boolean closed;

    Model(String name) {
      this.name = name;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void leastRecentlyUsedIdleModelIsEvictedUnderPressure() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    ModelCache<Model> cache = new ModelCache<>("test", InferenceDevice.CPU, 100, null, reg);
    Model a = new Model("a"), b = new Model("b"), c = new Model("c");
    cache.acquire("a", 40, () -> a).close();
    cache.acquire("b", 40, () -> b).close();
    try (ModelCache<Model>.Lease l = cache.acquire("a", 40, () -> { throw new AssertionError("a is resident"); })) {
      assertSame(a, l.value()); // hit; a is now the most recent
    }
    cache.acquire("c", 40, () -> c).close(); // 120 > 100: b (least recent) goes
    assertTrue(b.closed);
    assertFalse(a.closed);
    assertFalse(c.closed);
    assertEquals(List.of("a", "c"), cache.keys());
    assertEquals(80, cache.residentBytes());
    assertEquals(1, cache.hits());
    assertEquals(3, cache.misses());
    assertEquals(1, cache.evictions());
    assertEquals(1.0, reg.get("vms.model.cache.evictions").tag("cache", "test").tag("device", "cpu").counter().count());
    assertEquals(80.0, reg.get("vms.model.cache.bytes").gauge().value());
    cache.close();
    assertTrue(a.closed && c.closed);
  }

  @Test
  void leasedModelsAreNeverClosedUnderneathTheirUser() throws Exception {
    ModelCache<Model> cache = new ModelCache<>("test", InferenceDevice.CPU, 100, null, null);
    Model a = new Model("a"), b = new Model("b");
    ModelCache<Model>.Lease la = cache.acquire("a", 70, () -> a);
    ModelCache<Model>.Lease lb = cache.acquire("b", 70, () -> b); // a in use: over budget, counted
    assertFalse(a.closed);
    assertEquals(1, cache.overcommits());
    assertEquals(140, cache.residentBytes());
    la.close(); // a idle again and the cache over budget: a goes now
    assertTrue(a.closed);
    assertEquals(List.of("b"), cache.keys());
    lb.close();
    assertFalse(b.closed);
    assertThrows(IllegalStateException.class, la::value);
  }

  @Test
  void tooLargeModelAndFailedLoadsAreRefusedAndNotCached() throws Exception {
    ModelCache<Model> cache = new ModelCache<>("test", InferenceDevice.CPU, 100, null, null);
    IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> cache.acquire("huge", 101, () -> new Model("huge")));
    assertTrue(big.getMessage().contains("huge"), big.getMessage());
    assertThrows(IOException.class, () -> cache.acquire("bad", 10, () -> { throw new IOException("corrupt file"); }));
    assertFalse(cache.contains("bad"));
    assertEquals(0, cache.residentBytes());
    Model ok = new Model("bad");
    try (ModelCache<Model>.Lease l = cache.acquire("bad", 10, () -> ok)) {
      assertSame(ok, l.value());
    }
  }

  @Test
  void measuredDeviceMemoryReplacesTheEstimate() throws Exception {
    AtomicLong free = new AtomicLong(1000);
    ModelCache<Model> cache = new ModelCache<>("gpu", new InferenceDevice("cuda", 0, "fake", 1000), 500, free::get, null);
    cache.acquire("a", 50, () -> {
      free.addAndGet(-200); // the load really took 200
      return new Model("a");
    }).close();
    assertEquals(200, cache.residentBytes());
  }

  @Test
  void concurrentMissesLoadOnce() throws Exception {
    ModelCache<Model> cache = new ModelCache<>("test", InferenceDevice.CPU, 100, null, null);
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Model>> got = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        got.add(pool.submit(() -> {
          try (ModelCache<Model>.Lease l = cache.acquire("m", 10, () -> {
            loads.incrementAndGet();
            release.await();
            return new Model("m");
          })) {
            return l.value();
          }
        }));
      }
      release.countDown();
      Model first = got.get(0).get();
      for (Future<Model> f : got) assertSame(first, f.get());
      assertEquals(1, loads.get());
      assertEquals(1, cache.misses());
      assertEquals(3, cache.hits());
    } finally {
      pool.shutdownNow();
    }
  }
}
