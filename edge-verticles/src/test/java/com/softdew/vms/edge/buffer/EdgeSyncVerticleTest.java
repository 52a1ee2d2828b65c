package com.softdew.vms.edge.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.record.RecordingGap;
import com.softdew.vms.edge.record.RecordingSegment;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edge sync against an index peer on the bus (a test consumer that records what it receives): backlog while
 * the peer is down, order and once-only delivery when it comes back (also across a restart and with lost
 * replies), the journal bound, and the dir cloud tier with real recorded segments, an outage of the tier and
 * eviction of old local copies.
 */
class EdgeSyncVerticleTest {
  static Vertx vertx;
  @TempDir
  Path data;
  final List<MessageConsumer<?>> peers = new ArrayList<>();
  final List<String> deployments = new ArrayList<>();

  static final EdgeSyncVerticle.Settings FAST =
      new EdgeSyncVerticle.Settings(10_000, Duration.ZERO, Duration.ofMillis(300), Duration.ofMillis(20), Duration.ofMillis(200));

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void tearDown() throws Exception {
    await(vertx.close());
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (MessageConsumer<?> c : peers) await(c.unregister());
    for (String id : deployments) await(vertx.undeploy(id));
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static boolean waitFor(BooleanSupplier c, Duration max) throws InterruptedException {
    long t0 = System.nanoTime();
    while (!c.getAsBoolean()) {
      if (System.nanoTime() - t0 > max.toNanos()) return false;
      Thread.sleep(20);
    }
    return true;
  }

  EdgeSyncVerticle deploy(EdgeSyncVerticle.Settings s, CloudTier tier, SimpleMeterRegistry reg) throws Exception {
    EdgeSyncVerticle v = new EdgeSyncVerticle(data, "edge-1", s, tier, reg);
    deployments.add(await(vertx.deployVerticle(v)));
    return v;
  }

  void undeploy(int i) throws Exception {
    await(vertx.undeploy(deployments.remove(i)));
  }

  /** The index peer: records every message; answers {ok:true} except to the messages whose number (1-based) loseReply says. */
  List<JsonObject> peer(java.util.function.IntPredicate loseReply) {
    List<JsonObject> got = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger n = new AtomicInteger();
    peers.add(vertx.eventBus().<JsonObject>consumer(Addresses.RECORDING_INDEX, m -> {
      got.add(m.body());
      if (!loseReply.test(n.incrementAndGet())) m.reply(new JsonObject().put("ok", true));
    }));
    return got;
  }

  static RecordingSegment seg(String camera, int i) {
    Instant start = Instant.parse("2026-11-29T08:00:00Z").plusSeconds(10L * i);
    return new RecordingSegment("t1", camera, start, start.plusSeconds(10), 1_000_000 + i, "h264", "1280x720", "ab".repeat(32),
        Path.of("/data/recordings/t1/" + camera + "/2026-11-29/" + start.toEpochMilli() + ".mp4"), "rtsp");
  }

  /** Publishes i = from..to-1: every 5th a gap, the rest segments; returns their ids in publication order. */
  static List<String> publish(int from, int to) {
    List<String> ids = new ArrayList<>();
    for (int i = from; i < to; i++) {
      if (i % 5 == 4) {
        RecordingGap g = new RecordingGap("t1", "cam-1", Instant.parse("2026-11-29T08:00:00Z").plusSeconds(10L * i).plusMillis(1),
            Instant.parse("2026-11-29T08:00:00Z").plusSeconds(10L * i + 5), "drop");
        vertx.eventBus().publish(Addresses.RECORDING_GAP, g.toJson());
        ids.add(id("gap", g.toJson()));
      } else {
        RecordingSegment s = seg("cam-1", i);
        vertx.eventBus().publish(Addresses.RECORDING_SEGMENT, s.toJson());
        ids.add(id("segment", s.toJson()));
      }
    }
    return ids;
  }

  static String id(String kind, JsonObject r) {
    return kind.equals("gap") ? "gap:" + r.getString("cameraId") + "@" + r.getString("start") : r.getString("segmentId");
  }

  static List<String> ids(List<JsonObject> msgs) {
    synchronized (msgs) {
      return msgs.stream().map(m -> id(m.getString("kind"), m.getJsonObject("record"))).toList();
    }
  }

  /** Consecutive repeats removed: a resend of the entry in flight is the only duplicate allowed. */
  static List<String> collapse(List<String> ids) {
    List<String> out = new ArrayList<>();
    for (String s : ids) if (out.isEmpty() || !out.get(out.size() - 1).equals(s)) out.add(s);
    return out;
  }

  @Test
  void backlogWhileTheIndexIsDownThenEverythingArrivesOnceInOrderAcrossARestart() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    EdgeSyncVerticle a = deploy(FAST, null, reg);
    List<String> expected = new ArrayList<>(publish(0, 30));
    assertTrue(waitFor(() -> a.stats().indexBacklog() == 30 && a.stats().retries() >= 3, Duration.ofSeconds(20)), a.stats().toString());
    assertEquals(0, a.stats().sent());
    assertTrue(a.stats().oldestUnackedAgeMs() >= 0);
    assertEquals(30.0, reg.get("vms.sync.backlog").tags("nodeId", "edge-1", "lane", "index").gauge().value());
    assertTrue(reg.get("vms.sync.retries").tags("lane", "index").counter().count() >= 3);
    // the node restarts while the index is still down
    undeploy(0);
    EdgeSyncVerticle b = deploy(FAST, null, new SimpleMeterRegistry());
    assertEquals(30, b.stats().indexBacklog(), "the backlog survived the restart");
    expected.addAll(publish(30, 40));
    assertTrue(waitFor(() -> b.stats().indexBacklog() == 40, Duration.ofSeconds(20)), b.stats().toString());
    // the index comes up; it loses every 7th reply (the sender times out and resends the same entry)
    List<JsonObject> got = peer(n -> n % 7 == 3);
    assertTrue(waitFor(() -> b.stats().indexBacklog() == 0, Duration.ofSeconds(30)), b.stats().toString());
    List<String> ids = ids(got);
    System.out.printf("measured sync: %d records, %d messages received by the index (%d resends after a lost reply)%n", expected.size(), ids.size(),
        ids.size() - expected.size());
    assertTrue(ids.size() > expected.size(), "some replies were lost, so some entries were sent twice");
    assertEquals(expected, collapse(ids), "everything, in order; duplicates only as an immediate resend of the same id");
    assertEquals(expected.size(), new LinkedHashSet<>(ids).size());
    for (JsonObject m : got) {
      assertEquals("edge-1", m.getString("nodeId"));
      assertEquals("t1", m.getJsonObject("record").getString("tenantId"));
    }
    assertEquals(40, b.stats().sent());
    assertEquals(-1, b.stats().oldestUnackedAgeMs());
    assertEquals(0, b.stats().backlogBytes(), "no cloud tier: nothing to upload");
  }

  /** From the start-up keys: the node id is kept in data.dir, so a restart with a new random id still drains the old journal. */
  @Test
  void theJournalSurvivesARestartAndASecondSyncOnItIsRefused() throws Exception {
    var cfg = com.softdew.vms.platform.testing.TestConfigs.create(data, java.util.Map.of("storage.outbox.maxEntries", 500));
    EdgeSyncVerticle a = EdgeSyncVerticle.fromConfig(cfg, "node-a", null);
    deployments.add(await(vertx.deployVerticle(a)));
    assertEquals("node-a", a.nodeId());
    assertEquals(null, a.tier(), "storage.cloud.kind none");
    List<String> ids = publish(0, 3);
    assertTrue(waitFor(() -> a.stats().indexBacklog() == 3, Duration.ofSeconds(10)), a.stats().toString());
    // a second sync on the same journal while the first runs: refused, the first keeps going
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> await(vertx.deployVerticle(EdgeSyncVerticle.fromConfig(cfg, "node-a", null))));
    assertTrue(String.valueOf(e.getCause()).contains("in use"), String.valueOf(e.getCause()));
    undeploy(0);
    // the restarted node has the same id (RoleVerticle keeps it in data.dir/node-id): same journal, same backlog
    EdgeSyncVerticle b = EdgeSyncVerticle.fromConfig(cfg, "node-a", null);
    deployments.add(await(vertx.deployVerticle(b)));
    assertEquals(3, b.stats().indexBacklog());
    List<JsonObject> got = peer(n -> false);
    assertTrue(waitFor(() -> b.stats().indexBacklog() == 0, Duration.ofSeconds(20)), b.stats().toString());
    assertEquals(ids, ids(got));
    assertEquals("node-a", got.get(0).getString("nodeId"));
  }

  /** A backlog of 500 drained by an index that answers at once: prints the rate (one in flight, fsync per commit); not asserted. */
  @Test
  void drainRateIsMeasured() throws Exception {
    EdgeSyncVerticle v = deploy(FAST, null, null);
    long t0 = System.nanoTime();
    List<String> ids = publish(0, 500);
    assertTrue(waitFor(() -> v.stats().indexBacklog() == 500, Duration.ofSeconds(30)), v.stats().toString());
    double journal = (System.nanoTime() - t0) / 1e9;
    long t1 = System.nanoTime();
    List<JsonObject> got = peer(n -> false);
    assertTrue(waitFor(() -> v.stats().indexBacklog() == 0, Duration.ofSeconds(50)), v.stats().toString());
    double drain = (System.nanoTime() - t1) / 1e9;
    System.out.printf("measured sync: 500 records journalled from the bus in %.2f s (%.0f/s), drained to the index in %.2f s (%.0f/s)%n", journal,
        500 / journal, drain, 500 / drain);
    assertEquals(ids, ids(got));
  }

  @Test
  void theJournalBoundRefusesCountsAndKeepsWhatItAccepted() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    EdgeSyncVerticle v = deploy(new EdgeSyncVerticle.Settings(10, Duration.ZERO, Duration.ofMillis(300), Duration.ofMillis(20),
        Duration.ofMillis(100)), null, reg);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      RecordingSegment s = seg("cam-2", i);
      vertx.eventBus().publish(Addresses.RECORDING_SEGMENT, s.toJson());
      ids.add(s.segmentId());
    }
    assertTrue(waitFor(() -> v.stats().overflow() == 5, Duration.ofSeconds(20)), v.stats().toString());
    assertEquals(10, v.stats().indexBacklog());
    assertEquals(5.0, reg.get("vms.outbox.overflow").tags("nodeId", "edge-1", "lane", "index", "kind", "segment").counter().count());
    List<JsonObject> got = peer(n -> false);
    assertTrue(waitFor(() -> v.stats().indexBacklog() == 0, Duration.ofSeconds(20)), v.stats().toString());
    assertEquals(ids.subList(0, 10), ids(got), "the accepted ten, in order, once");
  }

  @Test
  void malformedRecordsAreRefusedAndNotJournalled() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    EdgeSyncVerticle v = deploy(FAST, null, reg);
    vertx.eventBus().publish(Addresses.RECORDING_SEGMENT, seg("cam-3", 0).toJson().put("tenantId", "../t2"));
    vertx.eventBus().publish(Addresses.RECORDING_SEGMENT, seg("cam-3", 1).toJson().put("start", "yesterday"));
    vertx.eventBus().publish(Addresses.RECORDING_GAP, new JsonObject().put("tenantId", "t1"));
    assertTrue(waitFor(() -> v.stats().refused() == 3, Duration.ofSeconds(10)), v.stats().toString());
    assertEquals(0, v.stats().indexBacklog());
    assertEquals(2.0, reg.get("vms.sync.refused").tags("kind", "segment").counter().count());
  }

  /**
   * Real recorded segments: uploads wait while the dir tier is unusable (its directory is a regular file),
   * then go up in order after their index entries, each followed by {kind: uploaded}; with
   * maxAgeHours 1 the local copy of the 3 h old segment is deleted and reported, the recent ones are kept.
   */
  @Test
  void segmentsReachTheDirTierAfterAnOutageAndOldLocalCopiesAreEvicted() throws Exception {
    List<RecordingSegment> rec = RecordedSegments.get(3);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    List<RecordingSegment> segs = List.of(
        RecordedSegments.copy(rec.get(0), data, "t1", "cam-a", now.minusSeconds(60)),
        RecordedSegments.copy(rec.get(1), data, "t2", "cam-b", now.minus(Duration.ofHours(3))),
        RecordedSegments.copy(rec.get(1), data, "t1", "cam-a", now.minusSeconds(50)),
        RecordedSegments.copy(rec.get(2), data, "t1", "cam-a", now.minusSeconds(40)));
    long totalBytes = segs.stream().mapToLong(RecordingSegment::bytes).sum();
    Path cloud = data.resolve("cloud-tier");
    Files.writeString(cloud, "not a directory"); // the tier is down
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    List<JsonObject> got = peer(n -> false);
    EdgeSyncVerticle v = deploy(new EdgeSyncVerticle.Settings(10_000, Duration.ofHours(1), Duration.ofSeconds(2), Duration.ofMillis(20),
        Duration.ofMillis(200)), new DirCloudTier(cloud), reg);
    for (RecordingSegment s : segs) vertx.eventBus().publish(Addresses.RECORDING_SEGMENT, s.toJson());
    assertTrue(waitFor(() -> v.stats().indexBacklog() == 0 && v.stats().uploadFailures() >= 3, Duration.ofSeconds(20)), v.stats().toString());
    assertEquals(4, v.stats().uploadBacklog());
    assertEquals(totalBytes, v.stats().backlogBytes(), "bytes waiting for the tier");
    assertEquals((double) totalBytes, reg.get("vms.sync.backlog.bytes").gauge().value());
    assertTrue(reg.get("vms.sync.upload.failures").tags("tenant", "t1", "reason", "transient").counter().count() >= 3);
    Files.delete(cloud); // the tier is back
    assertTrue(waitFor(() -> v.stats().uploadBacklog() == 0 && v.stats().evicted() == 1 && v.stats().evictBacklog() == 3, Duration.ofSeconds(30)),
        v.stats().toString());
    assertEquals(0, v.stats().backlogBytes());
    DirCloudTier tier = (DirCloudTier) v.tier();
    List<String> kinds = new ArrayList<>();
    List<String> uploadedIds = new ArrayList<>();
    List<JsonObject> msgs = new ArrayList<>();
    synchronized (got) {
      for (JsonObject m : got) if (msgs.isEmpty() || !msgs.get(msgs.size() - 1).equals(m)) msgs.add(m); // a resend after a timeout: once
    }
    {
      for (JsonObject m : msgs) {
        kinds.add(m.getString("kind"));
        JsonObject r = m.getJsonObject("record");
        if (m.getString("kind").equals("uploaded")) {
          uploadedIds.add(r.getString("segmentId"));
          assertEquals("cloud", r.getString("tier"));
          RecordingSegment s = segs.stream().filter(x -> x.segmentId().equals(r.getString("segmentId"))).findFirst().orElseThrow();
          assertEquals(s.tenantId(), r.getString("tenantId"));
          assertEquals(s.tenantId() + "/" + s.cameraId() + "/" + CloudTier.DAY.format(s.start()) + "/" + s.segmentId() + ".mp4", r.getString("objectKey"));
          Path f = tier.file(r.getString("objectKey"));
          assertTrue(f.startsWith(cloud.resolve(s.tenantId())), "under its tenant: " + f);
          assertEquals(s.sha256(), FileDigest.of(f).sha256Hex(), "the copy in the tier has the segment's checksum");
        }
      }
    }
    assertEquals(List.of("segment", "segment", "segment", "segment"), kinds.subList(0, 4), "all indexed while the tier was down");
    assertEquals(4, kinds.stream().filter("uploaded"::equals).count());
    assertEquals(9, kinds.size(), "4 segments, 4 uploaded, 1 localEvicted: " + kinds);
    assertEquals(segs.stream().map(RecordingSegment::segmentId).toList(), uploadedIds, "uploads in order");
    int ev = kinds.indexOf("localEvicted");
    JsonObject evicted = msgs.get(ev);
    assertEquals(new JsonObject().put("tenantId", "t2").put("segmentId", segs.get(1).segmentId()), evicted.getJsonObject("record"));
    assertTrue(ev > 4 + 1, "evicted after its upload was acknowledged (uploaded #2 is message 6): " + kinds);
    assertFalse(Files.exists(segs.get(1).path()), "the 3 h old local copy is gone");
    for (int i : new int[] {0, 2, 3}) assertTrue(Files.exists(segs.get(i).path()), "recent local copies kept");
    assertEquals(3.0, reg.get("vms.sync.uploaded").tags("tenant", "t1").counter().count());
    assertEquals(1.0, reg.get("vms.sync.uploaded").tags("tenant", "t2").counter().count());
    assertEquals((double) totalBytes, reg.get("vms.sync.uploaded.bytes").counters().stream().mapToDouble(c -> c.count()).sum());
    try (var walk = Files.walk(cloud)) {
      assertEquals(0, walk.filter(p -> p.toString().endsWith(".part")).count(), "no .part left in the tier");
    }
  }
}
