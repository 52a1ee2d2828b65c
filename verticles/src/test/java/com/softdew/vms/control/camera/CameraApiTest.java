package com.softdew.vms.control.camera;

import static com.softdew.vms.control.testing.ApiClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.control.ControlPlaneVerticle;
import com.softdew.vms.control.testing.ApiClient;
import com.softdew.vms.control.testing.TestNode;
import com.softdew.vms.platform.store.TenantSql;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dhatim.fastexcel.Workbook;
import org.dhatim.fastexcel.Worksheet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** The camera registry through the API: CRUD, hierarchy search, sealed credentials, licence limit, bulk import. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CameraApiTest {
  static final String PW = "tenant-user-pass-phrase";
  TestNode test;
  Vertx vertx;
  ControlPlaneVerticle node;
  ApiClient api;
  String operator;
  String admin1;
  String admin2;

  @BeforeAll
  void start() throws Exception {
    test = TestNode.start(Map.of());
    vertx = test.vertx;
    node = test.node;
    api = test.api;
    operator = test.operator;
    for (String[] t : List.of(new String[] {"t1", "4"}, new String[] {"t2", "50"})) {
      assertEquals(201, api.call(operator, "POST", "/api/v1/tenants", new JsonObject().put("tenantId", t[0]).put("name", t[0])
          .put("licence", new JsonObject().put("cameraLimit", Integer.parseInt(t[1])).put("validUntil", Instant.now().plus(Duration.ofDays(90)).toString())))
          .statusCode());
      assertEquals(201, api.call(operator, "POST", "/api/v1/users", new JsonObject().put("username", t[0] + "-admin").put("password", PW)
          .put("role", "ADMIN").put("tenantId", t[0])).statusCode());
    }
    admin1 = api.token("t1-admin", PW);
    admin2 = api.token("t2-admin", PW);
    for (JsonObject n : List.of(
        new JsonObject().put("nodeId", "hq").put("kind", "SITE").put("name", "HQ"),
        new JsonObject().put("nodeId", "hq-b1").put("kind", "BUILDING").put("name", "B1").put("parentId", "hq"),
        new JsonObject().put("nodeId", "hq-b1-f1").put("kind", "FLOOR").put("name", "F1").put("parentId", "hq-b1"),
        new JsonObject().put("nodeId", "hq-b1-f1-lobby").put("kind", "ZONE").put("name", "Lobby").put("parentId", "hq-b1-f1"),
        new JsonObject().put("nodeId", "depot").put("kind", "SITE").put("name", "Depot"))) {
      assertEquals(201, api.call(admin1, "POST", "/api/v1/sites", n).statusCode());
    }
    problem(api.call(admin1, "POST", "/api/v1/sites", new JsonObject().put("kind", "ZONE").put("name", "x").put("parentId", "hq")), 400);
  }

  @AfterAll
  void stop() throws Exception {
    test.close();
  }

  /** A simulated ISAPI camera (admin / {@code password}) on {@code host}, any free port. */
  com.softdew.vms.sim.IsapiDeviceServer isapiSim(String serial, String host, String password) throws Exception {
    com.softdew.vms.sim.IsapiDeviceServer sim = new com.softdew.vms.sim.IsapiDeviceServer(vertx, new com.softdew.vms.sim.IsapiDeviceServer.Info(
        serial, "DS-2DE4425IW", "V5.6", "H264", 1920, 1080, 640, 360, 25, "admin", password), Files.createTempDirectory("sim"));
    simPort = await(sim.start(host, 0));
    return sim;
  }

  int simPort;

  static void problem(HttpResponse<Buffer> r, int status) {
    assertEquals(status, r.statusCode(), r.bodyAsString());
    assertEquals("application/problem+json", r.getHeader("content-type"));
  }

  static JsonObject cam(String id, String host, String node) {
    JsonObject j = new JsonObject().put("cameraId", id).put("name", "Camera " + id).put("host", host);
    if (node != null) j.put("nodeId", node);
    return j.put("rtspMain", "rtsp://" + host + ":554/main").put("rtspSub", "rtsp://" + host + ":554/sub")
        .put("onvifUrl", "http://" + host + "/onvif/device_service").put("authType", "DIGEST").put("username", "admin")
        .put("secret", "s3cret-" + id).put("tags", new JsonArray().add("outdoor"));
  }

  @Test
  @Order(1)
  void crudSearchSecretsAndConfigChain() throws Exception {
    HttpResponse<Buffer> c1 = api.call(admin1, "POST", "/api/v1/cameras", cam("lobby-1", "10.0.0.11", "hq-b1-f1-lobby"));
    assertEquals(201, c1.statusCode(), c1.bodyAsString());
    assertFalse(c1.bodyAsString().contains("s3cret"), "credentials are never returned");
    assertTrue(c1.bodyAsJsonObject().getBoolean("hasSecret"));
    assertEquals(201, api.call(admin1, "POST", "/api/v1/cameras", cam("gate-1", "10.0.0.12", "depot").put("tags", new JsonArray().add("gate"))).statusCode());

    // bad input names the field; duplicates are refused; nothing half-written
    HttpResponse<Buffer> bad = api.call(admin1, "POST", "/api/v1/cameras", cam("x", "10.0.0.13", "hq").put("rtspMain", "rtsp://admin:pw@10.0.0.13/main"));
    problem(bad, 400);
    assertEquals("rtspMain", bad.bodyAsJsonObject().getString("field"));
    problem(api.call(admin1, "POST", "/api/v1/cameras", cam("x", "10.0.0.13", "nowhere")), 400);
    problem(api.call(admin1, "POST", "/api/v1/cameras", cam("lobby-2", "10.0.0.11", "hq")), 409);
    JsonObject withoutPw = cam("x", "10.0.0.13", "hq");
    withoutPw.remove("secret");
    HttpResponse<Buffer> noPw = api.call(admin1, "POST", "/api/v1/cameras", withoutPw);
    problem(noPw, 400);
    assertEquals("secret", noPw.bodyAsJsonObject().getString("field"));

    // search by any level of the hierarchy, by tag, by text
    assertEquals(List.of("lobby-1"), ids(api.call(admin1, "GET", "/api/v1/cameras?nodeId=hq", null)));
    assertEquals(List.of("lobby-1"), ids(api.call(admin1, "GET", "/api/v1/cameras?nodeId=hq-b1-f1", null)));
    assertEquals(List.of("gate-1"), ids(api.call(admin1, "GET", "/api/v1/cameras?tag=gate", null)));
    assertEquals(List.of("lobby-1"), ids(api.call(admin1, "GET", "/api/v1/cameras?tag=outdoor", null)));
    assertEquals(List.of("gate-1", "lobby-1"), ids(api.call(admin1, "GET", "/api/v1/cameras", null)));
    // paging: integer query parameters arrive typed from the contract and must still be honoured
    assertEquals(List.of("gate-1"), ids(api.call(admin1, "GET", "/api/v1/cameras?limit=1", null)));
    assertEquals(List.of("lobby-1"), ids(api.call(admin1, "GET", "/api/v1/cameras?limit=1&offset=1", null)));
    assertEquals(List.of("gate-1"), ids(api.call(admin1, "GET", "/api/v1/cameras?q=10.0.0.12", null)));

    // sealed at rest, readable by the platform for its own clients
    String stored = await(new TenantSql(node.stores().dialect(), node.stores().sql()).inTenant("t1",
        c -> c.query("SELECT secret_sealed FROM camera WHERE camera_id = 'lobby-1'").execute())).iterator().next().getString(0);
    assertTrue(stored.startsWith("v1.") && !stored.contains("s3cret"), stored);
    assertEquals("s3cret-lobby-1", await(node.cameras().secretOf("t1", "lobby-1")));

    // update keeps the secret unless a new one is sent; moving the camera changes its configuration chain
    HttpResponse<Buffer> up = api.call(admin1, "PATCH", "/api/v1/cameras/lobby-1", new JsonObject().put("name", "Lobby East").put("nodeId", "depot"));
    assertEquals(200, up.statusCode(), up.bodyAsString());
    assertEquals(2, up.bodyAsJsonObject().getInteger("version"));
    assertEquals("s3cret-lobby-1", await(node.cameras().secretOf("t1", "lobby-1")));
    assertEquals(200, api.call(admin1, "PATCH", "/api/v1/config/scopes/site:t1:depot",
        new JsonObject().put("patch", new JsonObject().put("video", new JsonObject().put("normalize", new JsonObject().put("fps", 8))))).statusCode());
    JsonObject eff = api.call(admin1, "GET", "/api/v1/cameras/lobby-1/config", null).bodyAsJsonObject();
    assertEquals("site:t1:depot", eff.getJsonObject("sources").getString("video.normalize.fps"), eff.encode());

    // another tenant sees none of it
    problem(api.call(admin2, "GET", "/api/v1/cameras/lobby-1", null), 404);
    problem(api.call(admin2, "PATCH", "/api/v1/cameras/lobby-1", new JsonObject().put("name", "x")), 404);
    problem(api.call(admin2, "DELETE", "/api/v1/cameras/lobby-1", null), 404);
    problem(api.call(admin2, "GET", "/api/v1/cameras?tenantId=t1", null), 404);
    problem(api.call(admin2, "GET", "/api/v1/cameras/lobby-1/config", null), 404);
    assertEquals(0, api.call(admin2, "GET", "/api/v1/cameras", null).bodyAsJsonArray().size());

    assertEquals(204, api.call(admin1, "DELETE", "/api/v1/cameras/gate-1", null).statusCode());
    problem(api.call(admin1, "GET", "/api/v1/cameras/gate-1", null), 404);
  }

  @Test
  @Order(2)
  void licenceCameraLimitIsEnforced() throws Exception {
    // t1: limit 4, one camera left after test 1
    assertEquals(201, api.call(admin1, "POST", "/api/v1/cameras", cam("c2", "10.0.0.22", null)).statusCode());
    assertEquals(201, api.call(admin1, "POST", "/api/v1/cameras", cam("c3", "10.0.0.23", null)).statusCode());
    assertEquals(201, api.call(admin1, "POST", "/api/v1/cameras", cam("c4", "10.0.0.24", null)).statusCode());
    HttpResponse<Buffer> over = api.call(admin1, "POST", "/api/v1/cameras", cam("c5", "10.0.0.25", null));
    problem(over, 409);
    assertEquals(4, over.bodyAsJsonObject().getInteger("cameraLimit"));
    assertTrue(over.bodyAsJsonObject().getString("detail").contains("4 cameras"));
  }

  static List<String> ids(HttpResponse<Buffer> r) {
    assertEquals(200, r.statusCode(), r.bodyAsString());
    return r.bodyAsJsonArray().stream().map(o -> ((JsonObject) o).getString("cameraId")).sorted().toList();
  }

  HttpResponse<Buffer> upload(String token, String query, byte[] body) throws Exception {
    return await(WebClient.create(vertx).post(node.httpPort(), "127.0.0.1", "/api/v1/cameras/import?" + query)
        .putHeader("Authorization", "Bearer " + token).putHeader("content-type", "application/octet-stream").sendBuffer(Buffer.buffer(body)));
  }

  @Test
  @Order(3)
  void csvImportReportsEveryBadRowAndAllOrNothingImportsNothing() throws Exception {
    List<JsonObject> progress = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.clientImportProgress("t2"), m -> progress.add(m.body()));
    StringBuilder csv = new StringBuilder("name,host,rtspMain,authType,username,password,tags\n");
    for (int i = 1; i <= 30; i++) csv.append("Cam ").append(i).append(",10.2.0.").append(i).append(",rtsp://10.2.0.").append(i).append("/main,DIGEST,admin,pw").append(i).append(",yard;north\n");
    csv.append("Bad host,,rtsp://10.2.0.99/main,DIGEST,admin,pw,\n");              // line 32: host missing
    csv.append("Bad auth,10.2.0.98,rtsp://10.2.0.98/main,KERBEROS,admin,pw,\n");    // line 33
    csv.append("Dup,10.2.0.1,rtsp://10.2.0.1/main,DIGEST,admin,pw,\n");             // line 34: duplicate of line 2
    HttpResponse<Buffer> r = upload(admin2, "format=csv", csv.toString().getBytes());
    assertEquals(200, r.statusCode(), r.bodyAsString());
    JsonObject res = r.bodyAsJsonObject();
    assertEquals(0, res.getInteger("imported"), "all-or-nothing: nothing imported");
    assertEquals(List.of(32, 33, 34), res.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getInteger("line")).toList(), res.encode());
    assertEquals("host", res.getJsonArray("errors").getJsonObject(0).getString("field"));
    assertEquals(0, api.call(admin2, "GET", "/api/v1/cameras", null).bodyAsJsonArray().size());

    HttpResponse<Buffer> partial = upload(admin2, "format=csv&mode=valid-only", csv.toString().getBytes());
    assertEquals(30, partial.bodyAsJsonObject().getInteger("imported"), partial.bodyAsString());
    assertEquals(3, partial.bodyAsJsonObject().getJsonArray("errors").size());
    assertEquals(30, api.call(admin2, "GET", "/api/v1/cameras?tag=yard", null).bodyAsJsonArray().size());
    long deadline = System.currentTimeMillis() + 5000;
    while (progress.stream().noneMatch(p -> p.getInteger("done") == 30) && System.currentTimeMillis() < deadline) Thread.sleep(20);
    assertTrue(progress.stream().anyMatch(p -> p.getInteger("done") == 30 && p.getInteger("total") == 30), progress.toString());

    HttpResponse<Buffer> again = upload(admin2, "format=csv&mode=valid-only", csv.toString().getBytes());
    assertEquals(0, again.bodyAsJsonObject().getInteger("imported"), "re-importing the same file adds nothing");

    problem(upload(admin2, "format=csv", "nom,adresse\nx,y\n".getBytes()), 400);
    HttpResponse<Buffer> unknownCol = upload(admin2, "format=csv", "name,host,colour\nx,10.0.0.1,red\n".getBytes());
    problem(unknownCol, 400);
    assertTrue(unknownCol.bodyAsJsonObject().getString("detail").contains("colour"));
  }

  @Test
  @Order(4)
  void xlsxImportAndTheLicenceLimitPerRow() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Workbook wb = new Workbook(out, "vms-test", "1.0")) {
      Worksheet ws = wb.newWorksheet("cameras");
      String[] head = {"name", "host", "rtspMain", "authType", "username", "password", "nodeId"};
      for (int c = 0; c < head.length; c++) ws.value(0, c, head[c]);
      for (int i = 1; i <= 3; i++) {
        ws.value(i, 0, "X" + i);
        ws.value(i, 1, "10.3.0." + i);
        ws.value(i, 2, "rtsp://10.3.0." + i + "/main");
        ws.value(i, 3, "BASIC");
        ws.value(i, 4, "admin");
        ws.value(i, 5, "pw" + i);
        ws.value(i, 6, "hq");
      }
    }
    // t1 is at its limit of 4: every row is refused for the licence, naming it
    HttpResponse<Buffer> full = upload(admin1, "format=xlsx&mode=valid-only", out.toByteArray());
    assertEquals(0, full.bodyAsJsonObject().getInteger("imported"), full.bodyAsString());
    assertEquals(List.of("licence", "licence", "licence"), full.bodyAsJsonObject().getJsonArray("errors").stream()
        .map(e -> ((JsonObject) e).getString("field")).toList());
    assertEquals(2, full.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getInteger("line"), "lines count from the header row 1");
    // room for two more: the first two rows go in, the third is reported
    assertEquals(200, api.call(operator, "PUT", "/api/v1/tenants/t1/licence", new JsonObject().put("cameraLimit", 6)
        .put("validUntil", Instant.now().plus(Duration.ofDays(90)).toString())).statusCode());
    HttpResponse<Buffer> some = upload(admin1, "format=xlsx&mode=valid-only", out.toByteArray());
    assertEquals(2, some.bodyAsJsonObject().getInteger("imported"), some.bodyAsString());
    assertEquals(4, some.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getInteger("line"));
    problem(upload(admin1, "format=xlsx", "not a workbook".getBytes()), 400);
    assertNull(api.call(admin1, "GET", "/api/v1/cameras", null).bodyAsJsonArray().stream()
        .filter(o -> ((JsonObject) o).containsKey("secret")).findAny().orElse(null));
  }

  @Test
  @Order(5)
  void ptzThroughTheApiMovesTheSimulatedCamera() throws Exception {
    com.softdew.vms.sim.IsapiDeviceServer sim = isapiSim("PTZAPI", "127.0.0.1", "cam-pw");
    int port = simPort;
    try {
      JsonObject c = new JsonObject().put("cameraId", "dome-1").put("name", "Dome").put("host", "127.0.0.1")
          .put("onvifUrl", "http://127.0.0.1:" + port + "/onvif/device_service").put("rtspMain", "rtsp://127.0.0.1/dome")
          .put("authType", "DIGEST").put("username", "admin").put("secret", "cam-pw").put("plugin", "isapi");
      assertEquals(201, api.call(admin2, "POST", "/api/v1/cameras", c).statusCode());
      HttpResponse<Buffer> moved = api.call(admin2, "POST", "/api/v1/cameras/dome-1/ptz/move",
          new JsonObject().put("mode", "absolute").put("pan", 0.5).put("tilt", -0.2).put("zoom", 0.3));
      assertEquals(200, moved.statusCode(), moved.bodyAsString());
      assertEquals(0.5, moved.bodyAsJsonObject().getDouble("pan"), 0.01);
      problem(api.call(admin2, "POST", "/api/v1/cameras/dome-1/ptz/move", new JsonObject().put("mode", "absolute").put("pan", 2)), 400);
      HttpResponse<Buffer> p1 = api.call(admin2, "POST", "/api/v1/cameras/dome-1/ptz/presets", new JsonObject().put("name", "gate"));
      assertEquals(201, p1.statusCode(), p1.bodyAsString());
      api.call(admin2, "POST", "/api/v1/cameras/dome-1/ptz/move", new JsonObject().put("mode", "relative").put("pan", -0.4));
      HttpResponse<Buffer> p2 = api.call(admin2, "POST", "/api/v1/cameras/dome-1/ptz/presets", new JsonObject().put("name", "dock"));
      String gate = p1.bodyAsJsonObject().getString("presetId");
      String dock = p2.bodyAsJsonObject().getString("presetId");
      assertEquals(0.5, api.call(admin2, "POST", "/api/v1/cameras/dome-1/ptz/presets/" + gate + "/goto", null).bodyAsJsonObject().getDouble("pan"), 0.01);
      assertEquals(200, api.call(admin2, "POST", "/api/v1/cameras/dome-1/ptz/tour", new JsonObject().put("steps", new JsonArray()
          .add(new JsonObject().put("presetId", gate).put("dwellSeconds", 0.2)).add(new JsonObject().put("presetId", dock).put("dwellSeconds", 0.2)))).statusCode());
      assertTrue(api.call(admin2, "GET", "/api/v1/cameras/dome-1/ptz/status", null).bodyAsJsonObject().getBoolean("tourRunning"));
      assertEquals(200, api.call(admin2, "POST", "/api/v1/cameras/dome-1/ptz/stop", null).statusCode());
      assertFalse(api.call(admin2, "GET", "/api/v1/cameras/dome-1/ptz/status", null).bodyAsJsonObject().getBoolean("tourRunning"));
      assertEquals(2, api.call(admin2, "GET", "/api/v1/cameras/dome-1/ptz/presets", null).bodyAsJsonArray().size());
      assertEquals(204, api.call(admin2, "DELETE", "/api/v1/cameras/dome-1/ptz/presets/" + dock, null).statusCode());
      problem(api.call(admin1, "GET", "/api/v1/cameras/dome-1/ptz/status", null), 404);

      sim.setPassword("changed-on-the-camera");
      assertEquals(200, api.call(admin2, "PATCH", "/api/v1/cameras/dome-1", new JsonObject().put("name", "Dome 1")).statusCode()); // drops the cached driver
      HttpResponse<Buffer> refused = api.call(admin2, "GET", "/api/v1/cameras/dome-1/ptz/status", null);
      problem(refused, 502);
      assertTrue(refused.bodyAsJsonObject().getString("type").endsWith("camera-auth-failed"), refused.bodyAsString());
      problem(api.call(admin2, "GET", "/api/v1/cameras/" + api.call(admin2, "GET", "/api/v1/cameras?tag=yard&limit=1", null)
          .bodyAsJsonArray().getJsonObject(0).getString("cameraId") + "/ptz/status", null), 409);
    } finally {
      await(sim.stop());
    }
  }

  @Test
  @Order(6)
  void healthProbesTellUnreachableFromWrongPasswordAndPushChanges() throws Exception {
    com.softdew.vms.sim.IsapiDeviceServer sim = isapiSim("HEALTH", "127.0.0.1", "cam-pw");
    int port = simPort;
    List<JsonObject> pushed = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.clientCameraStatus("t2"), m -> pushed.add(m.body()));
    try {
      assertEquals(201, api.call(admin2, "POST", "/api/v1/cameras", new JsonObject().put("cameraId", "hc-1").put("name", "HC").put("host", "127.0.0.1")
          .put("onvifUrl", "http://127.0.0.1:" + port + "/onvif/device_service").put("rtspMain", "rtsp://127.0.0.1/hc")
          .put("authType", "DIGEST").put("username", "admin").put("secret", "cam-pw").put("plugin", "isapi")).statusCode());
      int dead;
      try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
        dead = s.getLocalPort();
      }
      assertEquals(201, api.call(admin2, "POST", "/api/v1/cameras", new JsonObject().put("cameraId", "hc-2").put("name", "Dead").put("host", "127.0.0.1")
          .put("rtspMain", "rtsp://127.0.0.1:" + dead + "/x").put("authType", "DIGEST").put("username", "admin").put("secret", "x")).statusCode());
      assertEquals("UNKNOWN", api.call(admin2, "GET", "/api/v1/cameras/hc-1/health", null).bodyAsJsonObject().getString("state"));
      assertEquals("UP", api.call(admin2, "POST", "/api/v1/cameras/hc-1/health/check", null).bodyAsJsonObject().getString("state"));
      JsonObject down = api.call(admin2, "POST", "/api/v1/cameras/hc-2/health/check", null).bodyAsJsonObject();
      assertEquals("UNREACHABLE", down.getString("state"), down.encode());
      sim.setPassword("rotated");
      JsonObject auth = api.call(admin2, "POST", "/api/v1/cameras/hc-1/health/check", null).bodyAsJsonObject();
      assertEquals("AUTH_FAILED", auth.getString("state"), auth.encode());
      long deadline = System.currentTimeMillis() + 3000;
      while (pushed.size() < 3 && System.currentTimeMillis() < deadline) Thread.sleep(20);
      assertEquals(List.of("hc-1:UP", "hc-2:UNREACHABLE", "hc-1:AUTH_FAILED"),
          pushed.stream().map(p -> p.getString("cameraId") + ":" + p.getString("state")).toList());
      problem(api.call(admin1, "GET", "/api/v1/cameras/hc-1/health", null), 404);
    } finally {
      await(sim.stop());
    }
  }

  @Test
  @Order(7)
  void discoveryScanFindsTheSimulatedCamera() throws Exception {
    com.softdew.vms.sim.IsapiDeviceServer sim = isapiSim("DISC", "127.0.0.5", "pw");
    int port = simPort;
    try {
      HttpResponse<Buffer> r = api.call(admin2, "POST", "/api/v1/discovery/scan", new JsonObject().put("cidr", "127.0.0.4/30")
          .put("ports", new JsonArray().add(port)));
      assertEquals(200, r.statusCode(), r.bodyAsString());
      JsonArray found = r.bodyAsJsonObject().getJsonArray("found");
      assertEquals(1, found.size(), found.encode());
      assertEquals("127.0.0.5", found.getJsonObject(0).getString("host"));
      assertEquals(new JsonArray().add("isapi"), found.getJsonObject(0).getJsonArray("protocols"));
      HttpResponse<Buffer> bad = api.call(admin2, "POST", "/api/v1/discovery/scan", new JsonObject().put("cidr", "10.0.0.0/8"));
      problem(bad, 400);
      assertEquals("cidr", bad.bodyAsJsonObject().getString("field"));
      problem(api.call(tokenOfViewer(), "POST", "/api/v1/discovery/scan", new JsonObject().put("cidr", "127.0.0.5/32")), 403);
      // onboarding an address where no ONVIF device answers: 502 naming the field, nothing registered
      int before = api.call(admin2, "GET", "/api/v1/cameras", null).bodyAsJsonArray().size();
      HttpResponse<Buffer> nobody = api.call(admin2, "POST", "/api/v1/cameras/onvif", new JsonObject()
          .put("onvifUrl", "http://127.0.0.5:" + port + "/onvif/device_service").put("username", "admin").put("password", "pw"));
      problem(nobody, 502);
      assertEquals("onvifUrl", nobody.bodyAsJsonObject().getString("field"));
      assertEquals(before, api.call(admin2, "GET", "/api/v1/cameras", null).bodyAsJsonArray().size());
      HttpResponse<Buffer> badPlugin = api.call(admin2, "POST", "/api/v1/cameras", cam("p-1", "10.9.0.1", null).put("plugin", "dahua-sdk"));
      problem(badPlugin, 400);
      assertEquals("plugin", badPlugin.bodyAsJsonObject().getString("field"));
    } finally {
      await(sim.stop());
    }
  }

  String tokenOfViewer() throws Exception {
    assertEquals(201, api.call(operator, "POST", "/api/v1/users", new JsonObject().put("username", "t2-viewer").put("password", PW)
        .put("role", "VIEWER").put("tenantId", "t2")).statusCode());
    return api.token("t2-viewer", PW);
  }
}
