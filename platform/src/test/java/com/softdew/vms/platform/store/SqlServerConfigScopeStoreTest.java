package com.softdew.vms.platform.store;


import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The store contract on SQL Server. No SQL Server can be installed on the project's Debian machines
 * (no Microsoft packages, no Docker engine), so this runs only where {@code VMS_TEST_MSSQL_URL} names
 * one (sqlserver://user:password@host:1433/database, an empty database); elsewhere it is reported as
 * skipped with that reason.
 */
@EnabledIfEnvironmentVariable(named = "VMS_TEST_MSSQL_URL", matches = ".+",
    disabledReason = "no SQL Server here: VMS_TEST_MSSQL_URL is unset and none can be installed on these machines")
class SqlServerConfigScopeStoreTest extends AbstractConfigScopeStoreTest {
  static final String URL = System.getenv("VMS_TEST_MSSQL_URL");

  @Override
  protected Pool openPool(Vertx vertx) {
    return dialect().pool(vertx, URL, 4);
  }

  @Override
  protected SqlDialect dialect() {
    return new SqlDialect.SqlServer();
  }
}
