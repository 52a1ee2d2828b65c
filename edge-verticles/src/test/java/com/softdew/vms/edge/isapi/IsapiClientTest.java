package com.softdew.vms.edge.isapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.sim.IsapiDeviceServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ISAPI client against the simulator's ISAPI face, and the simulator against curl (a third-party Digest client). */
class IsapiClientTest {
  Vertx vertx;
  IsapiDeviceServer sim;
  int port;
  @TempDir Path dir;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    sim = new IsapiDeviceServer(vertx, new IsapiDeviceServer.Info("DS2CD0001", "DS-2CD2143G2-I", "V5.7.3", "H264", 1920, 1080, 640, 360,
        15, "admin", "pass1"), dir);
    port = await(sim.start("127.0.0.1", 0));
  }

  @AfterEach
  void stop() throws Exception {
    await(sim.stop());
    await(vertx.close());
  }

  @Test
  void deviceChannelsPtzPresetsAndEvents() throws Exception {
    IsapiClient c = new IsapiClient(vertx, "http://127.0.0.1:" + port, "admin", "pass1");
    IsapiClient.DeviceInfo info = await(c.deviceInfo());
    assertEquals("DS2CD0001", info.serialNumber());
    assertEquals("DS-2CD2143G2-I", info.model());
    List<IsapiClient.Channel> ch = await(c.channels());
    assertEquals(2, ch.size());
    assertEquals("101", ch.get(0).id());
    assertEquals("H.264", ch.get(0).codec());
    assertEquals(1920, ch.get(0).width());
    assertEquals(360, ch.get(1).height());
    assertEquals(15.0, ch.get(1).fps());

    IsapiClient.PtzStatus before = await(c.ptzStatus());
    await(c.ptzContinuous(60, 0, 0));
    Thread.sleep(500);
    await(c.ptzContinuous(0, 0, 0));
    IsapiClient.PtzStatus after = await(c.ptzStatus());
    int moved = Math.floorMod(after.azimuth() - before.azimuth(), 3600);
    assertTrue(moved > 400 && moved < 800, "speed 0.6 for 0.5 s pans 0.3 units = ~540 tenths of a degree, got " + moved);
    await(c.setPreset(3, "gate"));
    await(c.ptzContinuous(0, -80, 50));
    Thread.sleep(300);
    await(c.ptzContinuous(0, 0, 0));
    assertTrue(await(c.ptzStatus()).elevation() < after.elevation());
    await(c.gotoPreset(3));
    IsapiClient.PtzStatus back = await(c.ptzStatus());
    assertEquals(after.azimuth(), back.azimuth(), 2);
    assertEquals(after.elevation(), back.elevation(), 2);
    await(c.removePreset(3));
    ExecutionException gone = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> await(c.gotoPreset(3)));
    assertEquals(404, ((IsapiClient.IsapiException) gone.getCause()).status());

    List<IsapiClient.Alert> alerts = new CopyOnWriteArrayList<>();
    IsapiClient.AlertStream stream = await(c.alertStream(alerts::add));
    long deadline = System.currentTimeMillis() + 3000;
    while (sim.openStreams() == 0 && System.currentTimeMillis() < deadline) Thread.sleep(20);
    sim.fireEvent("VMD", true);
    sim.fireEvent("tamperdetection", true);
    sim.fireEvent("VMD", false);
    deadline = System.currentTimeMillis() + 3000;
    while (alerts.size() < 3 && System.currentTimeMillis() < deadline) Thread.sleep(20);
    assertEquals(List.of("VMD/active", "tamperdetection/active", "VMD/inactive"),
        alerts.stream().map(a -> a.eventType() + "/" + a.eventState()).toList());
    assertEquals("1", alerts.get(0).channelId());
    await(stream.close());
  }

  @Test
  void wrongPasswordIsNamedAndAPasswordChangeIsNoticed() throws Exception {
    IsapiClient wrong = new IsapiClient(vertx, "http://127.0.0.1:" + port, "admin", "nope");
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> await(wrong.deviceInfo()));
    assertEquals(401, ((IsapiClient.IsapiException) e.getCause()).status());
    assertTrue(e.getCause().getMessage().contains("wrong user or password"));

    IsapiClient right = new IsapiClient(vertx, "http://127.0.0.1:" + port, "admin", "pass1");
    await(right.deviceInfo());
    sim.setPassword("rotated");
    e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> await(right.deviceInfo()));
    assertEquals(401, ((IsapiClient.IsapiException) e.getCause()).status());
  }

  @Test
  void curlSpeaksDigestToTheSimulator() throws Exception {
    Process p = new ProcessBuilder("curl", "-s", "--digest", "-u", "admin:pass1", "http://127.0.0.1:" + port + "/ISAPI/System/deviceInfo")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    assertTrue(out.contains("<serialNumber>DS2CD0001</serialNumber>"), out);
    Process bad = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--digest", "-u", "admin:x",
        "http://127.0.0.1:" + port + "/ISAPI/System/deviceInfo").start();
    assertEquals("401", new String(bad.getInputStream().readAllBytes()).trim());
  }
}
