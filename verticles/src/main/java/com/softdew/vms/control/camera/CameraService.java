package com.softdew.vms.control.camera;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.auth.Principal;
import com.softdew.vms.control.auth.crypto.SecretBox;
import com.softdew.vms.control.tenant.TenantDirectory;
import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.store.AuditLog;
import com.softdew.vms.platform.store.SqlDialect;
import com.softdew.vms.platform.store.TenantSql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The camera registry of a tenant: cameras attached anywhere in the site hierarchy, with tags and
 * credentials (sealed with {@link SecretBox}, never returned). Adding a camera takes the tenant's
 * licence row lock, counts, and refuses the one over the limit (409 naming it), so concurrent adds
 * cannot overshoot. Bulk import validates every row first and reports each bad one.
 */
public final class CameraService {
  static final String COLUMNS = "camera_id, name, node_id, tags, vendor, model, serial, host, onvif_url, rtsp_main, rtsp_sub,"
      + " auth_type, username, secret_sealed, plugin, enabled, version, created_at, updated_at, main_resolution, main_bitrate, main_fps, main_codec";

  private final Vertx vertx;
  private final TenantSql sql;
  private final SqlDialect d;
  private final SecretBox box;
  private final TenantDirectory tenants;
  private final AuditLog audit;

  public CameraService(Vertx vertx, TenantSql sql, SecretBox box, TenantDirectory tenants, AuditLog audit) {
    this.vertx = vertx;
    this.sql = sql;
    this.d = sql.dialect();
    this.box = box;
    this.tenants = tenants;
    this.audit = audit;
  }

  static JsonObject toJson(String tenantId, Row r) {
    return new JsonObject().put("tenantId", tenantId).put("cameraId", r.getString("camera_id")).put("name", r.getString("name"))
        .put("nodeId", r.getString("node_id")).put("tags", new JsonArray(split(r.getString("tags"))))
        .put("vendor", r.getString("vendor")).put("model", r.getString("model")).put("serial", r.getString("serial"))
        .put("host", r.getString("host")).put("onvifUrl", r.getString("onvif_url")).put("rtspMain", r.getString("rtsp_main"))
        .put("rtspSub", r.getString("rtsp_sub")).put("authType", r.getString("auth_type")).put("username", r.getString("username"))
        .put("hasSecret", r.getString("secret_sealed") != null).put("plugin", r.getString("plugin")).put("enabled", r.getBoolean("enabled"))
        .put("version", r.getInteger("version")).put("createdAt", r.getString("created_at")).put("updatedAt", r.getString("updated_at"))
        .put("resolution", r.getString("main_resolution")).put("bitrate", r.getLong("main_bitrate")).put("fps", r.getDouble("main_fps"))
        .put("codec", r.getString("main_codec"));
  }

  /** What a registered camera's main stream delivers, as far as known (for model requirements). */
  public Future<com.softdew.vms.model.VideoJob.SourceQuality> quality(String tenantId, String cameraId) {
    return get(tenantId, cameraId).map(c -> new com.softdew.vms.model.VideoJob.SourceQuality(c.getString("resolution", ""),
        c.getLong("bitrate", 0L), c.getDouble("fps", 0.0), c.getString("codec", "")));
  }

  static List<String> split(String s) {
    return s == null || s.isEmpty() ? List.of() : Arrays.asList(s.split(";"));
  }

  private String seal(String tenantId, String cameraId, String secret) {
    return secret == null ? null : box.seal(secret, "camera:" + tenantId + ":" + cameraId);
  }

  /** The camera's credentials in clear, for ingest/ONVIF clients on the same node (never for the API). */
  public Future<String> secretOf(String tenantId, String cameraId) {
    return sql.inTenant(tenantId, c -> c.preparedQuery("SELECT secret_sealed FROM camera WHERE camera_id = " + d.p(1)).execute(Tuple.of(cameraId)))
        .map(rows -> {
          if (rows.size() == 0) throw ApiException.notFound("no camera " + cameraId);
          String s = rows.iterator().next().getString(0);
          return s == null ? null : box.open(s, "camera:" + tenantId + ":" + cameraId);
        });
  }

  // ------------------------------------------------------------------ reads

  /** Probe targets of every tenant (platform-wide read for the health monitor, credentials opened). */
  public record ProbeTarget(String tenantId, String cameraId, String rtspMain, String username, String secret, String plugin, String onvifUrl,
      String rtspSub) {}

  public Future<List<ProbeTarget>> probeTargets() {
    return sql.asPlatform(c -> c.query("SELECT tenant_id, camera_id, rtsp_main, username, secret_sealed, plugin, onvif_url, rtsp_sub FROM camera WHERE enabled")
        .execute()).map(rows -> {
          List<ProbeTarget> out = new ArrayList<>();
          for (Row r : rows) {
            String sealed = r.getString(4);
            String secret = null;
            try {
              secret = sealed == null ? null : box.open(sealed, "camera:" + r.getString(0) + ":" + r.getString(1));
            } catch (IllegalArgumentException e) {
              // a secret sealed under another key-encryption key: probed without credentials, reported as not authenticated
            }
            out.add(new ProbeTarget(r.getString(0), r.getString(1), r.getString(2), r.getString(3), secret, r.getString(5), r.getString(6),
                r.getString(7)));
          }
          return out;
        });
  }

  public Future<JsonArray> list(String tenantId, String nodeId, String tag, String text, int limit, int offset) {
    return sql.inTenant(tenantId, c -> nodesUnder(c, nodeId).compose(nodes -> c.query("SELECT " + COLUMNS + " FROM camera ORDER BY name, camera_id").execute()
        .map(rows -> {
          List<JsonObject> out = new ArrayList<>();
          for (Row r : rows) {
            if (nodes != null && !nodes.contains(r.getString("node_id"))) continue;
            if (tag != null && !split(r.getString("tags")).contains(tag)) continue;
            if (text != null && !(r.getString("name") + " " + r.getString("host") + " " + r.getString("serial")).toLowerCase().contains(text.toLowerCase())) continue;
            out.add(toJson(tenantId, r));
          }
          return new JsonArray(out.stream().skip(offset).limit(limit).toList());
        })));
  }

  /** The node and all its descendants (site → building → floor → zone), or null for "any". */
  private Future<Set<String>> nodesUnder(SqlConnection c, String nodeId) {
    if (nodeId == null) return Future.succeededFuture(null);
    return c.query("SELECT node_id, parent_id FROM site_node").execute().map(rows -> {
      Map<String, List<String>> children = new HashMap<>();
      for (Row r : rows) children.computeIfAbsent(r.getString(1), k -> new ArrayList<>()).add(r.getString(0));
      Set<String> out = new HashSet<>();
      List<String> todo = new ArrayList<>(List.of(nodeId));
      while (!todo.isEmpty()) {
        String n = todo.remove(todo.size() - 1);
        if (out.add(n)) todo.addAll(children.getOrDefault(n, List.of()));
      }
      return out;
    });
  }

  public Future<JsonObject> get(String tenantId, String cameraId) {
    return sql.inTenant(tenantId, c -> c.preparedQuery("SELECT " + COLUMNS + " FROM camera WHERE camera_id = " + d.p(1)).execute(Tuple.of(cameraId)))
        .map(rows -> {
          if (rows.size() == 0) throw ApiException.notFound("no camera " + cameraId);
          return toJson(tenantId, rows.iterator().next());
        });
  }

  /** The site (root of the hierarchy) a camera belongs to, for the configuration chain; null when unattached. */
  public Future<String> siteOf(String tenantId, String cameraId) {
    return sql.inTenant(tenantId, c -> c.preparedQuery("SELECT node_id FROM camera WHERE camera_id = " + d.p(1)).execute(Tuple.of(cameraId))
        .compose(rows -> {
          if (rows.size() == 0) return Future.failedFuture(ApiException.notFound("no camera " + cameraId));
          String node = rows.iterator().next().getString(0);
          if (node == null) return Future.succeededFuture(null);
          return c.query("SELECT node_id, parent_id FROM site_node").execute().map(all -> {
            Map<String, String> parent = new HashMap<>();
            for (Row r : all) parent.put(r.getString(0), r.getString(1));
            String cur = node;
            for (int i = 0; i < 10 && parent.get(cur) != null; i++) cur = parent.get(cur);
            return cur;
          });
        }));
  }

  // ------------------------------------------------------------------ writes

  private Future<Void> checkNode(SqlConnection c, String nodeId) {
    if (nodeId == null) return Future.succeededFuture();
    return c.preparedQuery("SELECT 1 FROM site_node WHERE node_id = " + d.p(1)).execute(Tuple.of(nodeId))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(ApiException.invalid("nodeId", "no site node " + nodeId + " in this tenant"))
            : Future.succeededFuture());
  }

  /** Locks the tenant's licence row (serialises adds) and returns the current camera count. */
  private Future<Integer> lockAndCount(SqlConnection c, String tenantId) {
    return c.preparedQuery("UPDATE licence SET version = version WHERE tenant_id = " + d.p(1)).execute(Tuple.of(tenantId))
        .compose(v -> c.query("SELECT count(*) FROM camera").execute())
        .map(rows -> rows.iterator().next().getLong(0).intValue());
  }

  private Future<Void> insert(SqlConnection c, String tenantId, String cameraId, CameraInput in) {
    String now = Instant.now().toString();
    return c.preparedQuery("INSERT INTO camera (tenant_id, camera_id, name, node_id, tags, vendor, model, serial, host, onvif_url, rtsp_main,"
            + " rtsp_sub, auth_type, username, secret_sealed, plugin, enabled, version, created_at, updated_at, main_resolution, main_bitrate,"
            + " main_fps, main_codec) VALUES (" + String.join(", ", java.util.stream.IntStream.rangeClosed(1, 24).mapToObj(d::p).toList()) + ")")
        .execute(Tuple.from(Arrays.asList(tenantId, cameraId, in.name(), in.nodeId(), String.join(";", in.tags()), in.vendor(), in.model(),
            in.serial(), in.host(), in.onvifUrl(), in.rtspMain(), in.rtspSub(), in.authType().name(), in.username(),
            seal(tenantId, cameraId, in.secret()), in.plugin(), in.enabled(), 1, now, now, in.quality().resolution(), in.quality().bitrate(),
            in.quality().fps(), in.quality().codec())))
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(isDuplicate(e)
            ? ApiException.conflict("a camera with id " + cameraId + " or stream " + in.host() + " " + in.rtspMain() + " already exists") : e));
  }

  static boolean isDuplicate(Throwable e) {
    String m = String.valueOf(e.getMessage()).toLowerCase();
    return m.contains("duplicate") || m.contains("unique");
  }

  public Future<JsonObject> create(Principal by, String tenantId, CameraInput in, String ip) {
    String cameraId = in.cameraId() != null ? in.cameraId() : UUID.randomUUID().toString();
    return sql.inTenant(tenantId, c -> checkNode(c, in.nodeId())
            .compose(v -> lockAndCount(c, tenantId))
            .compose(n -> {
              tenants.requireCameraSlot(tenantId, n);
              return insert(c, tenantId, cameraId, in);
            }))
        .compose(v -> changed(tenantId, cameraId, "created"))
        .compose(v -> audit.append(new AuditLog.AuditEntry(tenantId, by.actor(), "camera.create", "camera:" + cameraId, null, redacted(in), ip)))
        .compose(v -> get(tenantId, cameraId));
  }

  public Future<JsonObject> update(Principal by, String tenantId, String cameraId, JsonObject patch, String ip) {
    return get(tenantId, cameraId).compose(old -> {
      JsonObject merged = old.copy().mergeIn(patch);
      if (!patch.containsKey("secret") && !patch.containsKey("password")) merged.put("secret", old.getBoolean("hasSecret") ? "(kept)" : null);
      CameraInput in = CameraInput.fromJson(merged);
      boolean newSecret = patch.containsKey("secret") || patch.containsKey("password");
      List<Object> params = new ArrayList<>(Arrays.asList(in.name(), in.nodeId(), String.join(";", in.tags()), in.vendor(), in.model(),
          in.serial(), in.host(), in.onvifUrl(), in.rtspMain(), in.rtspSub(), in.authType().name(), in.username(), in.plugin(), in.enabled(),
          Instant.now().toString(), cameraId, in.quality().resolution(), in.quality().bitrate(), in.quality().fps(), in.quality().codec()));
      if (newSecret) params.add(seal(tenantId, cameraId, in.secret()));
      String text = "UPDATE camera SET name = " + d.p(1) + ", node_id = " + d.p(2) + ", tags = " + d.p(3) + ", vendor = " + d.p(4)
          + ", model = " + d.p(5) + ", serial = " + d.p(6) + ", host = " + d.p(7) + ", onvif_url = " + d.p(8) + ", rtsp_main = " + d.p(9)
          + ", rtsp_sub = " + d.p(10) + ", auth_type = " + d.p(11) + ", username = " + d.p(12) + ", plugin = " + d.p(13) + ", enabled = " + d.p(14)
          + ", version = version + 1, updated_at = " + d.p(15) + ", main_resolution = " + d.p(17) + ", main_bitrate = " + d.p(18)
          + ", main_fps = " + d.p(19) + ", main_codec = " + d.p(20) + (newSecret ? ", secret_sealed = " + d.p(21) : "") + " WHERE camera_id = " + d.p(16);
      return sql.inTenant(tenantId, c -> checkNode(c, in.nodeId()).compose(v -> c.preparedQuery(text).execute(Tuple.from(params))))
          .recover(e -> Future.failedFuture(isDuplicate(e) ? ApiException.conflict("another camera uses stream " + in.host() + " " + in.rtspMain()) : e))
          .compose(v -> changed(tenantId, cameraId, "updated"))
          .compose(v -> audit.append(new AuditLog.AuditEntry(tenantId, by.actor(), "camera.update", "camera:" + cameraId, old, redacted(in), ip)))
          .compose(v -> get(tenantId, cameraId));
    });
  }

  public Future<Void> delete(Principal by, String tenantId, String cameraId, String ip) {
    return sql.inTenant(tenantId, c -> c.preparedQuery("DELETE FROM camera WHERE camera_id = " + d.p(1)).execute(Tuple.of(cameraId)))
        .compose(rs -> rs.rowCount() == 0 ? Future.failedFuture(ApiException.notFound("no camera " + cameraId)) : changed(tenantId, cameraId, "deleted"))
        .compose(v -> audit.append(new AuditLog.AuditEntry(tenantId, by.actor(), "camera.delete", "camera:" + cameraId, null, null, ip)))
        .mapEmpty();
  }

  private Future<Void> changed(String tenantId, String cameraId, String action) {
    vertx.eventBus().publish(Addresses.CAMERA_CHANGED, new JsonObject().put("tenantId", tenantId).put("cameraId", cameraId).put("action", action));
    return Future.succeededFuture();
  }

  static JsonObject redacted(CameraInput in) {
    return new JsonObject().put("name", in.name()).put("host", in.host()).put("rtspMain", in.rtspMain()).put("nodeId", in.nodeId())
        .put("authType", in.authType().name()).put("username", in.username()).put("secret", in.secret() == null ? null : "(sealed)");
  }

  // ------------------------------------------------------------------ bulk import

  /** One parsed import row with its line number in the file (header = line 1). */
  public record ImportRow(int line, JsonObject fields) {}

  /**
   * Validates every row (fields, duplicates inside the file and against the registry, site nodes,
   * the licence limit), then imports: all-or-nothing imports nothing when any row is bad; otherwise
   * the valid rows are imported. One transaction either way; progress is published every 100 rows.
   */
  public Future<JsonObject> importRows(Principal by, String tenantId, List<ImportRow> rows, boolean allOrNothing, String ip) {
    String jobId = UUID.randomUUID().toString();
    List<JsonObject> errors = new ArrayList<>();
    Map<Integer, CameraInput> valid = new java.util.LinkedHashMap<>();
    Set<String> streams = new HashSet<>();
    Set<String> ids = new HashSet<>();
    for (ImportRow r : rows) {
      List<CameraInput.Problem> problems = new ArrayList<>();
      CameraInput in = CameraInput.parse(r.fields(), problems);
      problems.forEach(p -> errors.add(new JsonObject().put("line", r.line()).put("field", p.field()).put("reason", p.reason())));
      if (in == null) continue;
      if (!streams.add(in.host() + " " + in.rtspMain())) {
        errors.add(new JsonObject().put("line", r.line()).put("field", "rtspMain").put("reason", "duplicate of an earlier row"));
        continue;
      }
      if (in.cameraId() != null && !ids.add(in.cameraId())) {
        errors.add(new JsonObject().put("line", r.line()).put("field", "cameraId").put("reason", "duplicate of an earlier row"));
        continue;
      }
      valid.put(r.line(), in);
    }
    return sql.inTenant(tenantId, c -> c.query("SELECT camera_id, host, rtsp_main FROM camera").execute()
        .compose(existing -> c.query("SELECT node_id FROM site_node").execute().compose(nodeRows -> {
          Set<String> nodes = new HashSet<>();
          nodeRows.forEach(n -> nodes.add(n.getString(0)));
          Set<String> takenStreams = new HashSet<>();
          Set<String> takenIds = new HashSet<>();
          existing.forEach(e -> {
            takenIds.add(e.getString(0));
            takenStreams.add(e.getString(1) + " " + e.getString(2));
          });
          valid.entrySet().removeIf(e -> {
            CameraInput in = e.getValue();
            String why = takenStreams.contains(in.host() + " " + in.rtspMain()) ? "rtspMain|a camera with this stream already exists"
                : in.cameraId() != null && takenIds.contains(in.cameraId()) ? "cameraId|a camera with this id already exists"
                : in.nodeId() != null && !nodes.contains(in.nodeId()) ? "nodeId|no site node " + in.nodeId() + " in this tenant" : null;
            if (why == null) return false;
            errors.add(new JsonObject().put("line", e.getKey()).put("field", why.split("\\|")[0]).put("reason", why.split("\\|")[1]));
            return true;
          });
          return lockAndCount(c, tenantId);
        }))
        .compose(count -> {
          TenantDirectory.TenantInfo t = tenants.get(tenantId);
          int limit = t == null || t.licence() == null ? 0 : t.licence().cameraLimit();
          int room = Math.max(0, limit - count);
          if (valid.size() > room) {
            List<Integer> lines = new ArrayList<>(valid.keySet());
            for (int i = room; i < lines.size(); i++) {
              errors.add(new JsonObject().put("line", lines.get(i)).put("field", "licence")
                  .put("reason", "camera limit " + limit + " reached (" + count + " registered)"));
              valid.remove(lines.get(i));
            }
          }
          errors.sort(java.util.Comparator.comparing(e -> e.getInteger("line")));
          if (allOrNothing && !errors.isEmpty()) return Future.succeededFuture(0);
          Future<Void> chain = Future.succeededFuture();
          int[] done = {0};
          for (Map.Entry<Integer, CameraInput> e : valid.entrySet()) {
            CameraInput in = e.getValue();
            chain = chain.compose(v -> insert(c, tenantId, in.cameraId() != null ? in.cameraId() : UUID.randomUUID().toString(), in)
                .onSuccess(x -> {
                  if (++done[0] % 100 == 0 || done[0] == valid.size()) {
                    vertx.eventBus().publish(Addresses.clientImportProgress(tenantId),
                        new JsonObject().put("jobId", jobId).put("done", done[0]).put("total", valid.size()));
                  }
                }));
          }
          return chain.map(v -> valid.size());
        }))
        .compose(imported -> audit.append(new AuditLog.AuditEntry(tenantId, by.actor(), "camera.import", "cameras",
                null, new JsonObject().put("jobId", jobId).put("rows", rows.size()).put("imported", imported).put("rejected", errors.size()), ip))
            .map(v -> new JsonObject().put("jobId", jobId).put("rows", rows.size()).put("imported", imported)
                .put("mode", allOrNothing ? "all-or-nothing" : "valid-only").put("errors", new JsonArray(errors))))
        .onSuccess(v -> {
          if (v.getInteger("imported") > 0) changed(tenantId, "*", "imported");
        });
  }
}
