package com.softdew.vms.platform.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.mssqlclient.MSSQLBuilder;
import io.vertx.mssqlclient.MSSQLConnectOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Everything that differs between SQL Server and PostgreSQL: placeholders, the current-time
 * expression, paging, the migration folder, and pool creation. Queries elsewhere are written once
 * with {@link #p(int)} for their parameters.
 */
public interface SqlDialect {
  String name();

  /** The n-th (1-based) parameter placeholder. */
  String p(int n);

  /** "ORDER BY ... " must precede; returns the clause that limits a result to n rows skipping offset. */
  String page(int limit, int offset);

  /** Column type for a long text (JSON documents). */
  String textType();

  Pool pool(Vertx vertx, String url, int size);

  /**
   * Binds the current transaction to a tenant for row-level security: PostgreSQL switches to the
   * non-superuser role {@code vms_app} and sets {@code vms.tenant_id}/{@code vms.platform} for the
   * transaction only; SQL Server sets SESSION_CONTEXT (cleared again by {@link #clearTenant}).
   */
  Future<Void> bindTenant(SqlConnection conn, String tenantId, boolean platform);

  /** Undoes {@link #bindTenant} where it outlives the transaction (SQL Server session context). */
  Future<Void> clearTenant(SqlConnection conn);

  static SqlDialect of(String name) {
    return switch (name) {
      case "postgresql" -> new Postgres();
      case "mssql" -> new SqlServer();
      default -> throw new IllegalArgumentException("unknown SQL dialect " + name);
    };
  }

  /** PostgreSQL through vertx-pg-client. */
  final class Postgres implements SqlDialect {
    public String name() {
      return "postgresql";
    }

    public String p(int n) {
      return "$" + n;
    }

    public String page(int limit, int offset) {
      return " LIMIT " + limit + " OFFSET " + offset;
    }

    public String textType() {
      return "TEXT";
    }

    public Future<Void> bindTenant(SqlConnection conn, String tenantId, boolean platform) {
      return conn.preparedQuery("SELECT set_config('role', 'vms_app', true), set_config('vms.tenant_id', $1, true),"
          + " set_config('vms.platform', $2, true)").execute(Tuple.of(tenantId, platform ? "on" : "off")).mapEmpty();
    }

    public Future<Void> clearTenant(SqlConnection conn) {
      return Future.succeededFuture(); // transaction-local settings end with the transaction
    }

    public Pool pool(Vertx vertx, String url, int size) {
      return PgBuilder.pool().with(new PoolOptions().setMaxSize(size).setName("vms-sql"))
          .connectingTo(PgConnectOptions.fromUri(url)).using(vertx).build();
    }
  }

  /** SQL Server through vertx-mssql-client. */
  final class SqlServer implements SqlDialect {
    public String name() {
      return "mssql";
    }

    public String p(int n) {
      return "@p" + n;
    }

    public String page(int limit, int offset) {
      return " OFFSET " + offset + " ROWS FETCH NEXT " + limit + " ROWS ONLY";
    }

    public String textType() {
      return "NVARCHAR(MAX)";
    }

    public Future<Void> bindTenant(SqlConnection conn, String tenantId, boolean platform) {
      return conn.preparedQuery("EXEC sp_set_session_context @key = N'vms.tenant_id', @value = @p1;"
          + " EXEC sp_set_session_context @key = N'vms.platform', @value = @p2").execute(Tuple.of(tenantId, platform ? "on" : "off")).mapEmpty();
    }

    public Future<Void> clearTenant(SqlConnection conn) {
      return conn.query("EXEC sp_set_session_context @key = N'vms.tenant_id', @value = NULL;"
          + " EXEC sp_set_session_context @key = N'vms.platform', @value = NULL").execute().mapEmpty();
    }

    public Pool pool(Vertx vertx, String url, int size) {
      return MSSQLBuilder.pool().with(new PoolOptions().setMaxSize(size).setName("vms-sql"))
          .connectingTo(MSSQLConnectOptions.fromUri(url)).using(vertx).build();
    }
  }
}
