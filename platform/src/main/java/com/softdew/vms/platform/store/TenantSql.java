package com.softdew.vms.platform.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The only way application code runs SQL on tenant tables: every unit of work is a transaction bound
 * to one tenant, so row-level security (PostgreSQL policies, SQL Server security policy) filters and
 * checks every row even if a query forgets its WHERE. {@link #asPlatform} is the explicit cross-tenant
 * path for the platform operator and for login (a username is looked up before its tenant is known).
 */
public final class TenantSql {
  /** Pseudo-tenant of platform operators. */
  public static final String PLATFORM_TENANT = "_platform";
  private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final SqlDialect dialect;
  private final Pool pool;

  public TenantSql(SqlDialect dialect, Pool pool) {
    this.dialect = dialect;
    this.pool = pool;
  }

  public SqlDialect dialect() {
    return dialect;
  }

  /** Runs {@code work} in a transaction that sees only {@code tenantId}'s rows. */
  public <T> Future<T> inTenant(String tenantId, Function<SqlConnection, Future<T>> work) {
    if (tenantId == null || !TENANT.matcher(tenantId).matches()) {
      return Future.failedFuture(new IllegalArgumentException("tenant id must match " + TENANT + ", got " + tenantId));
    }
    return run(tenantId, false, work);
  }

  /** Runs {@code work} across all tenants; callers must hold the platform-operator permission or be the login flow. */
  public <T> Future<T> asPlatform(Function<SqlConnection, Future<T>> work) {
    return run(PLATFORM_TENANT, true, work);
  }

  private <T> Future<T> run(String tenantId, boolean platform, Function<SqlConnection, Future<T>> work) {
    return pool.withTransaction(conn -> dialect.bindTenant(conn, tenantId, platform)
        .compose(v -> work.apply(conn))
        .compose(r -> dialect.clearTenant(conn).map(r), e -> dialect.clearTenant(conn).transform(x -> Future.failedFuture(e))));
  }
}
