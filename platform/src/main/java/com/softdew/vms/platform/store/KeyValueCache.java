package com.softdew.vms.platform.store;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;

/** The cache the configuration service (and rate limits later) use: Redis when configured, in-process otherwise. */
public interface KeyValueCache {
  /** "redis" or "in-process". */
  String kind();

  /** The value, or null when absent or expired. */
  Future<String> get(String key);

  Future<Void> set(String key, String value, Duration ttl);

  /** Remaining time to live, or null when absent. */
  Future<Duration> ttl(String key);

  Future<Void> delete(List<String> keys);

  /** Increments a counter, creating it with {@code ttl} when absent; returns the new value (rate limits). */
  Future<Long> increment(String key, Duration ttl);

  /** Round trip to the cache, for health. */
  Future<Void> ping();

  Future<Void> close();
}
