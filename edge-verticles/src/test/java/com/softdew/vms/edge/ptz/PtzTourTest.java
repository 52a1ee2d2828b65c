package com.softdew.vms.edge.ptz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.isapi.IsapiClient;
import com.softdew.vms.sim.IsapiDeviceServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PTZ moves, presets and tours move the simulated camera; positions are read back from it. */
class PtzTourTest {
  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void movesPresetsToursAndTracking(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    IsapiDeviceServer sim = new IsapiDeviceServer(vertx, new IsapiDeviceServer.Info("PTZ1", "DS-2DE4425IW", "V5.6", "H264", 1920, 1080,
        640, 360, 25, "admin", "pw"), dir);
    try {
      int port = await(sim.start("127.0.0.1", 0));
      PtzDriver ptz = new IsapiPtzDriver(new IsapiClient(vertx, "http://127.0.0.1:" + port, "admin", "pw"));

      await(ptz.absoluteMove(new PtzDriver.Position(0.5, -0.25, 0.4)));
      PtzDriver.Position p = await(ptz.status());
      assertEquals(0.5, p.pan(), 0.01);
      assertEquals(-0.25, p.tilt(), 0.01);
      assertEquals(0.4, p.zoom(), 0.02);
      await(ptz.relativeMove(-0.2, 0.1, 0));
      p = await(ptz.status());
      assertEquals(0.3, p.pan(), 0.01);
      assertEquals(-0.15, p.tilt(), 0.01);

      String gate = await(ptz.setPreset(null, "gate"));
      await(ptz.absoluteMove(new PtzDriver.Position(-0.6, 0.2, 0.0)));
      String dock = await(ptz.setPreset(null, "dock"));
      assertEquals(List.of("gate", "dock"), await(ptz.presets()).stream().map(PtzDriver.Preset::name).toList());

      List<JsonObject> steps = new CopyOnWriteArrayList<>();
      vertx.eventBus().<JsonObject>consumer("test.tour", m -> steps.add(m.body()));
      PtzTourRunner tours = new PtzTourRunner(vertx, "test.tour");
      tours.start("t1/cam-1", ptz, List.of(new PtzTourRunner.Step(gate, Duration.ofMillis(250)), new PtzTourRunner.Step(dock, Duration.ofMillis(250))));
      long deadline = System.currentTimeMillis() + 5000;
      while (steps.size() < 3 && System.currentTimeMillis() < deadline) Thread.sleep(20);
      tours.stop("t1/cam-1");
      assertFalse(tours.isRunning("t1/cam-1"));
      assertEquals(List.of(gate, dock, gate), steps.stream().limit(3).map(s -> s.getString("presetId")).toList());
      Thread.sleep(300);
      int after = steps.size();
      Thread.sleep(400);
      assertEquals(after, steps.size(), "a stopped tour stays stopped");
      PtzDriver.Position atGate = await(ptz.status());
      assertTrue(Math.abs(atGate.pan() - 0.3) < 0.02 || Math.abs(atGate.pan() + 0.6) < 0.02, "the camera is at one of the tour's presets: " + atGate);

      await(ptz.absoluteMove(new PtzDriver.Position(0, 0, 0)));
      await(PtzTourRunner.trackTowards(ptz, 0.9, 0.5, 0.25)); // object on the right: pan right
      assertTrue(await(ptz.status()).pan() > 0.15);
      await(ptz.removePreset(gate));
      assertEquals(1, await(ptz.presets()).size());
    } finally {
      await(sim.stop());
      await(vertx.close());
    }
  }
}
