package com.softdew.vms.platform.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded in-process cache with per-entry TTL and least-recently-used eviction. Used when no Redis is
 * configured: correct on one node, and on several nodes only together with the bus invalidation the
 * configuration service broadcasts.
 */
public final class LocalCache implements KeyValueCache {
  private static final Logger LOG = LoggerFactory.getLogger(LocalCache.class);

  private record Entry(String value, long expiresAtNanos) {}

  private final int maxEntries;
  private final Counter evictions;
  private long evicted;
  private final LinkedHashMap<String, Entry> map;

  public LocalCache(int maxEntries, MeterRegistry registry) {
    this.maxEntries = maxEntries;
    this.evictions = registry == null ? null : Counter.builder("vms.cache.evictions").description("in-process cache LRU evictions").register(registry);
    this.map = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        if (size() <= LocalCache.this.maxEntries) return false;
        if (evictions != null) evictions.increment();
        if ((++evicted & 1023) == 1) LOG.warn("in-process cache full ({} entries): evicted {} so far", LocalCache.this.maxEntries, evicted);
        return true;
      }
    };
  }

  @Override
  public String kind() {
    return "in-process";
  }

  @Override
  public synchronized Future<String> get(String key) {
    Entry e = map.get(key);
    if (e == null) return Future.succeededFuture();
    if (System.nanoTime() - e.expiresAtNanos >= 0) {
      map.remove(key);
      return Future.succeededFuture();
    }
    return Future.succeededFuture(e.value);
  }

  @Override
  public synchronized Future<Void> set(String key, String value, Duration ttl) {
    map.put(key, new Entry(value, System.nanoTime() + ttl.toNanos()));
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Duration> ttl(String key) {
    Entry e = map.get(key);
    if (e == null) return Future.succeededFuture();
    long left = e.expiresAtNanos - System.nanoTime();
    return Future.succeededFuture(left <= 0 ? null : Duration.ofNanos(left));
  }

  @Override
  public synchronized Future<Void> delete(List<String> keys) {
    keys.forEach(map::remove);
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Long> increment(String key, Duration ttl) {
    Entry e = map.get(key);
    long now = System.nanoTime();
    if (e == null || now - e.expiresAtNanos >= 0) {
      map.put(key, new Entry("1", now + ttl.toNanos()));
      return Future.succeededFuture(1L);
    }
    long v = Long.parseLong(e.value) + 1;
    map.put(key, new Entry(Long.toString(v), e.expiresAtNanos));
    return Future.succeededFuture(v);
  }

  @Override
  public Future<Void> ping() {
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Void> close() {
    map.clear();
    return Future.succeededFuture();
  }

  public synchronized int size() {
    return map.size();
  }
}
