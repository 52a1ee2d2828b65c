package com.softdew.vms.platform.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies versioned migrations {@code db/<dialect>/V<n>.sql} (n = 1, 2, ... without gaps) from the
 * classpath, each in its own transaction, recording version and checksum in {@code schema_version}.
 * A changed checksum of an applied migration stops the start: history is never rewritten.
 *
 * <p>Hand-written on purpose: Flyway and Liquibase need a JDBC driver and block the caller, and the
 * process talks SQL only through the reactive Vert.x clients. Statements are separated by lines that
 * hold only {@code ;} or {@code GO} (SQL Server's batch separator).
 */
public final class SqlMigrator {
  private static final Logger LOG = LoggerFactory.getLogger(SqlMigrator.class);

  private final SqlDialect dialect;
  private final Pool pool;

  public SqlMigrator(SqlDialect dialect, Pool pool) {
    this.dialect = dialect;
    this.pool = pool;
  }

  record Migration(int version, String description, List<String> statements, String checksum) {}

  /** Applies what is missing; completes with the schema version reached. */
  public Future<Integer> migrate(Vertx vertx) {
    return vertx.executeBlocking(() -> load(dialect.name()))
        .compose(migrations -> pool.query(createVersionTable()).execute()
            .compose(v -> pool.query("SELECT version, checksum FROM schema_version").execute())
            .compose(rows -> {
              java.util.Map<Integer, String> applied = new java.util.HashMap<>();
              for (Row r : rows) applied.put(r.getInteger(0), r.getString(1));
              Future<Void> chain = Future.succeededFuture();
              int reached = 0;
              for (Migration m : migrations) {
                String sum = applied.get(m.version());
                if (sum != null) {
                  if (!sum.equals(m.checksum())) {
                    return Future.failedFuture(new IllegalStateException("migration V" + m.version()
                        + " of " + dialect.name() + " changed after it was applied (checksum " + sum + " -> " + m.checksum() + ")"));
                  }
                } else {
                  chain = chain.compose(v -> apply(m));
                }
                reached = m.version();
              }
              int finalReached = reached;
              Set<Integer> known = migrations.stream().map(Migration::version).collect(Collectors.toSet());
              for (Integer v : applied.keySet()) {
                if (!known.contains(v)) LOG.warn("schema_version has V{} that this build does not know (newer build ran here?)", v);
              }
              return chain.map(v -> finalReached);
            }));
  }

  private String createVersionTable() {
    String ddl = "CREATE TABLE schema_version (version INT PRIMARY KEY, description VARCHAR(200) NOT NULL,"
        + " checksum VARCHAR(64) NOT NULL, applied_at VARCHAR(40) NOT NULL)";
    return dialect.name().equals("mssql")
        ? "IF OBJECT_ID('schema_version', 'U') IS NULL " + ddl
        : ddl.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS");
  }

  private Future<Void> apply(Migration m) {
    return pool.withTransaction(conn -> {
      Future<Void> f = Future.succeededFuture();
      for (String stmt : m.statements()) f = f.compose(v -> conn.query(stmt).execute().mapEmpty());
      return f.compose(v -> conn.preparedQuery("INSERT INTO schema_version (version, description, checksum, applied_at) VALUES ("
              + dialect.p(1) + ", " + dialect.p(2) + ", " + dialect.p(3) + ", " + dialect.p(4) + ")")
          .execute(Tuple.of(m.version(), m.description(), m.checksum(), java.time.Instant.now().toString())).<Void>mapEmpty());
    }).onSuccess(v -> LOG.info("applied {} migration V{} ({})", dialect.name(), m.version(), m.description()));
  }

  static List<Migration> load(String dialect) throws IOException, NoSuchAlgorithmException {
    List<Migration> out = new ArrayList<>();
    for (int v = 1; ; v++) {
      String path = "db/" + dialect + "/V" + v + ".sql";
      try (InputStream in = SqlMigrator.class.getClassLoader().getResourceAsStream(path)) {
        if (in == null) break;
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        String description = text.lines().findFirst().orElse("").replaceFirst("^--\\s*", "").trim();
        List<String> statements = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : text.split("\n")) {
          String t = line.trim();
          if (t.equals(";") || t.equalsIgnoreCase("GO")) {
            if (!cur.toString().isBlank()) statements.add(cur.toString().trim());
            cur.setLength(0);
          } else if (!t.startsWith("--")) {
            cur.append(line).append('\n');
          }
        }
        if (!cur.toString().isBlank()) statements.add(cur.toString().trim());
        String sum = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        out.add(new Migration(v, description, statements, sum));
      }
    }
    if (out.isEmpty()) throw new IllegalStateException("no migrations found under db/" + dialect);
    return out;
  }
}
