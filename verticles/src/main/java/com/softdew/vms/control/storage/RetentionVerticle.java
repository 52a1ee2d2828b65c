package com.softdew.vms.control.storage;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.platform.store.TenantSql;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The index side of retention on the bus (docs/retention.md).
 * <ul>
 *   <li>{@link Addresses#STORAGE_CANDIDATES}: {nodeId, volume, bytesToFree, now} → the {@link RetentionPlanner} plan.</li>
 *   <li>{@link Addresses#STORAGE_DELETED}: {nodeId, deleted: [{tenantId, segmentId}]} → marks exactly those rows
 *       {@code state = 'deleted'} when they are still present, local, unprotected and on that node; every other id is
 *       refused and reported in the reply {ok, marked, already, refused: [{tenantId, segmentId, reason}]}; the janitor
 *       moves refused files back from its trash (a segment protected between plan and deletion survives).</li>
 *   <li>{@link Addresses#STORAGE_INCIDENT} (publish): stored in {@code storage_incident} and logged.</li>
 * </ul>
 * Bad input fails the request with code 400 and a message naming the field.
 */
public final class RetentionVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionVerticle.class);
  /** At most this many ids in one STORAGE_DELETED report. */
  public static final int MAX_REPORT = 10_000;

  private final TenantSql sql;
  private final RetentionPlanner planner;
  private final StorageIncidents incidents;
  private final MeterRegistry registry;
  private final Counter marked;
  private final Counter refused;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  public RetentionVerticle(TenantSql sql, RetentionPlanner planner, MeterRegistry registry) {
    this.sql = sql;
    this.planner = planner;
    this.incidents = new StorageIncidents(sql);
    this.registry = registry != null ? registry : new SimpleMeterRegistry();
    this.marked = Counter.builder("vms.retention.rows.deleted").description("index rows marked deleted after a janitor deleted the file")
        .register(this.registry);
    this.refused = Counter.builder("vms.retention.rows.refused").description("deletion reports refused (unknown, protected, other node)")
        .register(this.registry);
  }

  public RetentionPlanner planner() {
    return planner;
  }

  public StorageIncidents incidents() {
    return incidents;
  }

  @Override
  public Future<?> start() {
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_CANDIDATES, this::onCandidates));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_DELETED, this::onDeleted));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_INCIDENT, m -> record(m.body())));
    List<Future<Void>> regs = new ArrayList<>();
    consumers.forEach(c -> regs.add(c.completion()));
    return Future.all(regs);
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> f = new ArrayList<>();
    consumers.forEach(c -> f.add(c.unregister()));
    return Future.join(f);
  }

  /** Stores an incident; a bad one is logged (publish has nobody to answer). */
  public Future<JsonObject> record(JsonObject incident) {
    return incidents.record(incident).onSuccess(j -> registry.counter("vms.storage.incidents.recorded", "kind", j.getString("kind"),
        "tenant", j.getString("tenantId")).increment()).onFailure(e -> LOG.error("storage incident not recorded ({}): {}", e.getMessage(),
        incident));
  }

  private void onCandidates(Message<JsonObject> m) {
    JsonObject b = m.body();
    String nodeId = b == null ? null : b.getString("nodeId");
    if (nodeId == null || nodeId.isBlank()) {
      m.fail(400, "nodeId: required");
      return;
    }
    long bytesToFree;
    Instant now;
    try {
      bytesToFree = b.getLong("bytesToFree", 0L);
      Object n = b.getValue("now");
      now = n == null ? Instant.now() : n instanceof Number x ? Instant.ofEpochMilli(x.longValue()) : Instant.parse(n.toString());
    } catch (RuntimeException e) {
      m.fail(400, "bytesToFree must be a number of bytes and now epoch milliseconds or an ISO-8601 instant: " + e.getMessage());
      return;
    }
    if (bytesToFree < 0) {
      m.fail(400, "bytesToFree: must be >= 0");
      return;
    }
    planner.plan(nodeId, bytesToFree, now).onComplete(ar -> {
      if (ar.succeeded()) {
        RetentionPlanner.Plan p = ar.result();
        LOG.info("retention plan for node {} volume {}: {} candidates, {} bytes (asked {}), index holds {} segments / {} bytes{}", nodeId,
            b.getString("volume", ""), p.candidates().size(), p.plannedBytes(), bytesToFree, p.indexedSegments(), p.indexedBytes(),
            p.truncated() ? " (truncated)" : "");
        m.reply(p.toJson());
      } else {
        LOG.error("retention plan for node {} failed: {}", nodeId, ar.cause().toString());
        m.fail(ar.cause() instanceof IllegalArgumentException ? 400 : 500, String.valueOf(ar.cause().getMessage()));
      }
    });
  }

  private void onDeleted(Message<JsonObject> m) {
    JsonObject b = m.body();
    String nodeId = b == null ? null : b.getString("nodeId");
    if (nodeId == null || nodeId.isBlank()) {
      m.fail(400, "nodeId: required");
      return;
    }
    JsonArray list = b.getJsonArray("deleted");
    if (list == null || list.size() > MAX_REPORT) {
      m.fail(400, "deleted: an array of at most " + MAX_REPORT + " {tenantId, segmentId}");
      return;
    }
    Map<String, List<String>> byTenant = new LinkedHashMap<>();
    JsonArray bad = new JsonArray();
    for (int i = 0; i < list.size(); i++) {
      Object o = list.getValue(i);
      JsonObject e = o instanceof JsonObject j ? j : null;
      String t = e == null ? null : e.getString("tenantId");
      String s = e == null ? null : e.getString("segmentId");
      if (t == null || !StorageIncidents.TENANT.matcher(t).matches() || s == null || s.isEmpty() || s.length() > 160) {
        bad.add(new JsonObject().put("index", i).put("reason", "deleted[" + i + "]: tenantId and segmentId required"));
        continue;
      }
      byTenant.computeIfAbsent(t, k -> new ArrayList<>()).add(s);
    }
    long at = System.currentTimeMillis();
    List<Future<JsonObject>> parts = new ArrayList<>();
    byTenant.forEach((t, ids) -> parts.add(markTenant(nodeId, t, ids, at)));
    Future.all(parts).onComplete(ar -> {
      if (ar.failed()) {
        LOG.error("deletion report of node {} not stored: {}", nodeId, ar.cause().toString());
        m.fail(500, "deletion report not stored: " + ar.cause().getMessage());
        return;
      }
      int n = 0;
      int already = 0;
      JsonArray ref = bad.copy();
      for (Future<JsonObject> f : parts) {
        n += f.result().getInteger("marked");
        already += f.result().getInteger("already");
        ref.addAll(f.result().getJsonArray("refused"));
      }
      marked.increment(n);
      refused.increment(ref.size());
      if (!ref.isEmpty()) LOG.warn("deletion report of node {}: {} rows marked, {} refused: {}", nodeId, n, ref.size(), ref.encode());
      m.reply(new JsonObject().put("ok", true).put("marked", n).put("already", already).put("refused", ref));
    });
  }

  /** Marks one tenant's reported rows deleted (only present, local, unprotected rows of that node); explains the rest. */
  private Future<JsonObject> markTenant(String nodeId, String tenantId, List<String> ids, long at) {
    var d = sql.dialect();
    List<Tuple> batch = new ArrayList<>();
    for (String id : ids) batch.add(Tuple.of(at, tenantId, id, nodeId, false, true));
    return sql.inTenant(tenantId, c -> c.preparedQuery("UPDATE recording_segment SET state = 'deleted', local_present = " + d.p(5)
            + ", deleted_ms = " + d.p(1) + " WHERE tenant_id = " + d.p(2) + " AND segment_id = " + d.p(3) + " AND node_id = " + d.p(4)
            + " AND state = 'present' AND protected = " + d.p(5) + " AND local_present = " + d.p(6)).executeBatch(batch)
        .compose(rs -> {
          List<String> notMarked = new ArrayList<>();
          int n = 0;
          RowSet<Row> r = rs;
          for (String id : ids) {
            int count = r == null ? 0 : r.rowCount();
            if (count > 0) n++;
            else notMarked.add(id);
            r = r == null ? null : r.next();
          }
          int marked = n;
          if (notMarked.isEmpty()) return Future.succeededFuture(new JsonObject().put("marked", marked).put("already", 0).put("refused", new JsonArray()));
          List<Tuple> q = new ArrayList<>();
          for (String id : notMarked) q.add(Tuple.of(tenantId, id));
          return c.preparedQuery("SELECT segment_id, state, protected, node_id, local_present FROM recording_segment WHERE tenant_id = " + d.p(1)
              + " AND segment_id = " + d.p(2)).executeBatch(q).map(sel -> {
                JsonArray refusedList = new JsonArray();
                int already = 0;
                RowSet<Row> s = sel;
                for (String id : notMarked) {
                  Row row = s == null || s.size() == 0 ? null : s.iterator().next();
                  s = s == null ? null : s.next();
                  String reason;
                  if (row == null) reason = "unknown segment";
                  else if (!nodeId.equals(row.getString(3))) reason = "segment of node " + row.getString(3);
                  else if ("deleted".equals(row.getString(1))) {
                    already++; // a repeated report (the janitor resends when it did not get the reply): nothing to do
                    continue;
                  } else if (Boolean.TRUE.equals(row.getBoolean(2))) reason = "protected";
                  else reason = "not a local present segment (state " + row.getString(1) + ", localPresent " + row.getBoolean(4) + ")";
                  refusedList.add(new JsonObject().put("tenantId", tenantId).put("segmentId", id).put("reason", reason));
                  if ("protected".equals(reason)) {
                    // protected after it was planned: the janitor keeps the file in its trash until this answer and puts it back
                    LOG.warn("node {} reports protected segment {} of tenant {} deleted: refused, the janitor restores it", nodeId, id, tenantId);
                  }
                }
                return new JsonObject().put("marked", marked).put("already", already).put("refused", refusedList);
              });
        }));
  }
}
