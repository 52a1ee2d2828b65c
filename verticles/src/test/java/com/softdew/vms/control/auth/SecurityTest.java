package com.softdew.vms.control.auth;

import static com.softdew.vms.control.testing.ApiClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.ControlPlaneVerticle;
import com.softdew.vms.control.testing.ApiClient;
import com.softdew.vms.control.testing.TestNode;
import com.softdew.vms.platform.launch.Role;
import com.softdew.vms.platform.store.TenantSql;
import com.softdew.vms.platform.testing.LocalPostgres;
import com.softdew.vms.platform.testing.TestConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tenancy and security end to end on one all-in-one node (machine PostgreSQL, embedded Mongo-wire and
 * Kafka): the isolation suite, the permission matrix row by row, JWT forgery/expiry/refresh reuse,
 * MFA lockout, licences, IP allowlists, the audit chain.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityTest {
  static final String PW = "tenant-user-pass-phrase";
  TestNode test;
  Vertx vertx;
  Path dir;
  ControlPlaneVerticle node;
  ApiClient api;
  String operator;
  final Map<com.softdew.vms.control.auth.Role, String> tokensA = new EnumMap<>(com.softdew.vms.control.auth.Role.class);
  String adminB;
  String userOfB;
  com.softdew.vms.sim.IsapiDeviceServer ptzSim;

  @BeforeAll
  void start() throws Exception {
    test = TestNode.start(Map.of("auth.lockout.maxAttempts", 3, "auth.lockout.baseSeconds", 2, "ratelimit.perIpPerMinute", 100000));
    vertx = test.vertx;
    node = test.node;
    api = test.api;
    operator = test.operator;
    dir = Files.createTempDirectory("vms-security");

    for (String t : List.of("ta", "tb")) {
      JsonObject tenant = new JsonObject().put("tenantId", t).put("name", "Tenant " + t)
          .put("licence", new JsonObject().put("cameraLimit", 10).put("validUntil", Instant.now().plus(Duration.ofDays(365)).toString())
              .put("models", new JsonArray().add("intrusion").add("fire")));
      assertEquals(201, call(operator, "POST", "/api/v1/tenants", tenant).statusCode());
    }
    for (var r : List.of(com.softdew.vms.control.auth.Role.ADMIN, com.softdew.vms.control.auth.Role.SUPERVISOR, com.softdew.vms.control.auth.Role.VIEWER)) {
      String name = "ta-" + r.name().toLowerCase();
      assertEquals(201, call(operator, "POST", "/api/v1/users", new JsonObject().put("username", name).put("password", PW)
          .put("role", r.name()).put("tenantId", "ta")).statusCode());
      tokensA.put(r, api.token(name, PW));
    }
    tokensA.put(com.softdew.vms.control.auth.Role.OPERATOR, operator);
    // a simulated PTZ camera (ISAPI) for the PTZ permissions
    ptzSim = new com.softdew.vms.sim.IsapiDeviceServer(vertx, new com.softdew.vms.sim.IsapiDeviceServer.Info("SEC1", "DS-2DE", "V5", "H264",
        1920, 1080, 640, 360, 15, "admin", "cam-pw"), dir.resolve("sim"));
    int simPort = await(ptzSim.start("127.0.0.1", 0));
    assertEquals(201, call(operator, "POST", "/api/v1/cameras?tenantId=ta", new JsonObject().put("cameraId", "ptz-1").put("name", "PTZ")
        .put("host", "127.0.0.1").put("onvifUrl", "http://127.0.0.1:" + simPort + "/onvif/device_service").put("rtspMain", "rtsp://127.0.0.1/ptz")
        .put("authType", "DIGEST").put("username", "admin").put("secret", "cam-pw").put("plugin", "isapi")).statusCode());
    HttpResponse<Buffer> b = call(operator, "POST", "/api/v1/users", new JsonObject().put("username", "tb-admin").put("password", PW)
        .put("role", "ADMIN").put("tenantId", "tb"));
    userOfB = b.bodyAsJsonObject().getString("userId");
    adminB = api.token("tb-admin", PW);
    // tenant B owns data in every store: SQL (sites, config), Mongo (audit)
    assertEquals(201, call(adminB, "POST", "/api/v1/sites", new JsonObject().put("nodeId", "b-hq").put("kind", "SITE").put("name", "B HQ")).statusCode());
    assertEquals(200, call(adminB, "PATCH", "/api/v1/config/scopes/customer:tb",
        new JsonObject().put("patch", new JsonObject().put("video", new JsonObject().put("normalize", new JsonObject().put("fps", 7))))).statusCode());
    assertEquals(200, call(adminB, "PATCH", "/api/v1/config/scopes/camera:tb:cam-b",
        new JsonObject().put("patch", new JsonObject().put("video", new JsonObject().put("normalize", new JsonObject().put("fps", 6))))).statusCode());
  }

  @AfterAll
  void stop() throws Exception {
    test.close();
  }

  HttpResponse<Buffer> call(String token, String method, String path, JsonObject body) throws Exception {
    return api.call(token, method, path, body);
  }

  static void problem(HttpResponse<Buffer> r, int status) {
    assertEquals(status, r.statusCode(), r.bodyAsString());
    assertEquals("application/problem+json", r.getHeader("content-type"), r.bodyAsString());
  }

  // ------------------------------------------------------------------ isolation

  @Test
  @Order(1)
  void tenantAAdminCannotReachTenantBThroughAnyRoute() throws Exception {
    String a = tokensA.get(com.softdew.vms.control.auth.Role.ADMIN);
    JsonObject any = new JsonObject().put("patch", new JsonObject().put("video", new JsonObject().put("normalize", new JsonObject().put("fps", 9))));
    List<String[]> routes = List.of(
        new String[] {"GET", "/api/v1/tenants/tb"},
        new String[] {"PATCH", "/api/v1/tenants/tb"},
        new String[] {"GET", "/api/v1/tenants/tb/licence"},
        new String[] {"GET", "/api/v1/users?tenantId=tb"},
        new String[] {"PATCH", "/api/v1/users/" + userOfB},
        new String[] {"GET", "/api/v1/sites?tenantId=tb"},
        new String[] {"POST", "/api/v1/sites?tenantId=tb"},
        new String[] {"DELETE", "/api/v1/sites/b-hq?tenantId=tb"},
        new String[] {"GET", "/api/v1/audit?tenantId=tb"},
        new String[] {"GET", "/api/v1/audit/verify?tenantId=tb"},
        new String[] {"GET", "/api/v1/config/scopes/customer:tb"},
        new String[] {"PATCH", "/api/v1/config/scopes/customer:tb"},
        new String[] {"GET", "/api/v1/config/scopes/camera:tb:cam-b"},
        new String[] {"PATCH", "/api/v1/config/scopes/camera:tb:cam-b"},
        new String[] {"GET", "/api/v1/config/scopes/camera:tb:cam-b/versions"},
        new String[] {"POST", "/api/v1/config/scopes/camera:tb:cam-b/rollback"},
        new String[] {"POST", "/api/v1/config/scopes/camera:tb:cam-b/refresh"},
        new String[] {"GET", "/api/v1/config/effective?customerId=tb&cameraId=cam-b"});
    for (String[] r : routes) {
      JsonObject body = switch (r[1].replaceAll("\\?.*", "")) {
        case "/api/v1/tenants/tb" -> new JsonObject().put("name", "pwned");
        case "/api/v1/sites" -> new JsonObject().put("kind", "SITE").put("name", "x");
        case "/api/v1/config/scopes/camera:tb:cam-b/rollback" -> new JsonObject().put("version", 1);
        default -> r[0].equals("GET") || r[0].equals("DELETE") || r[1].endsWith("/refresh") ? null
            : r[1].startsWith("/api/v1/users") ? new JsonObject().put("disabled", true) : any;
      };
      HttpResponse<Buffer> res = call(a, r[0], r[1], body);
      assertTrue(res.statusCode() == 404 || res.statusCode() == 403, r[0] + " " + r[1] + " -> " + res.statusCode() + " " + res.bodyAsString());
    }
    JsonArray visible = call(a, "GET", "/api/v1/tenants", null).bodyAsJsonArray();
    assertEquals(1, visible.size());
    assertEquals("ta", visible.getJsonObject(0).getString("tenantId"));
    // nothing of B changed
    assertEquals(7, call(adminB, "GET", "/api/v1/config/scopes/customer:tb", null).bodyAsJsonObject()
        .getJsonObject("doc").getJsonObject("video").getJsonObject("normalize").getInteger("fps"));
    assertEquals(1, call(adminB, "GET", "/api/v1/sites", null).bodyAsJsonArray().size());
    assertEquals("Tenant tb", call(adminB, "GET", "/api/v1/tenants/tb", null).bodyAsJsonObject().getString("name"));
    // own data: reachable
    assertEquals(200, call(a, "GET", "/api/v1/users", null).statusCode());
    assertEquals(0, call(a, "GET", "/api/v1/users", null).bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .filter(u -> !u.getString("tenantId").equals("ta")).count());
  }

  @Test
  @Order(2)
  void rawSqlWithoutTheTenantSettingSeesNoRowsAndMongoAccessIsScoped() throws Exception {
    long rows = await(node.stores().sql().withTransaction(c -> c.query("SET LOCAL ROLE vms_app").execute()
        .compose(v -> c.query("SELECT (SELECT count(*) FROM app_user) + (SELECT count(*) FROM tenant) + (SELECT count(*) FROM site_node)"
            + " + (SELECT count(*) FROM config_scope) + (SELECT count(*) FROM licence) + (SELECT count(*) FROM refresh_token)").execute())))
        .iterator().next().getLong(0);
    assertEquals(0, rows, "row-level security hides every tenant row from a session without vms.tenant_id");
    long asA = await(new TenantSql(node.stores().dialect(), node.stores().sql()).inTenant("ta",
        c -> c.query("SELECT count(*) FROM site_node").execute())).iterator().next().getLong(0);
    assertEquals(0, asA, "tenant A's session does not see B's site");
    var scopedA = new com.softdew.vms.platform.store.TenantMongo(node.stores().mongo()).forTenant("ta");
    long bAuditSeenByA = await(scopedA.count("audit_log", new JsonObject().put("tenant_id", "tb")));
    assertEquals(0, bAuditSeenByA);
  }

  // ------------------------------------------------------------------ permission matrix

  @Test
  @Order(3)
  void permissionMatrixRowByRow() throws Exception {
    int[] n = {0};
    for (Permission p : Permission.values()) {
      for (var role : com.softdew.vms.control.auth.Role.values()) {
        n[0]++;
        String tok = tokensA.get(role);
        HttpResponse<Buffer> r = exercise(p, tok, role.name().toLowerCase() + n[0]);
        boolean allowed = p.grantedTo(role);
        if (allowed) {
          assertTrue(r.statusCode() < 400, p.id() + " for " + role + " must be allowed: " + r.statusCode() + " " + r.bodyAsString());
        } else {
          assertEquals(403, r.statusCode(), p.id() + " for " + role + " must be refused: " + r.bodyAsString());
        }
      }
    }
    String doc = Files.readString(Path.of(System.getProperty("user.dir")).getParent().resolve("docs/permissions.md"));
    for (Permission p : Permission.values()) {
      String row = doc.lines().filter(l -> l.startsWith("| `" + p.id() + "` |")).findFirst().orElseThrow(() -> new AssertionError(p.id() + " missing in docs/permissions.md"));
      for (var role : com.softdew.vms.control.auth.Role.values()) {
        int col = 2 + role.ordinal();
        String cell = row.split("\\|")[col].trim();
        assertEquals(p.grantedTo(role) ? "yes" : "no", cell, "docs/permissions.md row " + p.id() + " column " + role);
      }
    }
  }

  static int n(String unique) {
    return Math.abs(unique.hashCode());
  }

  /** One representative operation per permission, against tenant A. */
  HttpResponse<Buffer> exercise(Permission p, String tok, String unique) throws Exception {
    return switch (p) {
      case SYSTEM_READ -> call(tok, "GET", "/api/v1/system/info", null);
      case TENANT_READ -> call(tok, "GET", "/api/v1/tenants/ta", null);
      case TENANT_CREATE -> call(tok, "POST", "/api/v1/tenants", new JsonObject().put("tenantId", "t-" + unique).put("name", "x")
          .put("licence", new JsonObject().put("cameraLimit", 1).put("validUntil", "2099-01-01T00:00:00Z")));
      case TENANT_UPDATE -> call(tok, "PATCH", "/api/v1/tenants/ta", new JsonObject().put("name", "Tenant ta"));
      case LICENCE_READ -> call(tok, "GET", "/api/v1/tenants/ta/licence", null);
      case LICENCE_WRITE -> call(tok, "PUT", "/api/v1/tenants/ta/licence", new JsonObject().put("cameraLimit", 10)
          .put("validUntil", Instant.now().plus(Duration.ofDays(365)).toString()).put("models", new JsonArray().add("intrusion").add("fire")));
      case USER_READ -> call(tok, "GET", "/api/v1/users?tenantId=ta", null);
      case USER_WRITE -> call(tok, "POST", "/api/v1/users", new JsonObject().put("username", "u-" + unique).put("password", PW)
          .put("role", "VIEWER").put("tenantId", "ta"));
      case SITE_READ -> call(tok, "GET", "/api/v1/sites?tenantId=ta", null);
      case SITE_WRITE -> call(tok, "POST", "/api/v1/sites?tenantId=ta", new JsonObject().put("kind", "SITE").put("name", "s-" + unique));
      case CAMERA_READ -> call(tok, "GET", "/api/v1/cameras?tenantId=ta", null);
      case CAMERA_WRITE -> call(tok, "POST", "/api/v1/cameras?tenantId=ta", new JsonObject().put("name", "c-" + unique)
          .put("host", "10.1.0." + (n(unique) % 250 + 1)).put("rtspMain", "rtsp://10.1.0.9/" + unique).put("authType", "DIGEST")
          .put("username", "admin").put("secret", "cam-secret"));
      case PTZ_CONTROL -> call(tok, "GET", "/api/v1/cameras/ptz-1/ptz/status?tenantId=ta", null);
      case PTZ_CONFIGURE -> call(tok, "POST", "/api/v1/cameras/ptz-1/ptz/presets?tenantId=ta", new JsonObject().put("name", "p-" + unique));
      case CONFIG_READ -> call(tok, "GET", "/api/v1/config/scopes/customer:ta/versions", null);
      case CONFIG_WRITE -> call(tok, "PATCH", "/api/v1/config/scopes/customer:ta",
          new JsonObject().put("patch", new JsonObject().put("notify", new JsonObject().put("quietHours", new JsonObject().put("enabled", false)))));
      case CONFIG_SYSTEM_WRITE -> call(tok, "PATCH", "/api/v1/config/scopes/system",
          new JsonObject().put("patch", new JsonObject().put("video", new JsonObject().put("buffer", new JsonObject().put("frames", 64)))));
      case AUDIT_READ -> call(tok, "GET", "/api/v1/audit?tenantId=ta&limit=5", null);
    };
  }

  // ------------------------------------------------------------------ tokens

  @Test
  @Order(4)
  void forgedExpiredAndWrongTypeTokensAreRefused() throws Exception {
    String good = tokensA.get(com.softdew.vms.control.auth.Role.VIEWER);
    assertEquals(200, call(good, "GET", "/api/v1/auth/me", null).statusCode());
    String[] parts = good.split("\\.");
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1])));
    String elevated = Base64.getUrlEncoder().withoutPadding().encodeToString(claims.put("role", "OPERATOR").encode().getBytes());
    problem(call(parts[0] + "." + elevated + "." + parts[2], "GET", "/api/v1/auth/me", null), 401);
    String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes());
    problem(call(none + "." + elevated + ".", "GET", "/api/v1/auth/me", null), 401);
    problem(call("not.a.token", "GET", "/api/v1/auth/me", null), 401);
    problem(call(null, "GET", "/api/v1/auth/me", null), 401);
    // a token signed with another key (same claims, same kid) is refused
    io.vertx.ext.auth.jwt.JWTAuth other = io.vertx.ext.auth.jwt.JWTAuth.create(vertx, new io.vertx.ext.auth.jwt.JWTAuthOptions()
        .addPubSecKey(new io.vertx.ext.auth.PubSecKeyOptions().setAlgorithm("HS256").setBuffer("c29tZSBvdGhlciBzZWNyZXQgb2YgMzIgYnl0ZXMhIQ").setId(
            new JsonObject(new String(Base64.getUrlDecoder().decode(parts[0]))).getString("kid"))));
    problem(call(other.generateToken(claims.put("role", "VIEWER")), "GET", "/api/v1/auth/me", null), 401);
    // expired: a real key, a 1-second life
    JsonObject fresh = claims.copy().put("role", "VIEWER").put("jti", "short-lived");
    fresh.remove("exp");
    fresh.remove("iat");
    String shortLived = keyRing().sign(fresh, Duration.ofSeconds(1));
    assertEquals(200, call(shortLived, "GET", "/api/v1/auth/me", null).statusCode(), "a token from the real key ring works");
    Thread.sleep(2100);
    problem(call(shortLived, "GET", "/api/v1/auth/me", null), 401);
    // an MFA token is not an access token
    String mfa = api.call(null, "POST", "/api/v1/auth/login", new JsonObject().put("username", "ta-viewer").put("password", PW))
        .bodyAsJsonObject().getString("mfaToken");
    problem(call(mfa, "GET", "/api/v1/auth/me", null), 401);
  }

  KeyRing keyRing() throws Exception {
    var f = ControlPlaneVerticle.class.getDeclaredField("keys");
    f.setAccessible(true);
    return (KeyRing) f.get(node);
  }

  @Test
  @Order(5)
  void refreshRotatesAndReuseRevokesTheFamilyLogoutRevokes() throws Exception {
    assertEquals(201, call(operator, "POST", "/api/v1/users", new JsonObject().put("username", "ta-refresh").put("password", PW)
        .put("role", "VIEWER").put("tenantId", "ta")).statusCode());
    JsonObject t1 = api.login("ta-refresh", PW);
    String r1 = t1.getString("refreshToken");
    HttpResponse<Buffer> rot = call(null, "POST", "/api/v1/auth/refresh", new JsonObject().put("refreshToken", r1));
    assertEquals(200, rot.statusCode(), rot.bodyAsString());
    String r2 = rot.bodyAsJsonObject().getString("refreshToken");
    assertNotEquals(r1, r2);
    assertEquals(200, call(rot.bodyAsJsonObject().getString("accessToken"), "GET", "/api/v1/auth/me", null).statusCode());
    HttpResponse<Buffer> reuse = call(null, "POST", "/api/v1/auth/refresh", new JsonObject().put("refreshToken", r1));
    problem(reuse, 401);
    assertTrue(reuse.bodyAsJsonObject().getString("detail").contains("reused"));
    problem(call(null, "POST", "/api/v1/auth/refresh", new JsonObject().put("refreshToken", r2)), 401);

    // logout: the access token dies at once, the refresh token too
    assertEquals(201, call(operator, "POST", "/api/v1/users", new JsonObject().put("username", "ta-logout").put("password", PW)
        .put("role", "VIEWER").put("tenantId", "ta")).statusCode());
    JsonObject t = api.login("ta-logout", PW);
    assertEquals(204, call(t.getString("accessToken"), "POST", "/api/v1/auth/logout", new JsonObject().put("refreshToken", t.getString("refreshToken"))).statusCode());
    problem(call(t.getString("accessToken"), "GET", "/api/v1/auth/me", null), 401);
    problem(call(null, "POST", "/api/v1/auth/refresh", new JsonObject().put("refreshToken", t.getString("refreshToken"))), 401);
    JsonArray audit = call(operator, "GET", "/api/v1/audit?tenantId=ta&action=auth.refresh.reuse", null).bodyAsJsonArray();
    assertEquals(1, audit.size(), "refresh reuse is audited");
  }

  // ------------------------------------------------------------------ MFA and lockout

  @Test
  @Order(6)
  void secondFactorIsMandatoryAndBruteForceLocksOut() throws Exception {
    assertEquals(201, call(operator, "POST", "/api/v1/users", new JsonObject().put("username", "ta-brute").put("password", PW)
        .put("role", "VIEWER").put("tenantId", "ta")).statusCode());
    api.login("ta-brute", PW); // enrols
    JsonObject step1 = call(null, "POST", "/api/v1/auth/login", new JsonObject().put("username", "ta-brute").put("password", PW)).bodyAsJsonObject();
    assertEquals("challenge", step1.getString("mfaRequired"));
    assertEquals(null, step1.getString("accessToken"), "no access token without the second factor");
    String mfa = step1.getString("mfaToken");
    for (int i = 0; i < 3; i++) {
      problem(call(null, "POST", "/api/v1/auth/mfa/verify", new JsonObject().put("mfaToken", mfa).put("code", "000000")), 401);
    }
    HttpResponse<Buffer> locked = call(null, "POST", "/api/v1/auth/mfa/verify", new JsonObject().put("mfaToken", mfa).put("code", api.nextCode("ta-brute")));
    problem(locked, 429);
    assertNotNull(locked.getHeader("Retry-After"));
    problem(call(null, "POST", "/api/v1/auth/login", new JsonObject().put("username", "ta-brute").put("password", PW)), 429);
    // wrong passwords lock too, and the lockout is audited
    problem(call(null, "POST", "/api/v1/auth/login", new JsonObject().put("username", "nobody-here").put("password", PW)), 401);
    JsonArray lockouts = call(operator, "GET", "/api/v1/audit?tenantId=ta&action=auth.lockout", null).bodyAsJsonArray();
    assertTrue(lockouts.size() >= 1, lockouts.encode());
    Thread.sleep(2100); // baseSeconds=2: the first lockout ends
    JsonObject again = call(null, "POST", "/api/v1/auth/login", new JsonObject().put("username", "ta-brute").put("password", PW)).bodyAsJsonObject();
    HttpResponse<Buffer> wrongAgain = call(null, "POST", "/api/v1/auth/mfa/verify", new JsonObject().put("mfaToken", again.getString("mfaToken")).put("code", "111111"));
    problem(wrongAgain, 401);
    HttpResponse<Buffer> longer = call(null, "POST", "/api/v1/auth/login", new JsonObject().put("username", "ta-brute").put("password", PW));
    problem(longer, 429);
    assertTrue(Integer.parseInt(longer.getHeader("Retry-After")) >= 3, "the next lockout doubles: " + longer.getHeader("Retry-After"));
  }

  // ------------------------------------------------------------------ licences

  @Test
  @Order(7)
  void licenceModelsExpiryRenewalAndWarnings() throws Exception {
    String a = tokensA.get(com.softdew.vms.control.auth.Role.ADMIN);
    JsonObject enableAnpr = new JsonObject().put("patch", new JsonObject().put("models", new JsonObject().put("anpr", new JsonObject().put("enabled", true))));
    HttpResponse<Buffer> notLicensed = call(a, "PATCH", "/api/v1/config/scopes/camera:ta:cam-1", enableAnpr);
    problem(notLicensed, 403);
    assertEquals("anpr", notLicensed.bodyAsJsonObject().getString("model"));
    JsonObject enableFire = new JsonObject().put("patch", new JsonObject().put("models", new JsonObject().put("fire", new JsonObject().put("enabled", true))));
    assertEquals(200, call(a, "PATCH", "/api/v1/config/scopes/camera:ta:cam-1", enableFire).statusCode());

    List<JsonObject> states = new CopyOnWriteArrayList<>();
    List<JsonObject> warnings = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.LICENCE_STATE, m -> states.add(m.body()));
    vertx.eventBus().<JsonObject>consumer(Addresses.LICENCE_WARNING, m -> warnings.add(m.body()));

    // expire it
    JsonObject expired = new JsonObject().put("cameraLimit", 10).put("validFrom", Instant.now().minus(Duration.ofDays(30)).toString())
        .put("validUntil", Instant.now().minusSeconds(5).toString()).put("models", new JsonArray().add("intrusion").add("fire"));
    assertEquals(200, call(operator, "PUT", "/api/v1/tenants/ta/licence", expired).statusCode());
    await(node.licences().check());
    HttpResponse<Buffer> refused = call(a, "PATCH", "/api/v1/config/scopes/camera:ta:cam-1", enableFire);
    problem(refused, 403);
    assertTrue(refused.bodyAsJsonObject().getString("detail").contains("expired"), refused.bodyAsString());
    assertEquals(200, call(a, "GET", "/api/v1/config/scopes/camera:ta:cam-1", null).statusCode(), "reads stay allowed");
    assertTrue(states.stream().anyMatch(s -> s.getString("tenantId").equals("ta") && !s.getBoolean("active")), states.toString());

    // renew: 5 days left -> active again, and the 7-day warning goes out once
    JsonObject renewed = expired.copy().put("validFrom", Instant.now().minusSeconds(60).toString()).put("validUntil", Instant.now().plus(Duration.ofDays(5)).toString());
    assertEquals(200, call(operator, "PUT", "/api/v1/tenants/ta/licence", renewed).statusCode());
    await(node.licences().check());
    await(node.licences().check());
    assertEquals(200, call(a, "PATCH", "/api/v1/config/scopes/camera:ta:cam-1", enableFire).statusCode());
    assertTrue(states.stream().anyMatch(s -> s.getString("tenantId").equals("ta") && s.getBoolean("active")), states.toString());
    assertEquals(1, warnings.stream().filter(w -> w.getString("tenantId").equals("ta") && w.getInteger("threshold") == 7).count(), warnings.toString());

    // camera limit
    node.tenants().requireCameraSlot("ta", 9);
    var e = org.junit.jupiter.api.Assertions.assertThrows(com.softdew.vms.platform.http.ApiException.class, () -> node.tenants().requireCameraSlot("ta", 10));
    assertEquals(409, e.status());
    assertTrue(e.getMessage().contains("10 cameras"));
  }

  // ------------------------------------------------------------------ allowlist, audit, rate limit

  @Test
  @Order(8)
  void ipAllowlistIsEnforcedForTheTenantOnly() throws Exception {
    String a = tokensA.get(com.softdew.vms.control.auth.Role.VIEWER);
    problem(call(operator, "PATCH", "/api/v1/tenants/ta", new JsonObject().put("ipAllowlist", new JsonArray().add("10.0.0.0/8").add("not-an-ip"))), 400);
    assertEquals(200, call(operator, "PATCH", "/api/v1/tenants/ta", new JsonObject().put("ipAllowlist", new JsonArray().add("10.0.0.0/8"))).statusCode());
    HttpResponse<Buffer> refused = call(a, "GET", "/api/v1/auth/me", null);
    problem(refused, 403);
    assertEquals(200, call(adminB, "GET", "/api/v1/auth/me", null).statusCode(), "other tenants are not affected");
    assertEquals(200, call(operator, "PATCH", "/api/v1/tenants/ta", new JsonObject().put("ipAllowlist", new JsonArray().add("127.0.0.0/8").add("::1"))).statusCode());
    assertEquals(200, call(a, "GET", "/api/v1/auth/me", null).statusCode());
  }

  @Test
  @Order(9)
  void auditChainIsIntactAndTamperingIsDetected() throws Exception {
    JsonObject v = call(operator, "GET", "/api/v1/audit/verify?tenantId=ta", null).bodyAsJsonObject();
    assertTrue(v.getBoolean("valid"), v.encode());
    assertTrue(v.getInteger("entries") > 10, v.encode());
    JsonArray entries = call(operator, "GET", "/api/v1/audit?tenantId=ta&action=licence.update", null).bodyAsJsonArray();
    JsonObject e = entries.getJsonObject(0);
    assertNotNull(e.getString("source_ip"));
    assertNotNull(e.getValue("old"));
    await(node.stores().mongo().updateCollection("audit_log", new JsonObject().put("tenant_id", "ta").put("seq", e.getValue("seq")),
        new JsonObject().put("$set", new JsonObject().put("actor", "someone else"))));
    JsonObject broken = call(operator, "GET", "/api/v1/audit/verify?tenantId=ta", null).bodyAsJsonObject();
    assertEquals(false, broken.getBoolean("valid"));
    assertEquals(e.getLong("seq"), broken.getLong("firstBrokenSeq"));
  }

  @Test
  @Order(10)
  void rateLimitAnswers429WithRetryAfter() throws Exception {
    Vertx v2 = Vertx.vertx();
    String db2 = LocalPostgres.freshName();
    LocalPostgres.exec(v2, "CREATE DATABASE " + db2);
    try {
      ControlPlaneVerticle limited = new ControlPlaneVerticle(Role.ALL, TestConfigs.create(Files.createTempDirectory("vms-rl"),
          Map.of("sql.url", LocalPostgres.url(db2), "admin.password", TestNode.ADMIN_PW, "ratelimit.perTokenPerMinute", 5)));
      await(v2.deployVerticle(limited));
      ApiClient c = new ApiClient(v2, limited.httpPort());
      String tok = c.token("admin", TestNode.ADMIN_PW);
      List<Integer> codes = new ArrayList<>();
      HttpResponse<Buffer> last = null;
      for (int i = 0; i < 7; i++) {
        last = c.call(tok, "GET", "/api/v1/auth/me", null);
        codes.add(last.statusCode());
      }
      if (Instant.now().getEpochSecond() % 60 > 2) { // not straddling a minute boundary
        assertEquals(List.of(200, 200, 200, 200, 200, 429, 429), codes);
        assertNotNull(last.getHeader("Retry-After"));
      }
    } finally {
      await(v2.close());
      LocalPostgres.exec(vertx, "DROP DATABASE IF EXISTS " + db2);
    }
  }
}
