package com.softdew.vms.platform.store;

import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.store.embedded.EmbeddedStores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store clients of one node, opened for the stores its role needs: SQL pool (migrated), Mongo
 * client, cache, Kafka admin. Embedded stores are started first for every empty address.
 */
public final class Stores {
  private static final Logger LOG = LoggerFactory.getLogger(Stores.class);

  private final Set<StoreKind> kinds;
  private EmbeddedStores embedded;
  private StoreAddresses addresses;
  private SqlDialect dialect;
  private Pool sql;
  private MongoClient mongo;
  private KeyValueCache cache;
  private KafkaAdminClient kafkaAdmin;
  private Map<String, String> kafkaConfig;

  private Stores(Set<StoreKind> kinds) {
    this.kinds = kinds.isEmpty() ? EnumSet.noneOf(StoreKind.class) : EnumSet.copyOf(kinds);
  }

  public static Future<Stores> open(Vertx vertx, VmsConfig cfg, Set<StoreKind> kinds, MeterRegistry registry) {
    Stores s = new Stores(kinds);
    return vertx.executeBlocking(() -> EmbeddedStores.start(cfg, kinds))
        .compose(emb -> {
          s.embedded = emb;
          s.addresses = emb.addresses();
          return s.ensureDatabase(vertx, cfg);
        })
        .compose(v -> {
          StoreAddresses a = s.addresses;
          if (kinds.contains(StoreKind.SQL)) {
            s.dialect = SqlDialect.of(a.sqlDialect());
            s.sql = s.dialect.pool(vertx, a.sqlUrl(), cfg.integer("sql.poolSize"));
          }
          if (kinds.contains(StoreKind.MONGO)) {
            s.mongo = MongoClient.createShared(vertx, new JsonObject()
                .put("connection_string", a.mongoUrl()).put("db_name", a.mongoDatabase())
                .put("serverSelectionTimeoutMS", 5000).put("connectTimeoutMS", 5000), "vms-mongo");
          }
          if (kinds.contains(StoreKind.CACHE)) {
            s.cache = a.redisUrl() == null ? new LocalCache(cfg.integer("cache.maxEntries"), registry) : new RedisCache(vertx, a.redisUrl());
          }
          if (kinds.contains(StoreKind.KAFKA)) {
            s.kafkaConfig = Map.of("bootstrap.servers", a.kafkaBootstrap(), "request.timeout.ms", "5000",
                "default.api.timeout.ms", "5000");
            s.kafkaAdmin = KafkaAdminClient.create(vertx, s.kafkaConfig);
          }
          return s.sql == null ? Future.succeededFuture() : new SqlMigrator(s.dialect, s.sql).migrate(vertx)
              .onSuccess(ver -> LOG.info("sql: {} schema at V{}", s.dialect.name(), ver)).mapEmpty();
        })
        .map(v -> s)
        .recover(e -> s.close().transform(x -> Future.failedFuture(e)));
  }

  /** Creates {@code sql.database} on a local or embedded PostgreSQL that does not have it yet. */
  private Future<Void> ensureDatabase(Vertx vertx, VmsConfig cfg) {
    String admin = embedded.sqlAdminUrl();
    if (admin == null) return Future.succeededFuture();
    String db = embedded.sqlDatabase();
    if (!db.matches("[a-z_][a-z0-9_]{0,62}")) return Future.failedFuture(new IllegalArgumentException("sql.database must be a lowercase identifier, got " + db));
    return PgConnection.connect(vertx, PgConnectOptions.fromUri(admin)).compose(conn ->
        conn.preparedQuery("SELECT 1 FROM pg_database WHERE datname = $1").execute(Tuple.of(db))
            .compose(rows -> rows.size() > 0 ? Future.<Void>succeededFuture()
                : conn.query("CREATE DATABASE " + db).execute().<Void>mapEmpty()
                    .onSuccess(x -> LOG.info("sql: created database {}", db)))
            .eventually(conn::close));
  }

  public Set<StoreKind> kinds() {
    return kinds;
  }

  public StoreAddresses addresses() {
    return addresses;
  }

  public EmbeddedStores embedded() {
    return embedded;
  }

  public SqlDialect dialect() {
    return dialect;
  }

  public Pool sql() {
    return sql;
  }

  public MongoClient mongo() {
    return mongo;
  }

  public KeyValueCache cache() {
    return cache;
  }

  public KafkaAdminClient kafkaAdmin() {
    return kafkaAdmin;
  }

  /** Base client configuration for producers and consumers of this node. */
  public Map<String, String> kafkaConfig() {
    return kafkaConfig;
  }

  /** Closes clients, then stops embedded stores; bounded so a SIGTERM finishes in time. */
  public Future<Void> close() {
    List<Future<?>> closing = new ArrayList<>();
    if (sql != null) closing.add(sql.close());
    if (mongo != null) closing.add(mongo.close());
    if (cache != null) closing.add(cache.close());
    if (kafkaAdmin != null) closing.add(kafkaAdmin.close(2000));
    Vertx vertx = io.vertx.core.Vertx.currentContext() == null ? null : io.vertx.core.Vertx.currentContext().owner();
    Future<Void> clients = Future.join(closing).<Void>mapEmpty().recover(e -> Future.succeededFuture());
    if (vertx != null) clients = clients.timeout(3, java.util.concurrent.TimeUnit.SECONDS).recover(e -> Future.succeededFuture());
    return clients.compose(v -> {
      if (embedded == null) return Future.succeededFuture();
      EmbeddedStores emb = embedded;
      embedded = null;
      if (vertx == null) {
        emb.close();
        return Future.succeededFuture();
      }
      return vertx.executeBlocking(() -> {
        emb.close();
        return null;
      });
    });
  }

  /** Test helper: how long a cache entry should live. */
  public static Duration ttl(VmsConfig cfg) {
    return Duration.ofSeconds(cfg.integer("cache.ttlSeconds"));
  }
}
