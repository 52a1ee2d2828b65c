package com.softdew.vms.control.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.control.testing.ApiClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jars as an operator runs them: vms.jar with embedded stores reaches ready, serves
 * /metrics, /docs and the OpenAPI document, stops cleanly on SIGTERM within 10 s, keeps data across a
 * restart, and refuses a bad configuration key with exit code 2; vms-edge.jar runs alone.
 */
class FatJarIT {
  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  static final Path VMS_JAR = ROOT.resolve("verticles/target/vms.jar");
  static final Path EDGE_JAR = ROOT.resolve("edge-verticles/target/vms-edge.jar");
  static final String DB = "vms_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  static final String ADMIN_PW = "fat-jar-operator-pass";
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir static Path dir;
  static String token;

  @BeforeAll
  static void createDb() throws Exception {
    assertEquals(0, psql("CREATE DATABASE " + DB));
  }

  @AfterAll
  static void dropDb() throws Exception {
    psql("DROP DATABASE IF EXISTS " + DB);
  }

  /** Runs SQL on the machine's PostgreSQL through a one-off java process-free path: the psql client. */
  static int psql(String sql) throws Exception {
    Process p = new ProcessBuilder("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", sql)
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static Process start(Path jar, int port, Path log, String... args) throws IOException {
    List<String> cmd = new java.util.ArrayList<>(List.of("java", "-Xmx512m", "-jar", jar.toString(), "--profile", "test"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("VMS_"));
    env.putAll(Map.of("VMS_HTTP_PORT", Integer.toString(port), "VMS_DATA_DIR", dir.resolve("data").toString(),
        "VMS_SQL_URL", "postgresql://postgres@127.0.0.1:5432/" + DB, "VMS_LOG_LEVEL", "INFO", "VMS_ADMIN_PASSWORD", ADMIN_PW));
    return pb.start();
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static void awaitReady(Process p, int port, Path log) throws Exception {
    long deadline = System.currentTimeMillis() + 90_000;
    while (System.currentTimeMillis() < deadline) {
      if (!p.isAlive()) throw new AssertionError("process exited " + p.exitValue() + ":\n" + Files.readString(log));
      try {
        if (get(port, "/health/ready").statusCode() == 200) return;
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("not ready in 90 s:\n" + Files.readString(log));
  }

  static long sigterm(Process p) throws Exception {
    long t0 = System.nanoTime();
    p.destroy(); // SIGTERM
    boolean exited = p.waitFor(10, TimeUnit.SECONDS);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    if (!exited) p.destroyForcibly();
    assertTrue(exited, "did not stop within 10 s of SIGTERM");
    return ms;
  }

  @Test
  void allInOneJarServesStopsCleanlyAndKeepsData() throws Exception {
    int port = freePort();
    Path log = dir.resolve("vms-1.log");
    Process p = start(VMS_JAR, port, log);
    try {
      awaitReady(p, port, log);
      JsonObject detailed = new JsonObject(get(port, "/health/detailed").body());
      Map<String, JsonObject> checks = new HashMap<>();
      detailed.getJsonArray("checks").forEach(o -> checks.put(((JsonObject) o).getString("id"), (JsonObject) o));
      assertEquals(List.of("cache", "kafka", "mongo", "sql"), checks.keySet().stream().sorted().toList());
      checks.values().forEach(c -> assertEquals("UP", c.getString("status"), c.encode()));
      assertTrue(checks.get("kafka").getBoolean("embedded") && checks.get("mongo").getBoolean("embedded"));
      assertEquals("in-process", checks.get("cache").getString("kind"));

      assertTrue(get(port, "/metrics").body().contains("vertx_http_server_requests_total"));
      assertEquals(200, get(port, "/docs/index.html").statusCode());
      assertEquals("3.1.0", new JsonObject(get(port, "/openapi.json").body()).getString("openapi"));
      assertEquals(401, get(port, "/api/v1/config/schema").statusCode(), "the API needs a token");
      io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
      try {
        ApiClient api = new ApiClient(vertx, port);
        token = api.token("admin", ADMIN_PW);
        var put = api.call(token, "PATCH", "/api/v1/config/scopes/customer:acme",
            new JsonObject().put("patch", new JsonObject().put("video", new JsonObject().put("normalize", new JsonObject().put("fps", 12)))));
        assertEquals(200, put.statusCode(), put.bodyAsString());
      } finally {
        ApiClient.await(vertx.close());
      }
    } finally {
      long ms = sigterm(p);
      System.out.println("vms.jar stopped " + ms + " ms after SIGTERM");
    }
    String out = Files.readString(log);
    assertTrue(out.contains("stopped"), "clean stop logged:\n" + out);

    Path log2 = dir.resolve("vms-2.log");
    Process again = start(VMS_JAR, port, log2);
    try {
      awaitReady(again, port, log2);
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/config/scopes/customer:acme"))
          .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), "the token issued before the restart still verifies (keys are in SQL): " + r.body());
      JsonObject scope = new JsonObject(r.body());
      assertEquals(12, scope.getJsonObject("doc").getJsonObject("video").getJsonObject("normalize").getInteger("fps"));
    } finally {
      sigterm(again);
    }
  }

  @Test
  void badConfKeyExitsTwoNamingIt() throws Exception {
    Path conf = dir.resolve("bad.yaml");
    Files.writeString(conf, "http:\n  port: 8080\n  prot: 9\n");
    Path log = dir.resolve("bad.log");
    Process p = start(VMS_JAR, freePort(), log, "--conf", conf.toString());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue());
    String out = Files.readString(log).strip();
    assertTrue(out.contains("'http.prot'"), out);
    assertEquals(1, out.lines().count(), out);
  }

  @Test
  void edgeJarRunsWithoutTheControlPlane() throws Exception {
    int port = freePort();
    Path log = dir.resolve("edge.log");
    Process p = start(EDGE_JAR, port, log);
    try {
      awaitReady(p, port, log);
      JsonObject detailed = new JsonObject(get(port, "/health/detailed").body());
      assertEquals(1, detailed.getJsonArray("checks").size(), detailed.encode());
      assertEquals("kafka", detailed.getJsonArray("checks").getJsonObject(0).getString("id"));
      assertEquals(404, get(port, "/api/v1/config/schema").statusCode(), "no control plane in the edge jar");
    } finally {
      sigterm(p);
    }
    // the edge jar does not contain the control plane's classes
    try (var jar = new java.util.jar.JarFile(EDGE_JAR.toFile())) {
      assertTrue(jar.stream().noneMatch(e -> e.getName().startsWith("com/softdew/vms/control/")));
    }
  }
}
