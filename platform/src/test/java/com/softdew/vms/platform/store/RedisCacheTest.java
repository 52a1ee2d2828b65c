package com.softdew.vms.platform.store;

import io.vertx.core.Vertx;

/** The cache contract on the machine's Redis (127.0.0.1:6379, started by scripts/test.sh when missing). */
class RedisCacheTest extends AbstractCacheTest {
  @Override
  KeyValueCache open(Vertx vertx) {
    String url = System.getenv().getOrDefault("VMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15");
    return new RedisCache(vertx, url);
  }
}
