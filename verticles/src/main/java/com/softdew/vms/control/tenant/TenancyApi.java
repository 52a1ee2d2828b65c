package com.softdew.vms.control.tenant;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.auth.ApiSecurity;
import com.softdew.vms.control.auth.AuthService;
import com.softdew.vms.control.auth.Principal;
import com.softdew.vms.control.auth.Role;
import com.softdew.vms.control.config.RuntimeConfigSchema;
import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.http.OpenApiRouter;
import com.softdew.vms.platform.http.PlatformRouter;
import com.softdew.vms.platform.store.AuditLog;
import com.softdew.vms.platform.store.SqlDialect;
import com.softdew.vms.platform.store.TenantSql;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** REST handlers for tenants, licences, users, the site hierarchy and the audit log. */
public final class TenancyApi {
  private static final Set<String> MODEL_IDS = Set.copyOf(RuntimeConfigSchema.MODELS.stream().map(m -> m[0]).toList());
  private static final Map<String, String> PARENT_KIND = Map.of("BUILDING", "SITE", "FLOOR", "BUILDING", "ZONE", "FLOOR");

  private final Vertx vertx;
  private final TenantSql sql;
  private final SqlDialect d;
  private final TenantDirectory directory;
  private final AuthService auth;
  private final AuditLog audit;

  public TenancyApi(Vertx vertx, TenantSql sql, TenantDirectory directory, AuthService auth, AuditLog audit) {
    this.vertx = vertx;
    this.sql = sql;
    this.d = sql.dialect();
    this.directory = directory;
    this.auth = auth;
    this.audit = audit;
  }

  public Map<String, Handler<RoutingContext>> handlers() {
    Map<String, Handler<RoutingContext>> h = new HashMap<>();
    h.put("createTenant", this::createTenant);
    h.put("listTenants", ctx -> {
      Principal p = ApiSecurity.require(ctx);
      PlatformRouter.json(ctx, 200, new JsonArray(directory.all().stream().filter(t -> p.mayAccessTenant(t.tenantId()))
          .map(TenantDirectory.TenantInfo::toJson).toList()));
    });
    h.put("getTenant", ctx -> PlatformRouter.json(ctx, 200, tenant(ctx, path(ctx, "tenantId")).toJson()));
    h.put("updateTenant", this::updateTenant);
    h.put("getLicence", ctx -> {
      TenantDirectory.TenantInfo t = tenant(ctx, path(ctx, "tenantId"));
      if (t.licence() == null) throw ApiException.notFound("tenant " + t.tenantId() + " has no licence");
      PlatformRouter.json(ctx, 200, t.licence().toJson().put("active", t.licence().activeAt(Instant.now())));
    });
    h.put("putLicence", this::putLicence);
    h.put("listUsers", this::listUsers);
    h.put("createUser", this::createUser);
    h.put("updateUser", this::updateUser);
    h.put("listSites", this::listSites);
    h.put("createSite", this::createSite);
    h.put("deleteSite", this::deleteSite);
    h.put("listAudit", this::listAudit);
    h.put("verifyAudit", ctx -> reply(ctx, audit.verify(tenantParam(ctx))));
    return h;
  }

  // ------------------------------------------------------------------ helpers

  static String path(RoutingContext ctx, String name) {
    return OpenApiRouter.validated(ctx).getPathParameters().get(name).getString();
  }

  static String query(RoutingContext ctx, String name) {
    return OpenApiRouter.query(ctx, name);
  }

  static JsonObject body(RoutingContext ctx) {
    return OpenApiRouter.validated(ctx).getBody().getJsonObject();
  }

  private TenantDirectory.TenantInfo tenant(RoutingContext ctx, String tenantId) {
    ApiSecurity.requireTenant(ctx, tenantId);
    TenantDirectory.TenantInfo t = directory.get(tenantId);
    if (t == null) throw ApiException.notFound("no tenant " + tenantId);
    return t;
  }

  /** The tenant a request works on: the caller's own, or (operator only) the ?tenantId= given. */
  private String tenantParam(RoutingContext ctx) {
    return ApiSecurity.targetTenant(ctx, query(ctx, "tenantId"));
  }

  private static void reply(RoutingContext ctx, Future<?> f) {
    f.onSuccess(v -> PlatformRouter.json(ctx, 200, v)).onFailure(ctx::fail);
  }

  private static void created(RoutingContext ctx, Future<?> f) {
    f.onSuccess(v -> PlatformRouter.json(ctx, 201, v)).onFailure(ctx::fail);
  }

  private Future<Void> changed(String tenantId) {
    return directory.reload().onSuccess(v -> vertx.eventBus().publish(Addresses.TENANT_CHANGED, new JsonObject().put("tenantId", tenantId)));
  }

  private Future<Void> audit(RoutingContext ctx, String tenantId, String action, String target, Object old, Object now) {
    return audit.append(new AuditLog.AuditEntry(tenantId, ApiSecurity.require(ctx).actor(), action, target, old, now, ApiSecurity.clientIp(ctx))).mapEmpty();
  }

  static TenantDirectory.Licence parseLicence(JsonObject j, int version) {
    Instant from = j.getString("validFrom") == null ? Instant.now() : instant(j, "licence.validFrom", j.getString("validFrom"));
    Instant until = instant(j, "licence.validUntil", j.getString("validUntil"));
    if (!until.isAfter(from)) throw ApiException.invalid("licence.validUntil", "must be after validFrom");
    JsonArray models = j.getJsonArray("models", new JsonArray());
    for (int i = 0; i < models.size(); i++) {
      if (!MODEL_IDS.contains(models.getString(i))) {
        throw ApiException.invalid("licence.models[" + i + "]", "must be one of " + MODEL_IDS.stream().sorted().toList() + ", got " + models.getValue(i));
      }
    }
    return new TenantDirectory.Licence(j.getInteger("cameraLimit"), from, until,
        Set.copyOf(models.stream().map(String::valueOf).toList()), version);
  }

  private static Instant instant(JsonObject j, String field, String s) {
    try {
      return Instant.parse(s);
    } catch (RuntimeException e) {
      throw ApiException.invalid(field, "must be an ISO-8601 UTC timestamp, got " + s);
    }
  }

  // ------------------------------------------------------------------ tenants and licences

  private void createTenant(RoutingContext ctx) {
    JsonObject b = body(ctx);
    String id = b.getString("tenantId");
    String tz = b.getString("timeZone", "UTC");
    try {
      ZoneId.of(tz);
    } catch (RuntimeException e) {
      throw ApiException.invalid("timeZone", "must be an IANA time zone such as Europe/Paris, got " + tz);
    }
    List<String> allow = TenantDirectory.validateAllowlist(b.getJsonArray("ipAllowlist", new JsonArray()));
    TenantDirectory.Licence lic = parseLicence(b.getJsonObject("licence"), 1);
    String now = Instant.now().toString();
    created(ctx, sql.inTenant(id, c -> c.preparedQuery("INSERT INTO tenant (tenant_id, name, status, ip_allowlist, time_zone, created_at) VALUES ("
                + d.p(1) + ", " + d.p(2) + ", 'ACTIVE', " + d.p(3) + ", " + d.p(4) + ", " + d.p(5) + ")")
            .execute(Tuple.of(id, b.getString("name"), String.join(",", allow), tz, now))
            .compose(v -> c.preparedQuery("INSERT INTO licence (tenant_id, camera_limit, valid_from, valid_until, models, version, updated_at) VALUES ("
                + d.p(1) + ", " + d.p(2) + ", " + d.p(3) + ", " + d.p(4) + ", " + d.p(5) + ", 1, " + d.p(6) + ")")
                .execute(Tuple.of(id, lic.cameraLimit(), lic.validFrom().toString(), lic.validUntil().toString(),
                    String.join(",", lic.models()), now))))
        .recover(e -> Future.failedFuture(e.getMessage() != null && e.getMessage().toLowerCase().contains("duplicate")
            ? ApiException.conflict("tenant " + id + " exists") : e))
        .compose(v -> changed(id))
        .compose(v -> audit(ctx, id, "tenant.create", "tenant:" + id, null, b))
        .map(v -> directory.get(id).toJson()));
  }

  private void updateTenant(RoutingContext ctx) {
    TenantDirectory.TenantInfo t = tenant(ctx, path(ctx, "tenantId"));
    JsonObject b = body(ctx);
    String name = b.getString("name", t.name());
    String tz = b.getString("timeZone", t.timeZone());
    try {
      ZoneId.of(tz);
    } catch (RuntimeException e) {
      throw ApiException.invalid("timeZone", "must be an IANA time zone such as Europe/Paris, got " + tz);
    }
    List<String> allow = b.containsKey("ipAllowlist") ? TenantDirectory.validateAllowlist(b.getJsonArray("ipAllowlist")) : t.allowlist();
    reply(ctx, sql.inTenant(t.tenantId(), c -> c.preparedQuery("UPDATE tenant SET name = " + d.p(1) + ", time_zone = " + d.p(2)
            + ", ip_allowlist = " + d.p(3) + " WHERE tenant_id = " + d.p(4)).execute(Tuple.of(name, tz, String.join(",", allow), t.tenantId())))
        .compose(v -> changed(t.tenantId()))
        .compose(v -> audit(ctx, t.tenantId(), "tenant.update", "tenant:" + t.tenantId(), t.toJson(), directory.get(t.tenantId()).toJson()))
        .map(v -> directory.get(t.tenantId()).toJson()));
  }

  private void putLicence(RoutingContext ctx) {
    TenantDirectory.TenantInfo t = tenant(ctx, path(ctx, "tenantId"));
    int version = t.licence() == null ? 1 : t.licence().version() + 1;
    TenantDirectory.Licence lic = parseLicence(body(ctx), version);
    String now = Instant.now().toString();
    reply(ctx, sql.inTenant(t.tenantId(), c -> c.preparedQuery("UPDATE licence SET camera_limit = " + d.p(1) + ", valid_from = " + d.p(2)
            + ", valid_until = " + d.p(3) + ", models = " + d.p(4) + ", version = " + d.p(5) + ", updated_at = " + d.p(6) + " WHERE tenant_id = " + d.p(7))
        .execute(Tuple.from(List.of(lic.cameraLimit(), lic.validFrom().toString(), lic.validUntil().toString(), String.join(",", lic.models()),
            version, now, t.tenantId()))))
        .compose(v -> changed(t.tenantId()))
        .compose(v -> audit(ctx, t.tenantId(), "licence.update", "tenant:" + t.tenantId(), t.licence() == null ? null : t.licence().toJson(), lic.toJson()))
        .map(v -> lic.toJson().put("active", lic.activeAt(Instant.now()))));
  }

  // ------------------------------------------------------------------ users

  private void listUsers(RoutingContext ctx) {
    String tenantId = tenantParam(ctx);
    reply(ctx, sql.inTenant(tenantId, c -> c.query("SELECT user_id, tenant_id, username, role, disabled, totp_secret, locked_until, created_at"
            + " FROM app_user ORDER BY username").execute())
        .map(rows -> {
          JsonArray out = new JsonArray();
          for (Row r : rows) out.add(userJson(r));
          return out;
        }));
  }

  static JsonObject userJson(Row r) {
    String totp = r.getString("totp_secret");
    return new JsonObject().put("userId", r.getString("user_id")).put("tenantId", r.getString("tenant_id"))
        .put("username", r.getString("username")).put("role", r.getString("role")).put("disabled", r.getBoolean("disabled"))
        .put("mfaEnrolled", totp != null && !totp.startsWith("pending:")).put("lockedUntil", r.getString("locked_until"))
        .put("createdAt", r.getString("created_at"));
  }

  private void createUser(RoutingContext ctx) {
    Principal p = ApiSecurity.require(ctx);
    JsonObject b = body(ctx);
    Role role = Role.valueOf(b.getString("role"));
    String tenantId = b.getString("tenantId", p.tenantId());
    if (!p.mayAccessTenant(tenantId)) throw ApiException.notFound("no such resource");
    if (role == Role.OPERATOR && !p.role().platform()) throw new ApiException(403, "forbidden", "Forbidden", "only a platform operator may create operators", null);
    if (role == Role.OPERATOR) tenantId = TenantSql.PLATFORM_TENANT;
    else if (directory.get(tenantId) == null) throw ApiException.invalid("tenantId", "no tenant " + tenantId);
    String t = tenantId;
    created(ctx, auth.createUser(t, b.getString("username"), b.getString("password"), role, p, ApiSecurity.clientIp(ctx))
        .map(id -> new JsonObject().put("userId", id).put("tenantId", t).put("username", b.getString("username")).put("role", role.name())
            .put("mfaEnrolled", false)));
  }

  private void updateUser(RoutingContext ctx) {
    Principal p = ApiSecurity.require(ctx);
    String userId = path(ctx, "userId");
    JsonObject b = body(ctx);
    // the row is read inside the caller's tenant (RLS): another tenant's user simply does not exist
    String scope = p.role().platform() ? null : p.tenantId();
    Future<io.vertx.sqlclient.RowSet<Row>> find = scope == null
        ? sql.asPlatform(c -> c.preparedQuery("SELECT user_id, tenant_id, username, role, disabled, totp_secret, locked_until, created_at FROM app_user WHERE user_id = "
            + d.p(1)).execute(Tuple.of(userId)))
        : sql.inTenant(scope, c -> c.preparedQuery("SELECT user_id, tenant_id, username, role, disabled, totp_secret, locked_until, created_at FROM app_user WHERE user_id = "
            + d.p(1)).execute(Tuple.of(userId)));
    reply(ctx, find.compose(rows -> {
      if (rows.size() == 0) return Future.failedFuture(ApiException.notFound("no user " + userId));
      Row r = rows.iterator().next();
      String tenantId = r.getString("tenant_id");
      Role role = b.containsKey("role") ? Role.valueOf(b.getString("role")) : Role.valueOf(r.getString("role"));
      if ((role == Role.OPERATOR || Role.valueOf(r.getString("role")) == Role.OPERATOR) && !p.role().platform()) {
        return Future.failedFuture(new ApiException(403, "forbidden", "Forbidden", "only a platform operator may change operators", null));
      }
      boolean disabled = b.getBoolean("disabled", r.getBoolean("disabled"));
      boolean resetMfa = b.getBoolean("resetMfa", false);
      String sqlText = "UPDATE app_user SET role = " + d.p(1) + ", disabled = " + d.p(2)
          + (resetMfa ? ", totp_secret = NULL, recovery_hashes = '', totp_last_step = 0" : "")
          + (b.getBoolean("unlock", false) ? ", failed_attempts = 0, locked_until = NULL" : "") + " WHERE user_id = " + d.p(3);
      JsonObject old = userJson(r);
      return sql.inTenant(tenantId, c -> c.preparedQuery(sqlText).execute(Tuple.of(role.name(), disabled, userId))
              .compose(v -> c.preparedQuery("SELECT user_id, tenant_id, username, role, disabled, totp_secret, locked_until, created_at FROM app_user WHERE user_id = "
                  + d.p(1)).execute(Tuple.of(userId))))
          .map(rs -> userJson(rs.iterator().next()))
          .compose(now -> audit(ctx, tenantId, "user.update", "user:" + userId, old, now.copy().put("resetMfa", resetMfa)).map(v -> now));
    }));
  }

  // ------------------------------------------------------------------ sites

  private void listSites(RoutingContext ctx) {
    String tenantId = tenantParam(ctx);
    reply(ctx, sql.inTenant(tenantId, c -> c.query("SELECT node_id, parent_id, kind, name, created_at FROM site_node ORDER BY kind, name").execute())
        .map(rows -> {
          JsonArray out = new JsonArray();
          for (Row r : rows) {
            out.add(new JsonObject().put("nodeId", r.getString(0)).put("parentId", r.getString(1)).put("kind", r.getString(2))
                .put("name", r.getString(3)).put("createdAt", r.getString(4)).put("tenantId", tenantId));
          }
          return out;
        }));
  }

  private void createSite(RoutingContext ctx) {
    String tenantId = tenantParam(ctx);
    JsonObject b = body(ctx);
    String kind = b.getString("kind");
    String parent = b.getString("parentId");
    String nodeId = b.getString("nodeId", UUID.randomUUID().toString());
    if (kind.equals("SITE") && parent != null) throw ApiException.invalid("parentId", "a SITE is a root: it has no parent");
    if (!kind.equals("SITE") && parent == null) throw ApiException.invalid("parentId", "a " + kind + " needs a parent " + PARENT_KIND.get(kind));
    created(ctx, sql.inTenant(tenantId, c -> {
      Future<Void> parentOk = parent == null ? Future.succeededFuture()
          : c.preparedQuery("SELECT kind FROM site_node WHERE node_id = " + d.p(1)).execute(Tuple.of(parent)).compose(rows -> {
            if (rows.size() == 0) return Future.failedFuture(ApiException.invalid("parentId", "no node " + parent + " in this tenant"));
            String pk = rows.iterator().next().getString(0);
            return pk.equals(PARENT_KIND.get(kind)) ? Future.succeededFuture()
                : Future.failedFuture(ApiException.invalid("parentId", "a " + kind + " belongs under a " + PARENT_KIND.get(kind) + ", not a " + pk));
          });
      return parentOk.compose(v -> c.preparedQuery("INSERT INTO site_node (tenant_id, node_id, parent_id, kind, name, created_at) VALUES ("
              + d.p(1) + ", " + d.p(2) + ", " + d.p(3) + ", " + d.p(4) + ", " + d.p(5) + ", " + d.p(6) + ")")
          .execute(Tuple.from(java.util.Arrays.asList(tenantId, nodeId, parent, kind, b.getString("name"), Instant.now().toString()))));
    })
        .recover(e -> Future.failedFuture(e.getMessage() != null && e.getMessage().toLowerCase().contains("duplicate")
            ? ApiException.conflict("node " + nodeId + " exists") : e))
        .compose(v -> audit(ctx, tenantId, "site.create", "site:" + nodeId, null, b))
        .map(v -> new JsonObject().put("nodeId", nodeId).put("parentId", parent).put("kind", kind).put("name", b.getString("name")).put("tenantId", tenantId)));
  }

  private void deleteSite(RoutingContext ctx) {
    String tenantId = tenantParam(ctx);
    String nodeId = path(ctx, "nodeId");
    reply(ctx, sql.inTenant(tenantId, c -> c.preparedQuery("SELECT count(*) FROM site_node WHERE parent_id = " + d.p(1)).execute(Tuple.of(nodeId))
            .compose(rows -> rows.iterator().next().getLong(0) > 0
                ? Future.failedFuture(ApiException.conflict("node " + nodeId + " has children: delete them first"))
                : c.preparedQuery("DELETE FROM site_node WHERE node_id = " + d.p(1)).execute(Tuple.of(nodeId))))
        .compose(rs -> rs.rowCount() == 0 ? Future.failedFuture(ApiException.notFound("no node " + nodeId))
            : audit(ctx, tenantId, "site.delete", "site:" + nodeId, null, null))
        .map(v -> new JsonObject().put("deleted", nodeId)));
  }

  // ------------------------------------------------------------------ audit

  private void listAudit(RoutingContext ctx) {
    String tenantId = tenantParam(ctx);
    JsonObject filters = new JsonObject();
    for (String f : List.of("actor", "action", "target", "from", "to")) {
      String v = query(ctx, f);
      if (v != null) filters.put(f, v);
    }
    String limit = query(ctx, "limit");
    String offset = query(ctx, "offset");
    reply(ctx, audit.find(tenantId, filters, limit == null ? 100 : Integer.parseInt(limit), offset == null ? 0 : Integer.parseInt(offset)));
  }
}
