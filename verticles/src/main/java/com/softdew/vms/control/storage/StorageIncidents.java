package com.softdew.vms.control.storage;

import com.softdew.vms.platform.store.TenantSql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Table {@code storage_incident}: what a janitor or the index refused to do and why (index unavailable or
 * inconsistent, checksum mismatch, volume full, ...). An incident about one tenant's file is stored under that
 * tenant; a node-wide one under {@link TenantSql#PLATFORM_TENANT} (visible to platform operators only).
 */
public final class StorageIncidents {
  private static final Logger LOG = LoggerFactory.getLogger(StorageIncidents.class);
  static final Pattern KIND = Pattern.compile("[a-z0-9-]{1,32}");
  static final Pattern TENANT = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  static final int MAX_DETAIL = 4000;

  private final TenantSql sql;

  public StorageIncidents(TenantSql sql) {
    this.sql = sql;
  }

  /**
   * Stores one incident {nodeId, volume, kind, detail, at, tenantId?} ({@code at}: epoch ms or ISO-8601, default now)
   * and returns it with its id and tenant; a bad field is an {@link IllegalArgumentException} naming it.
   */
  public Future<JsonObject> record(JsonObject msg) {
    if (msg == null) return Future.failedFuture(new IllegalArgumentException("body: a JSON object is required"));
    String nodeId = msg.getString("nodeId");
    if (nodeId == null || nodeId.isBlank() || nodeId.length() > 64) {
      return Future.failedFuture(new IllegalArgumentException("nodeId: required, at most 64 characters"));
    }
    String kind = msg.getString("kind");
    if (kind == null || !KIND.matcher(kind).matches()) {
      return Future.failedFuture(new IllegalArgumentException("kind: must match " + KIND + ", got " + kind));
    }
    String tenant = msg.getString("tenantId");
    if (tenant == null || tenant.isEmpty()) tenant = TenantSql.PLATFORM_TENANT;
    if (!TENANT.matcher(tenant).matches()) return Future.failedFuture(new IllegalArgumentException("tenantId: must match " + TENANT));
    long at;
    try {
      Object a = msg.getValue("at");
      at = a == null ? System.currentTimeMillis() : a instanceof Number n ? n.longValue() : Instant.parse(a.toString()).toEpochMilli();
    } catch (RuntimeException e) {
      return Future.failedFuture(new IllegalArgumentException("at: epoch milliseconds or an ISO-8601 instant"));
    }
    String detail = String.valueOf(msg.getString("detail", ""));
    if (detail.length() > MAX_DETAIL) detail = detail.substring(0, MAX_DETAIL) + "...";
    String volume = msg.getString("volume", "");
    String id = UUID.randomUUID().toString();
    String t = tenant;
    String dt = detail;
    long atMs = at;
    var d = sql.dialect();
    return sql.inTenant(tenant, c -> c.preparedQuery("INSERT INTO storage_incident (tenant_id, incident_id, node_id, volume, kind, detail, at_ms)"
            + " VALUES (" + d.p(1) + ", " + d.p(2) + ", " + d.p(3) + ", " + d.p(4) + ", " + d.p(5) + ", " + d.p(6) + ", " + d.p(7) + ")")
        .execute(Tuple.of(t, id, nodeId, volume, kind, dt, atMs)))
        .map(v -> {
          LOG.warn("storage incident {} on node {} volume {} (tenant {}): {}", kind, nodeId, volume, t, dt);
          return toJson(t, id, nodeId, volume, kind, dt, atMs);
        });
  }

  /**
   * Newest first. {@code tenantId} null = every tenant and the node-wide ones (platform operator only); otherwise
   * that tenant's incidents, read inside the tenant (row-level security).
   */
  public Future<JsonArray> list(String tenantId, String nodeId, String kind, int limit) {
    var d = sql.dialect();
    StringBuilder q = new StringBuilder("SELECT tenant_id, incident_id, node_id, volume, kind, detail, at_ms FROM storage_incident WHERE 1 = 1");
    Tuple args = Tuple.tuple();
    int n = 1;
    if (tenantId != null) {
      q.append(" AND tenant_id = ").append(d.p(n++));
      args.addString(tenantId);
    }
    if (nodeId != null) {
      q.append(" AND node_id = ").append(d.p(n++));
      args.addString(nodeId);
    }
    if (kind != null) {
      q.append(" AND kind = ").append(d.p(n));
      args.addString(kind);
    }
    q.append(" ORDER BY at_ms DESC, incident_id").append(d.page(limit, 0));
    java.util.function.Function<io.vertx.sqlclient.SqlConnection, Future<JsonArray>> work = c -> c.preparedQuery(q.toString()).execute(args)
        .map(rows -> {
          JsonArray out = new JsonArray();
          for (Row r : rows) {
            out.add(toJson(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5), r.getLong(6)));
          }
          return out;
        });
    return tenantId == null ? sql.asPlatform(work) : sql.inTenant(tenantId, work);
  }

  static JsonObject toJson(String tenant, String id, String nodeId, String volume, String kind, String detail, long at) {
    return new JsonObject().put("incidentId", id).put("tenantId", tenant).put("nodeId", nodeId).put("volume", volume).put("kind", kind)
        .put("detail", detail).put("at", Instant.ofEpochMilli(at).toString());
  }
}
