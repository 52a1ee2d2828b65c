package com.softdew.vms.platform.store;

import com.softdew.vms.platform.testing.LocalPostgres;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

/** The store contract on the machine's PostgreSQL (a fresh database, dropped afterwards). */
class PostgresLocalConfigScopeStoreTest extends AbstractConfigScopeStoreTest {
  private final String db = LocalPostgres.freshName();

  @Override
  protected Pool openPool(Vertx vertx) throws Exception {
    LocalPostgres.exec(vertx, "CREATE DATABASE " + db);
    return dialect().pool(vertx, LocalPostgres.url(db), 4);
  }

  @Override
  protected SqlDialect dialect() {
    return new SqlDialect.Postgres();
  }

  @Override
  protected void closeBackend() throws Exception {
    LocalPostgres.exec(vertx, "DROP DATABASE IF EXISTS " + db);
  }
}
