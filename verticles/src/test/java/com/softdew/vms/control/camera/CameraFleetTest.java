package com.softdew.vms.control.camera;

import static com.softdew.vms.control.testing.ApiClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.control.ControlPlaneVerticle;
import com.softdew.vms.control.testing.ApiClient;
import com.softdew.vms.edge.discovery.MulticastSettings;
import com.softdew.vms.platform.launch.Role;
import com.softdew.vms.platform.testing.LocalPostgres;
import com.softdew.vms.platform.testing.TestConfigs;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The camera issue's end-to-end check: 20 simulated cameras on 127.0.2.1-20 are discovered by
 * WS-Discovery and by an IP-range scan, added through the platform's one-click ONVIF onboarding (which
 * reads their profiles and stream URIs from the devices), and ffprobe — a client we did not write —
 * plays every stream URI the platform stored. One camera is then driven by ONVIF PTZ through the API.
 */
class CameraFleetTest {
  static final int N = 20;
  static final String ADMIN_PW = "operator-pass-phrase-1";

  static int freePortOn(String host) throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return s.getLocalPort();
    }
  }

  @Test
  void twentyCamerasDiscoveredAddedAndPlayed() throws Exception {
    Vertx vertx = Vertx.vertx();
    String db = LocalPostgres.freshName();
    LocalPostgres.exec(vertx, "CREATE DATABASE " + db);
    CameraSimulator sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
    ExecutorService probes = Executors.newFixedThreadPool(4);
    try {
      int rtsp = freePortOn("127.0.2.1");
      int onvif = freePortOn("127.0.2.1");
      int isapi = freePortOn("127.0.2.1");
      long t0 = System.nanoTime();
      List<CameraSimulator.Descriptor> cams = await(sim.startCameras(N, Codec.H264, i -> "127.0.2." + (i + 1), i -> rtsp, onvif, isapi,
          MulticastSettings.loopback()));
      System.out.printf("%d simulated cameras up in %d ms%n", N, (System.nanoTime() - t0) / 1_000_000);

      ControlPlaneVerticle node = new ControlPlaneVerticle(Role.ALL, TestConfigs.create(Files.createTempDirectory("vms-fleet"),
          Map.of("sql.url", LocalPostgres.url(db), "admin.password", ADMIN_PW)));
      await(vertx.deployVerticle(node));
      ApiClient api = new ApiClient(vertx, node.httpPort());
      String op = api.token("admin", ADMIN_PW);
      assertEquals(201, api.call(op, "POST", "/api/v1/tenants", new JsonObject().put("tenantId", "site1").put("name", "Site 1")
          .put("licence", new JsonObject().put("cameraLimit", 25).put("validUntil", Instant.now().plus(Duration.ofDays(30)).toString()))).statusCode());

      // WS-Discovery (multicast on loopback)
      HttpResponse<Buffer> ws = api.call(op, "POST", "/api/v1/discovery/onvif?tenantId=site1", new JsonObject().put("windowMs", 2000));
      assertEquals(200, ws.statusCode(), ws.bodyAsString());
      List<String> xaddrs = ws.bodyAsJsonObject().getJsonArray("found").stream()
          .map(o -> ((JsonObject) o).getJsonArray("xaddrs").getString(0)).filter(x -> x.contains("127.0.2.")).sorted().toList();
      assertEquals(N, xaddrs.size(), "all cameras answered the WS-Discovery probe: " + ws.bodyAsString());

      // IP-range scan of the subnet
      HttpResponse<Buffer> scan = api.call(op, "POST", "/api/v1/discovery/scan?tenantId=site1", new JsonObject().put("cidr", "127.0.2.0/27")
          .put("ports", new JsonArray().add(rtsp).add(onvif).add(isapi)));
      assertEquals(200, scan.statusCode(), scan.bodyAsString());
      JsonArray found = scan.bodyAsJsonObject().getJsonArray("found");
      assertEquals(N, found.size(), scan.bodyAsString());
      found.forEach(f -> assertEquals(new JsonArray().add("isapi").add("onvif").add("rtsp"), ((JsonObject) f).getJsonArray("protocols"), f.toString()));
      System.out.printf("scan of 30 addresses x 3 ports: %d ms%n", scan.bodyAsJsonObject().getLong("millis"));

      // one-click add: profiles and stream URIs come from each device
      Map<String, String> passwords = new HashMap<>();
      cams.forEach(c -> passwords.put(URI.create(c.extra().get("onvif")).getHost(), c.password()));
      for (String x : xaddrs) {
        String host = URI.create(x).getHost();
        HttpResponse<Buffer> added = api.call(op, "POST", "/api/v1/cameras/onvif?tenantId=site1", new JsonObject().put("onvifUrl", x)
            .put("username", "admin").put("password", passwords.get(host)).put("cameraId", "cam-" + host.replace('.', '-')));
        assertEquals(201, added.statusCode(), added.bodyAsString());
        assertEquals(2, added.bodyAsJsonObject().getJsonArray("profiles").size());
      }
      HttpResponse<Buffer> wrong = api.call(op, "POST", "/api/v1/discovery/onvif/inspect?tenantId=site1",
          new JsonObject().put("onvifUrl", xaddrs.get(0)).put("username", "admin").put("password", "wrong"));
      assertEquals(400, wrong.statusCode(), wrong.bodyAsString());
      assertEquals("password", wrong.bodyAsJsonObject().getString("field"));
      HttpResponse<Buffer> dup = api.call(op, "POST", "/api/v1/cameras/onvif?tenantId=site1", new JsonObject().put("onvifUrl", xaddrs.get(0))
          .put("username", "admin").put("password", passwords.get(URI.create(xaddrs.get(0)).getHost())));
      assertEquals(409, dup.statusCode(), "the same camera twice: " + dup.bodyAsString());

      // ffprobe plays every stored stream URI
      JsonArray stored = api.call(op, "GET", "/api/v1/cameras?tenantId=site1", null).bodyAsJsonArray();
      assertEquals(N, stored.size());
      List<Future<String>> results = new ArrayList<>();
      for (Object o : stored) {
        JsonObject c = (JsonObject) o;
        URI u = URI.create(c.getString("rtspMain"));
        String withCreds = "rtsp://admin:" + passwords.get(u.getHost()) + "@" + u.getHost() + ":" + u.getPort() + u.getPath();
        results.add(probes.submit(() -> ffprobe(withCreds)));
      }
      for (Future<String> r : results) {
        String out = r.get(90, TimeUnit.SECONDS);
        JsonObject s = new JsonObject(out).getJsonArray("streams").getJsonObject(0);
        assertEquals("h264", s.getString("codec_name"), out);
        assertEquals(1280, s.getInteger("width"));
        assertEquals(720, s.getInteger("height"));
      }

      // ONVIF PTZ through the API, read back from the simulated head
      String first = stored.getJsonObject(0).getString("cameraId");
      HttpResponse<Buffer> moved = api.call(op, "POST", "/api/v1/cameras/" + first + "/ptz/move?tenantId=site1",
          new JsonObject().put("mode", "absolute").put("pan", -0.4).put("tilt", 0.3).put("zoom", 0.2));
      assertEquals(200, moved.statusCode(), moved.bodyAsString());
      assertEquals(-0.4, moved.bodyAsJsonObject().getDouble("pan"), 0.01);
      assertEquals(0.3, moved.bodyAsJsonObject().getDouble("tilt"), 0.01);
      // what ONVIF reported is stored, and a model the stream cannot serve is refused with its reason
      JsonObject stored0 = api.call(op, "GET", "/api/v1/cameras/" + first + "?tenantId=site1", null).bodyAsJsonObject();
      assertEquals("1280x720", stored0.getString("resolution"), stored0.encode());
      assertEquals("h264", stored0.getString("codec"));
      assertEquals(200, api.call(op, "PUT", "/api/v1/tenants/site1/licence", new JsonObject().put("cameraLimit", 25)
          .put("validUntil", Instant.now().plus(Duration.ofDays(30)).toString()).put("models", new JsonArray().add("anpr").add("motion"))).statusCode());
      HttpResponse<Buffer> anpr = api.call(op, "PATCH", "/api/v1/config/scopes/camera:site1:" + first, new JsonObject().put("patch",
          new JsonObject().put("models", new JsonObject().put("anpr", new JsonObject().put("enabled", true)))));
      assertEquals(409, anpr.statusCode(), anpr.bodyAsString());
      assertTrue(anpr.bodyAsJsonObject().getString("detail").contains("1080p"), anpr.bodyAsString());
      assertEquals("anpr", anpr.bodyAsJsonObject().getString("model"));
      assertEquals(200, api.call(op, "PATCH", "/api/v1/config/scopes/camera:site1:" + first, new JsonObject().put("patch",
          new JsonObject().put("models", new JsonObject().put("motion", new JsonObject().put("enabled", true))))).statusCode());

      JsonObject health = api.call(op, "POST", "/api/v1/cameras/" + first + "/health/check?tenantId=site1", null).bodyAsJsonObject();
      assertEquals("UP", health.getString("state"), health.encode());
      assertTrue(health.getBoolean("streaming") && health.getDouble("fps") > 10 && health.getLong("kbps") > 50, health.encode());
    } finally {
      probes.shutdownNow();
      await(sim.stop());
      await(vertx.close());
      Vertx admin = Vertx.vertx();
      LocalPostgres.exec(admin, "DROP DATABASE IF EXISTS " + db);
      await(admin.close());
    }
  }

  static String ffprobe(String url) throws Exception {
    Process p = new ProcessBuilder("ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v:0",
        "-show_entries", "stream=codec_name,width,height", "-of", "json", url).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ffprobe hung on " + url);
    assertEquals(0, p.exitValue(), "ffprobe " + url + ": " + out);
    return out;
  }
}
