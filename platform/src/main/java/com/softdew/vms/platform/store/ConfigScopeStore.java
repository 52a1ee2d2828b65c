package com.softdew.vms.platform.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * SQL persistence of configuration scopes (every call bound to the scope's tenant through {@link TenantSql}): the current document of each scope and every version it
 * ever had (for history and rollback). Updates are optimistic: a writer names the version it read and
 * loses with {@link VersionConflictException} when another writer got there first.
 */
public final class ConfigScopeStore {
  private final SqlDialect d;
  private final TenantSql sql;

  public ConfigScopeStore(SqlDialect dialect, Pool pool) {
    this.d = dialect;
    this.sql = new TenantSql(dialect, pool);
  }

  /** A stored version of a scope document. */
  public record ScopeVersion(ScopeRef ref, int version, JsonObject doc, String actor, String at, String note) {
    public JsonObject toJson() {
      return new JsonObject().put("scope", ref.label()).put("version", version).put("doc", doc)
          .put("actor", actor).put("at", at).put("note", note);
    }
  }

  /** Another writer changed the scope since the caller read it. */
  public static final class VersionConflictException extends RuntimeException {
    public VersionConflictException(ScopeRef ref, int expected) {
      super(ref.label() + " is no longer at version " + expected);
    }
  }

  /** The current document, or null when the scope was never written. */
  public Future<ScopeVersion> current(ScopeRef ref) {
    return sql.inTenant(ref.tenantId(), conn -> conn.preparedQuery("SELECT version, doc, updated_by, updated_at FROM config_scope WHERE tenant_id = "
            + d.p(1) + " AND scope = " + d.p(2) + " AND scope_id = " + d.p(3))
        .execute(Tuple.of(ref.tenantId(), ref.level().id(), ref.id())))
        .map(rows -> {
          if (rows.size() == 0) return null;
          Row r = rows.iterator().next();
          return new ScopeVersion(ref, r.getInteger(0), new JsonObject(r.getString(1)), r.getString(2), r.getString(3), null);
        });
  }

  /**
   * Writes a new version. {@code expectedVersion} 0 means "the scope must not exist yet". The new
   * version row and the current row change in one transaction.
   */
  public Future<ScopeVersion> write(ScopeRef ref, JsonObject doc, int expectedVersion, String actor, String note) {
    int next = expectedVersion + 1;
    String at = Instant.now().toString();
    String text = doc.encode();
    return sql.inTenant(ref.tenantId(), conn -> {
      Future<RowSet<Row>> upsert = expectedVersion == 0
          ? conn.preparedQuery("INSERT INTO config_scope (tenant_id, scope, scope_id, version, doc, updated_by, updated_at) VALUES ("
                  + d.p(1) + ", " + d.p(2) + ", " + d.p(3) + ", " + d.p(4) + ", " + d.p(5) + ", " + d.p(6) + ", " + d.p(7) + ")")
              .execute(Tuple.of(ref.tenantId(), ref.level().id(), ref.id(), next, text, actor, at))
              .recover(e -> Future.failedFuture(new VersionConflictException(ref, expectedVersion)))
          : conn.preparedQuery("UPDATE config_scope SET version = " + d.p(1) + ", doc = " + d.p(2) + ", updated_by = " + d.p(3)
                  + ", updated_at = " + d.p(4) + " WHERE tenant_id = " + d.p(5) + " AND scope = " + d.p(6)
                  + " AND scope_id = " + d.p(7) + " AND version = " + d.p(8))
              .execute(Tuple.from(List.of(next, text, actor, at, ref.tenantId(), ref.level().id(), ref.id(), expectedVersion)));
      return upsert.compose(rs -> {
        if (rs.rowCount() != 1) return Future.failedFuture(new VersionConflictException(ref, expectedVersion));
        return conn.preparedQuery("INSERT INTO config_version (tenant_id, scope, scope_id, version, doc, actor, created_at, change_note) VALUES ("
                + d.p(1) + ", " + d.p(2) + ", " + d.p(3) + ", " + d.p(4) + ", " + d.p(5) + ", " + d.p(6) + ", " + d.p(7) + ", " + d.p(8) + ")")
            .execute(Tuple.from(java.util.Arrays.asList(ref.tenantId(), ref.level().id(), ref.id(), next, text, actor, at, note)))
            .map(v -> new ScopeVersion(ref, next, doc.copy(), actor, at, note));
      });
    });
  }

  /** Versions of a scope, newest first. */
  public Future<List<ScopeVersion>> history(ScopeRef ref, int limit, int offset) {
    return sql.inTenant(ref.tenantId(), conn -> conn.preparedQuery("SELECT version, doc, actor, created_at, change_note FROM config_version WHERE tenant_id = "
            + d.p(1) + " AND scope = " + d.p(2) + " AND scope_id = " + d.p(3) + " ORDER BY version DESC" + d.page(limit, offset))
        .execute(Tuple.of(ref.tenantId(), ref.level().id(), ref.id())))
        .map(rows -> {
          List<ScopeVersion> out = new ArrayList<>();
          for (Row r : rows) out.add(new ScopeVersion(ref, r.getInteger(0), new JsonObject(r.getString(1)), r.getString(2), r.getString(3), r.getString(4)));
          return out;
        });
  }

  /** One past version, or null. */
  public Future<ScopeVersion> version(ScopeRef ref, int version) {
    return sql.inTenant(ref.tenantId(), conn -> conn.preparedQuery("SELECT doc, actor, created_at, change_note FROM config_version WHERE tenant_id = "
            + d.p(1) + " AND scope = " + d.p(2) + " AND scope_id = " + d.p(3) + " AND version = " + d.p(4))
        .execute(Tuple.of(ref.tenantId(), ref.level().id(), ref.id(), version)))
        .map(rows -> {
          if (rows.size() == 0) return null;
          Row r = rows.iterator().next();
          return new ScopeVersion(ref, version, new JsonObject(r.getString(0)), r.getString(1), r.getString(2), r.getString(3));
        });
  }
}
