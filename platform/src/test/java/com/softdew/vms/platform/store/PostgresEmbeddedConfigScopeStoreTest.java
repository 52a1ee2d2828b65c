package com.softdew.vms.platform.store;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;

/** The store contract on the embedded PostgreSQL that scripts/run.sh uses when no local server answers. */
class PostgresEmbeddedConfigScopeStoreTest extends AbstractConfigScopeStoreTest {
  private EmbeddedPostgres pg;
  private Path dir;

  @Override
  protected Pool openPool(Vertx vertx) throws Exception {
    dir = Files.createTempDirectory("vms-embedded-pg");
    pg = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pg")).setCleanDataDirectory(true).start();
    return dialect().pool(vertx, "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres", 4);
  }

  @Override
  protected SqlDialect dialect() {
    return new SqlDialect.Postgres();
  }

  @Override
  protected void closeBackend() throws Exception {
    if (pg != null) pg.close();
  }
}
