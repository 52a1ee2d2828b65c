package com.softdew.vms.edge.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ingest.CameraIngestLoop;
import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob;
import com.softdew.vms.platform.launch.ClusterSupport;
import com.softdew.vms.platform.store.StoreKind;
import com.softdew.vms.platform.store.Stores;
import com.softdew.vms.platform.store.embedded.EmbeddedKafka;
import com.softdew.vms.platform.testing.TestConfigs;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three clustered Vert.x instances in one JVM (Hazelcast, random cluster name): one assigner and two
 * pipeline agents, four simulated cameras. Every camera runs on exactly one agent and streams; when
 * one agent's Vert.x closes, its cameras run on the survivor. A second assigner stays standby while
 * the first holds the lease, and takes over (higher epoch, same placement) when the first stops.
 */
class PipelineClusterTest {
  @TempDir Path dir;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static void waitFor(String what, long ms, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (!cond.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(50);
    }
  }

  static boolean allUp(PipelineAgentVerticle a) {
    for (String k : a.runningCameras()) {
      CameraPipeline p = a.pipeline(k);
      if (p == null || p.loop() == null || p.loop().state() != CameraIngestLoop.State.UP) return false;
    }
    return true;
  }

  @Test
  void camerasSpreadOverAgentsAndFailOver() throws Exception {
    int kafkaPort;
    try (ServerSocket s = new ServerSocket(0)) {
      kafkaPort = s.getLocalPort();
    }
    EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), kafkaPort);
    Vertx simVx = Vertx.vertx();
    CameraSimulator sim = new CameraSimulator(simVx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
    List<Vertx> nodes = new ArrayList<>();
    List<Stores> stores = new ArrayList<>();
    try {
      int simPort;
      try (ServerSocket s = new ServerSocket(0)) {
        simPort = s.getLocalPort();
      }
      List<CameraSimulator.Descriptor> cams = await(sim.start(4, Codec.H264, simPort));
      Map<String, JsonObject> wanted = new TreeMap<>();
      for (CameraSimulator.Descriptor c : cams) {
        CameraPipeline.Spec spec = new CameraPipeline.Spec("acme", "cam-" + c.index(), c.rtspSub(), c.user(), c.password(),
            Map.of("motion", Priority.STANDARD), new VideoJob.SourceQuality("", 0, 0, ""), 2, 0.5);
        wanted.put(spec.key(), spec.toJson());
      }

      String cluster = "vms-test-" + UUID.randomUUID();
      int hzPort = 20000 + (int) (Math.random() * 20000);
      List<String> members = new ArrayList<>();
      for (int i = 0; i < 4; i++) members.add("127.0.0.1:" + (hzPort + i));
      long t0 = System.nanoTime();
      for (int i = 0; i < 4; i++) {
        nodes.add(await(ClusterSupport.startClustered(new VertxOptions(),
            ClusterSupport.hazelcastConfig(cluster, "127.0.0.1", hzPort, members))));
      }
      System.out.printf("cluster of 4 formed in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      Vertx assignerVx = nodes.get(0);
      Vertx standbyVx = nodes.get(1);
      PipelineAssignerVerticle.Settings fast = PipelineAssignerVerticle.Settings.defaults();
      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      PipelineAssignerVerticle assigner = new PipelineAssignerVerticle(fast, metrics);
      await(assignerVx.deployVerticle(assigner));
      waitFor("the first assigner holds the lease", 10_000, assigner::isLeader);
      PipelineAssignerVerticle standby = new PipelineAssignerVerticle(fast, null);
      await(standbyVx.deployVerticle(standby));

      List<PipelineAgentVerticle> agents = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Vertx vx = nodes.get(2 + i);
        Stores st = await(Stores.open(vx, TestConfigs.create(dir.resolve("agent" + i),
            Map.of("kafka.bootstrapServers", kafka.bootstrapServers())), EnumSet.of(StoreKind.KAFKA), null));
        stores.add(st);
        PipelineAgentVerticle a = new PipelineAgentVerticle(st, dir.resolve("agent" + i),
            new PipelineAgentVerticle.Settings(4, "auto", fast.heartbeat()), null);
        await(vx.deployVerticle(a));
        agents.add(a);
      }
      long assignAt = System.nanoTime();
      assigner.setWanted(wanted);
      standby.setWanted(wanted);
      waitFor("4 cameras running and streaming", 60_000, () -> agents.get(0).runningCameras().size() + agents.get(1).runningCameras().size() == 4
          && allUp(agents.get(0)) && allUp(agents.get(1)));
      long upMs = (System.nanoTime() - assignAt) / 1_000_000;
      Set<String> a0 = agents.get(0).runningCameras();
      Set<String> a1 = agents.get(1).runningCameras();
      Set<String> union = new HashSet<>(a0);
      union.addAll(a1);
      assertEquals(wanted.keySet(), union, "every camera runs");
      assertTrue(a0.stream().noneMatch(a1::contains), "no camera runs twice: " + a0 + " " + a1);
      assertTrue(!standby.isLeader(), "only one assigner acts");
      Map<String, String> placement = assigner.assignment();
      for (String k : a0) assertEquals(agents.get(0).nodeId(), placement.get(k));
      for (String k : a1) assertEquals(agents.get(1).nodeId(), placement.get(k));
      System.out.printf("placement %s / %s; all 4 streaming %d ms after the assignment%n", a0, a1, upMs);

      // the busier agent's node goes away
      int gone = a0.size() >= a1.size() ? 0 : 1;
      PipelineAgentVerticle survivor = agents.get(1 - gone);
      Set<String> moved = agents.get(gone).runningCameras();
      double movesBefore = metrics.find("vms.pipeline.reassignments").counter().count();
      long killAt = System.nanoTime();
      Future<Void> closing = nodes.get(2 + gone).close();
      waitFor("the survivor runs all 4", 90_000, () -> survivor.runningCameras().size() == 4 && allUp(survivor));
      long failoverMs = (System.nanoTime() - killAt) / 1_000_000;
      await(closing);
      long closedMs = (System.nanoTime() - killAt) / 1_000_000;
      assertEquals(wanted.keySet(), survivor.runningCameras());
      assertEquals(moved.size(), (int) (metrics.find("vms.pipeline.reassignments").counter().count() - movesBefore),
          "only the lost node's cameras moved");
      System.out.printf("agent with %d camera(s): all 4 streaming on the survivor %d ms after its Vert.x close began (close done after %d ms)%n",
          moved.size(), failoverMs, closedMs);

      // the assigner stops (releases its lease): the standby takes over with a higher epoch and moves nothing
      long epoch = assigner.epoch();
      await(assignerVx.undeploy(assignerVx.deploymentIDs().iterator().next()));
      waitFor("the standby takes the lease", 10_000, standby::isLeader);
      assertTrue(standby.epoch() > epoch, "epoch rises: " + standby.epoch() + " after " + epoch);
      waitFor("the standby knows the placement", 10_000, () -> standby.assignment().size() == 4);
      assertEquals(wanted.keySet(), survivor.runningCameras());
      assertTrue(allUp(survivor));
    } finally {
      for (Vertx v : nodes) {
        try {
          await(v.close());
        } catch (Exception ignored) {
          // already closed
        }
      }
      await(sim.stop());
      await(simVx.close());
      kafka.close();
    }
  }
}
