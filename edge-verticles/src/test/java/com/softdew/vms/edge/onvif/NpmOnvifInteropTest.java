package com.softdew.vms.edge.onvif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.sim.OnvifDeviceServer;
import com.softdew.vms.sim.SimCameraInfo;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A third-party ONVIF client, the npm {@code onvif} package driven by src/test/node/onvif-interop.js,
 * talks to the simulator: connect (clock, GetServices, Media2 profiles, video sources), device
 * information, stream URIs, PTZ absolute move and status, preset set and goto.
 */
class NpmOnvifInteropTest {
  static final SimCameraInfo INFO = new SimCameraInfo("SIM-NODE-7", "Softdew", "SimCam PTZ", "4.5.6",
      "rtsp://127.0.0.1:8554/node/main", "rtsp://127.0.0.1:8554/node/sub", 2560, 1440, 704, 576, "H264", "operator",
      "p@ss word");
  static Vertx vertx;
  static OnvifDeviceServer sim;
  static Path nodeModules;

  @BeforeAll
  static void start() throws Exception {
    nodeModules = NpmOnvifPackage.client().getParent();
    vertx = Vertx.vertx();
    sim = new OnvifDeviceServer(vertx, INFO).start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    sim.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Runs the node script; returns its exit code and last JSON line. */
  private static Object[] runNode(String password) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(List.of("node", Path.of("src/test/node/onvif-interop.js").toAbsolutePath().toString(),
        "127.0.0.1", Integer.toString(sim.port()), INFO.user(), password));
    pb.environment().put("NODE_PATH", nodeModules.toString());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out;
    try (var in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "node did not finish");
    String line = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow(() -> new AssertionError(out));
    return new Object[] {p.exitValue(), new JsonObject(line), out};
  }

  @Test
  void npmOnvifClientReadsTheSimulator() throws Exception {
    long t0 = System.nanoTime();
    Object[] run = runNode(INFO.password());
    System.out.printf("MEASURE npm onvif session (node start, connect, 11 calls): %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertEquals(0, run[0], (String) run[2]);
    JsonObject r = (JsonObject) run[1];

    assertTrue(r.getBoolean("media2"), "the npm client picked Media2 from GetServices");
    JsonObject info = r.getJsonObject("info");
    assertEquals("Softdew", info.getString("manufacturer"));
    assertEquals("SimCam PTZ", info.getString("model"));
    assertEquals("4.5.6", info.getString("firmwareVersion"));
    assertEquals("SIM-NODE-7", info.getString("serialNumber"));

    JsonArray profiles = r.getJsonArray("profiles");
    assertEquals(2, profiles.size());
    assertEquals(new JsonObject().put("token", "main").put("name", "main").put("encoding", "H264").put("width", 2560)
        .put("height", 1440).put("ptz", "ptz0"), profiles.getJsonObject(0));
    assertEquals(704, profiles.getJsonObject(1).getInteger("width"));
    assertEquals(576, profiles.getJsonObject(1).getInteger("height"));

    assertEquals(INFO.rtspMain(), r.getString("streamMain"));
    assertEquals(INFO.rtspSub(), r.getString("streamSub"));

    JsonObject moved = r.getJsonObject("afterMove");
    assertEquals(0.5, moved.getDouble("x"), 1e-9);
    assertEquals(-0.25, moved.getDouble("y"), 1e-9);
    assertEquals(0.75, moved.getDouble("zoom"), 1e-9);
    assertEquals(-1.0, r.getJsonObject("elsewhere").getDouble("x"), 1e-9);
    JsonObject back = r.getJsonObject("afterGoto");
    assertEquals(moved, back, "GotoPreset returned to the stored position");
    assertTrue(r.getString("presetToken").startsWith("preset_"));
  }

  @Test
  void npmOnvifClientSeesTheNotAuthorizedFault() throws Exception {
    Object[] run = runNode("not the password");
    assertEquals(2, run[0], (String) run[2]);
    String error = ((JsonObject) run[1]).getString("error");
    assertTrue(error.contains("Sender not Authorized"), error);
  }
}
