package com.softdew.vms.platform.store;

import io.vertx.core.Vertx;
import io.vertx.mssqlclient.MSSQLBuilder;
import io.vertx.mssqlclient.MSSQLConnectOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

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

    public Pool pool(Vertx vertx, String url, int size) {
      return MSSQLBuilder.pool().with(new PoolOptions().setMaxSize(size).setName("vms-sql"))
          .connectingTo(MSSQLConnectOptions.fromUri(url)).using(vertx).build();
    }
  }
}
