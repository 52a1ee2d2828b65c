package com.softdew.vms.platform.testing;

import java.util.UUID;

/**
 * A throw-away database on the machine's PostgreSQL (127.0.0.1:5432, trust auth), which
 * scripts/test.sh makes sure is running. Created and dropped through psql-free SQL over the
 * Vert.x client in the tests that use it; this class only names it.
 */
public final class LocalPostgres {
  private LocalPostgres() {}

  public static final String ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

  public static String freshName() {
    return "vms_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  public static String url(String db) {
    return "postgresql://postgres@127.0.0.1:5432/" + db;
  }

  /** Creates or drops a database, blocking (test set-up only). */
  public static void exec(io.vertx.core.Vertx vertx, String sql) throws Exception {
    io.vertx.pgclient.PgConnection.connect(vertx, io.vertx.pgclient.PgConnectOptions.fromUri(ADMIN_URL))
        .compose(c -> c.query(sql).execute().eventually(c::close))
        .toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
  }

}
