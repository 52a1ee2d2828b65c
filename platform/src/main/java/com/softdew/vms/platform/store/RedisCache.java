package com.softdew.vms.platform.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import java.time.Duration;
import java.util.List;

/** {@link KeyValueCache} on Redis through the Vert.x Redis client (bounded pool, bounded waiting queue). */
public final class RedisCache implements KeyValueCache {
  private final Redis client;
  private final RedisAPI api;

  public RedisCache(Vertx vertx, String url) {
    this.client = Redis.createClient(vertx, new RedisOptions().setConnectionString(url)
        .setMaxPoolSize(8).setMaxPoolWaiting(256).setMaxWaitingHandlers(1024));
    this.api = RedisAPI.api(client);
  }

  @Override
  public String kind() {
    return "redis";
  }

  @Override
  public Future<String> get(String key) {
    return api.get(key).map(r -> r == null ? null : r.toString());
  }

  @Override
  public Future<Void> set(String key, String value, Duration ttl) {
    return api.set(List.of(key, value, "PX", Long.toString(Math.max(1, ttl.toMillis())))).mapEmpty();
  }

  @Override
  public Future<Duration> ttl(String key) {
    return api.pttl(key).map(r -> {
      long ms = r.toLong();
      return ms < 0 ? null : Duration.ofMillis(ms);
    });
  }

  @Override
  public Future<Void> delete(List<String> keys) {
    return keys.isEmpty() ? Future.succeededFuture() : api.del(keys).mapEmpty();
  }

  @Override
  public Future<Long> increment(String key, Duration ttl) {
    return api.incr(key).compose(r -> {
      long v = r.toLong();
      // the first increment owns the window: set its expiry (a crash between the two leaves a counter without TTL only until the next NX set)
      return v == 1 ? api.pexpire(List.of(key, Long.toString(Math.max(1, ttl.toMillis())))).map(x -> v) : Future.succeededFuture(v);
    });
  }

  @Override
  public Future<Void> ping() {
    return api.ping(List.of()).mapEmpty();
  }

  @Override
  public Future<Void> close() {
    client.close();
    return Future.succeededFuture();
  }
}
