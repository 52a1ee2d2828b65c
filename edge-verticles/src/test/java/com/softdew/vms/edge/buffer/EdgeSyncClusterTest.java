package com.softdew.vms.edge.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.record.RecordingSegment;
import com.softdew.vms.platform.launch.ClusterSupport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three clustered Vert.x instances (Hazelcast on loopback): two edge nodes with their own sync and data dir,
 * and a control node with the index peer. A segment published on an edge node is journalled by that node only
 * (localConsumer), and reaches the index on the other member through the clustered bus with that node's id.
 */
class EdgeSyncClusterTest {
  @TempDir
  Path dir;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void eachNodeJournalsOnlyItsOwnRecordings() throws Exception {
    String cluster = "vms-test-" + UUID.randomUUID();
    int hzPort = 20000 + (int) (Math.random() * 20000);
    List<String> members = List.of("127.0.0.1:" + hzPort, "127.0.0.1:" + (hzPort + 1), "127.0.0.1:" + (hzPort + 2));
    List<Vertx> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        nodes.add(await(ClusterSupport.startClustered(new VertxOptions(), ClusterSupport.hazelcastConfig(cluster, "127.0.0.1", hzPort, members))));
      }
      List<JsonObject> got = Collections.synchronizedList(new ArrayList<>());
      await(nodes.get(0).eventBus().<JsonObject>consumer(Addresses.RECORDING_INDEX, m -> {
        got.add(m.body());
        m.reply(new JsonObject().put("ok", true));
      }).completion());
      EdgeSyncVerticle.Settings s = new EdgeSyncVerticle.Settings(1000, Duration.ZERO, Duration.ofSeconds(5), Duration.ofMillis(50),
          Duration.ofMillis(500));
      EdgeSyncVerticle a = new EdgeSyncVerticle(dir.resolve("a"), "edge-a", s, null, null);
      EdgeSyncVerticle b = new EdgeSyncVerticle(dir.resolve("b"), "edge-b", s, null, null);
      await(nodes.get(1).deployVerticle(a));
      await(nodes.get(2).deployVerticle(b));
      Instant t = Instant.parse("2026-11-29T09:00:00Z");
      List<String> fromA = new ArrayList<>(), fromB = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        RecordingSegment sa = new RecordingSegment("t1", "cam-a", t.plusSeconds(10L * i), t.plusSeconds(10L * i + 10), 100, "h264", "640x480",
            "00".repeat(32), dir.resolve("a/recordings/t1/cam-a/x.mp4"), "rtsp");
        RecordingSegment sb = new RecordingSegment("t2", "cam-b", t.plusSeconds(10L * i), t.plusSeconds(10L * i + 10), 100, "h264", "640x480",
            "00".repeat(32), dir.resolve("b/recordings/t2/cam-b/x.mp4"), "rtsp");
        nodes.get(1).eventBus().publish(Addresses.RECORDING_SEGMENT, sa.toJson()); // a publish reaches every member's consumers
        nodes.get(2).eventBus().publish(Addresses.RECORDING_SEGMENT, sb.toJson());
        fromA.add(sa.segmentId());
        fromB.add(sb.segmentId());
      }
      assertTrue(EdgeSyncVerticleTest.waitFor(() -> got.size() >= 10 && a.stats().indexBacklog() == 0 && b.stats().indexBacklog() == 0,
          Duration.ofSeconds(30)), a.stats() + " " + b.stats() + " got " + got.size());
      Thread.sleep(300); // nothing more may come
      assertEquals(10, got.size(), "each segment once: " + got);
      List<String> idsA = new ArrayList<>(), idsB = new ArrayList<>();
      synchronized (got) {
        for (JsonObject m : got) {
          String id = m.getJsonObject("record").getString("segmentId");
          if (m.getString("nodeId").equals("edge-a")) idsA.add(id);
          else if (m.getString("nodeId").equals("edge-b")) idsB.add(id);
        }
      }
      assertEquals(fromA, idsA, "node a sent its own segments, in order, and none of b's");
      assertEquals(fromB, idsB);
      assertEquals(5, a.stats().sent());
      assertEquals(5, b.stats().sent());
    } finally {
      for (Vertx v : nodes) await(v.close());
    }
  }
}
