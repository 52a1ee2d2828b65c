package com.softdew.vms.edge.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The assigner against two scripted agents on a local bus (no cameras): each camera goes to exactly
 * one agent; an agent that stops heart-beating (no goodbye: a crash or a partition) loses its cameras
 * to the other after 3 missed periods; an agent's capacity is respected.
 */
class PipelineAssignerTest {
  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static void waitFor(String what, long ms, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (!cond.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(20);
    }
  }

  /** Replies to assignments with what it was given and heart-beats until told to stop. */
  static final class FakeAgent {
    final String id;
    final int capacity;
    volatile Set<String> cameras = Set.of();
    volatile boolean beating = true;
    volatile long lastEpoch = -1;

    FakeAgent(Vertx vx, String id, int capacity, long periodMs) {
      this.id = id;
      this.capacity = capacity;
      vx.eventBus().<JsonObject>consumer(Addresses.pipelineAgentAssign(id), m -> {
        if (!beating) return; // a dead agent does not answer
        Set<String> got = new HashSet<>();
        JsonArray cams = m.body().getJsonArray("cameras");
        for (int i = 0; i < cams.size(); i++) got.add(cams.getJsonObject(i).getString("tenantId") + "/" + cams.getJsonObject(i).getString("cameraId"));
        cameras = Set.copyOf(got);
        lastEpoch = m.body().getLong("epoch");
        m.reply(new JsonObject().put("nodeId", id).put("running", new JsonArray(java.util.List.copyOf(got))));
      });
      vx.setPeriodic(periodMs, t -> {
        if (beating) {
          vx.eventBus().publish(Addresses.PIPELINE_AGENT_HEARTBEAT, new JsonObject().put("nodeId", id).put("capacity", capacity)
              .put("running", new JsonArray(java.util.List.copyOf(cameras))));
        }
      });
    }
  }

  @Test
  void silentAgentLosesItsCamerasAndCapacityHolds() throws Exception {
    Vertx vx = Vertx.vertx();
    try {
      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      PipelineAssignerVerticle assigner = new PipelineAssignerVerticle(new PipelineAssignerVerticle.Settings(Duration.ofMillis(200), 3), metrics);
      await(vx.deployVerticle(assigner));
      waitFor("lease", 5000, assigner::isLeader);
      FakeAgent a = new FakeAgent(vx, "node-a", 8, 200);
      FakeAgent b = new FakeAgent(vx, "node-b", 5, 200);
      Map<String, JsonObject> wanted = new TreeMap<>();
      for (int i = 0; i < 10; i++) {
        wanted.put("t/cam-" + i, new JsonObject().put("tenantId", "t").put("cameraId", "cam-" + i).put("url", "rtsp://x/" + i));
      }
      assigner.setWanted(wanted);
      waitFor("10 cameras placed", 10_000, () -> a.cameras.size() + b.cameras.size() == 10 && assigner.runningCameras().size() == 10);
      assertTrue(a.cameras.stream().noneMatch(b.cameras::contains), "disjoint: " + a.cameras + " " + b.cameras);
      assertTrue(a.cameras.size() <= 8 && b.cameras.size() <= 5, "capacity: " + a.cameras.size() + "/" + b.cameras.size());
      assertEquals(assigner.epoch(), a.lastEpoch);

      // b goes silent: after 3 missed heartbeats its cameras go to a, as far as a has room (8 of 10)
      Set<String> bHad = b.cameras;
      double before = metrics.find("vms.pipeline.reassignments").counter().count();
      b.beating = false;
      waitFor("a runs 8", 10_000, () -> a.cameras.size() == 8 && !assigner.agents().containsKey("node-b"));
      assertEquals(2.0, metrics.find("vms.pipeline.unassigned").gauge().value(), "2 cameras without room");
      assertTrue(a.cameras.containsAll(new HashSet<>(a.cameras)));
      double moved = metrics.find("vms.pipeline.reassignments").counter().count() - before;
      assertTrue(moved <= bHad.size(), "only b's cameras move: " + moved + " of " + bHad.size());

      // b is back: placement as before
      b.beating = true;
      waitFor("10 placed again", 10_000, () -> a.cameras.size() + b.cameras.size() == 10);
      assertEquals(bHad, b.cameras, "rendezvous: b gets the same cameras back");
    } finally {
      await(vx.close());
    }
  }
}
