package com.softdew.vms.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.control.ControlPlaneVerticle;
import com.softdew.vms.control.testing.ApiClient;
import com.softdew.vms.platform.config.VmsConfig;
import com.softdew.vms.platform.launch.Role;
import com.softdew.vms.platform.testing.LocalPostgres;
import com.softdew.vms.platform.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration REST API end to end on a real all-in-one node (local PostgreSQL, embedded Mongo and Kafka). */
class ConfigApiTest {
  static final String ADMIN_PW = "operator-pass-phrase-1";
  Vertx vertx;
  WebClient web;
  String token;
  String db;
  VmsConfig cfg;
  @TempDir Path dir;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    web = WebClient.create(vertx);
    db = LocalPostgres.freshName();
    LocalPostgres.exec(vertx, "CREATE DATABASE " + db);
    cfg = TestConfigs.create(dir, Map.of("sql.url", LocalPostgres.url(db), "admin.password", ADMIN_PW));
  }

  @AfterEach
  void tearDown() throws Exception {
    await(vertx.close());
    Vertx admin = Vertx.vertx();
    LocalPostgres.exec(admin, "DROP DATABASE IF EXISTS " + db);
    await(admin.close());
  }

  HttpResponse<Buffer> send(int port, String method, String path, JsonObject body) throws Exception {
    var req = web.request(io.vertx.core.http.HttpMethod.valueOf(method), port, "127.0.0.1", path);
    if (token != null) req.putHeader("Authorization", "Bearer " + token);
    return await(body == null ? req.send() : req.sendJsonObject(body));
  }

  @Test
  void hierarchyVersionsRollbackAuditAndRestart() throws Exception {
    ControlPlaneVerticle node = new ControlPlaneVerticle(Role.ALL, cfg);
    String nodeDeployment = await(vertx.deployVerticle(node));
    int port = node.httpPort();
    assertEquals(401, send(port, "GET", "/api/v1/config/schema", null).statusCode(), "no token, no access");
    token = new ApiClient(vertx, port).token("admin", ADMIN_PW);

    assertEquals(200, send(port, "PATCH", "/api/v1/config/scopes/system",
        new JsonObject().put("patch", new JsonObject().put("models", new JsonObject().put("fire", new JsonObject().put("confidenceThreshold", 0.6))))).statusCode());
    assertEquals(200, send(port, "PATCH", "/api/v1/config/scopes/customer:acme",
        new JsonObject().put("patch", new JsonObject().put("models", new JsonObject().put("fire", new JsonObject().put("confidenceThreshold", 0.7))))).statusCode());
    assertEquals(200, send(port, "PUT", "/api/v1/config/scopes/site:acme:hq",
        new JsonObject().put("doc", new JsonObject().put("video", new JsonObject().put("normalize", new JsonObject().put("fps", 10))))).statusCode());
    HttpResponse<Buffer> cam = send(port, "PATCH", "/api/v1/config/scopes/camera:acme:cam-1",
        new JsonObject().put("patch", new JsonObject().put("models", new JsonObject().put("fire", new JsonObject().put("confidenceThreshold", 0.9))))
            .put("note", "lobby glare"));
    assertEquals(200, cam.statusCode(), cam.bodyAsString());
    assertEquals(1, cam.bodyAsJsonObject().getInteger("version"));

    JsonObject eff = send(port, "GET", "/api/v1/config/effective?customerId=acme&siteId=hq&cameraId=cam-1", null).bodyAsJsonObject();
    assertEquals(0.9, eff.getJsonObject("effective").getJsonObject("models").getJsonObject("fire").getDouble("confidenceThreshold"));
    assertEquals("camera:acme:cam-1", eff.getJsonObject("sources").getString("models.fire.confidenceThreshold"));
    assertEquals(10, eff.getJsonObject("effective").getJsonObject("video").getJsonObject("normalize").getInteger("fps"));
    assertEquals("site:acme:hq", eff.getJsonObject("sources").getString("video.normalize.fps"));
    assertEquals("default", eff.getJsonObject("sources").getString("video.segment.lengthSeconds"));
    JsonObject other = send(port, "GET", "/api/v1/config/effective?customerId=other&cameraId=cam-1", null).bodyAsJsonObject();
    assertEquals(0.6, other.getJsonObject("effective").getJsonObject("models").getJsonObject("fire").getDouble("confidenceThreshold"),
        "another tenant's camera with the same id sees only the system value");
    assertEquals("system", other.getJsonObject("sources").getString("models.fire.confidenceThreshold"));

    // bad input: named field, nothing written
    HttpResponse<Buffer> bad = send(port, "PATCH", "/api/v1/config/scopes/camera:acme:cam-1",
        new JsonObject().put("patch", new JsonObject().put("video", new JsonObject().put("segment", new JsonObject().put("lengthSeconds", 11)))));
    assertEquals(400, bad.statusCode());
    assertEquals("application/problem+json", bad.getHeader("content-type"));
    assertEquals("patch.video.segment.lengthSeconds", bad.bodyAsJsonObject().getString("field"));
    assertTrue(bad.bodyAsJsonObject().getString("detail").contains("[1, 10]"));
    HttpResponse<Buffer> unknown = send(port, "PATCH", "/api/v1/config/scopes/camera:acme:cam-1",
        new JsonObject().put("patch", new JsonObject().put("modles", new JsonObject().put("x", 1))));
    assertEquals("patch.modles.x", unknown.bodyAsJsonObject().getString("field"));
    HttpResponse<Buffer> noBody = send(port, "PATCH", "/api/v1/config/scopes/camera:acme:cam-1", new JsonObject().put("pach", new JsonObject()));
    assertEquals(400, noBody.statusCode());
    assertEquals(1, send(port, "GET", "/api/v1/config/scopes/camera:acme:cam-1", null).bodyAsJsonObject().getInteger("version"));

    // optimistic locking, history, rollback
    HttpResponse<Buffer> stale = send(port, "PATCH", "/api/v1/config/scopes/camera:acme:cam-1",
        new JsonObject().put("patch", new JsonObject().put("notify", new JsonObject().put("channels", new JsonArray().add("email")))).put("expectedVersion", 0));
    assertEquals(409, stale.statusCode(), stale.bodyAsString());
    assertEquals(200, send(port, "PATCH", "/api/v1/config/scopes/camera:acme:cam-1",
        new JsonObject().put("patch", new JsonObject().put("models", new JsonObject().put("fire", new JsonObject().put("confidenceThreshold", 0.95)))).put("expectedVersion", 1)).statusCode());
    JsonArray versions = send(port, "GET", "/api/v1/config/scopes/camera:acme:cam-1/versions", null).bodyAsJsonArray();
    assertEquals(2, versions.size());
    assertEquals("lobby glare", versions.getJsonObject(1).getString("note"));
    assertTrue(versions.getJsonObject(0).getString("actor").startsWith("admin ("), versions.encode());
    HttpResponse<Buffer> rb = send(port, "POST", "/api/v1/config/scopes/camera:acme:cam-1/rollback", new JsonObject().put("version", 1));
    assertEquals(3, rb.bodyAsJsonObject().getInteger("version"));
    assertEquals(0.9, send(port, "GET", "/api/v1/config/effective?customerId=acme&cameraId=cam-1", null).bodyAsJsonObject()
        .getJsonObject("effective").getJsonObject("models").getJsonObject("fire").getDouble("confidenceThreshold"));
    assertEquals(404, send(port, "POST", "/api/v1/config/scopes/camera:acme:cam-1/rollback", new JsonObject().put("version", 99)).statusCode());
    assertEquals(204, send(port, "POST", "/api/v1/config/scopes/camera:acme:cam-1/refresh", null).statusCode());
    assertEquals(404, send(port, "GET", "/api/v1/config/scopes/camera:acme:nothing", null).statusCode());

    // every change is in the audit log, with old and new values
    long audits = await(node.stores().mongo().count(ConfigService.AUDIT_COLLECTION, new JsonObject().put("tenant_id", "acme")));
    assertEquals(5, audits, "customer, site, two camera writes and the rollback (system is not tenant acme)");
    JsonObject last = await(node.stores().mongo().findOne(ConfigService.AUDIT_COLLECTION,
        new JsonObject().put("target", "camera:acme:cam-1").put("new.version", 3), null));
    assertEquals("config.rollback", last.getString("action"));
    assertEquals(0.95, last.getJsonObject("old").getJsonObject("models").getJsonObject("fire").getDouble("confidenceThreshold"));
    assertEquals("127.0.0.1", last.getString("source_ip"));
    assertTrue(await(node.audit().verify("acme")).getBoolean("valid"), "hash chain intact");

    JsonObject schema = send(port, "GET", "/api/v1/config/schema", null).bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .filter(k -> k.getString("key").equals("video.segment.lengthSeconds")).findFirst().orElseThrow();
    assertEquals(5, schema.getInteger("default"));

    // restart on the same data dir and database: everything is still there
    await(vertx.undeploy(nodeDeployment)); // the root: deploymentIDs() also lists its children
    ControlPlaneVerticle again = new ControlPlaneVerticle(Role.ALL, cfg);
    await(vertx.deployVerticle(again));
    JsonObject after = send(again.httpPort(), "GET", "/api/v1/config/scopes/camera:acme:cam-1", null).bodyAsJsonObject();
    assertEquals(3, after.getInteger("version"));
    assertEquals(5L, await(again.stores().mongo().count(ConfigService.AUDIT_COLLECTION, new JsonObject().put("tenant_id", "acme"))),
        "the embedded Mongo kept the audit log");
  }
}
