package com.softdew.vms.control.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.record.MainStreamRecorder;
import com.softdew.vms.edge.record.RecordingGap;
import com.softdew.vms.edge.record.RecordingListener;
import com.softdew.vms.edge.record.RecordingSegment;
import com.softdew.vms.platform.store.SqlDialect;
import com.softdew.vms.platform.store.SqlMigrator;
import com.softdew.vms.platform.store.TenantSql;
import com.softdew.vms.platform.testing.LocalPostgres;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real segments into the index: the main-stream recorder records the RTSP camera simulator into fMP4 files, a
 * stand-in for the edge outbox forwards what the recorder publishes ({@code vms.recording.segment/gap}) to
 * {@link Addresses#RECORDING_INDEX}, and the index (on a fresh PostgreSQL database, migrations applied) must then
 * return exactly the recorded files for the recorded range, with the dropped stream's gap as the only hole.
 */
class RecordingIndexRecorderTest {
  Vertx vertx;
  Pool pool;
  String db;
  RecordingIndex index;
  CameraSimulator sim;
  @TempDir
  Path data;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }

  static boolean waitFor(BooleanSupplier c, Duration max) throws InterruptedException {
    long t0 = System.nanoTime();
    while (!c.getAsBoolean()) {
      if (System.nanoTime() - t0 > max.toNanos()) return false;
      Thread.sleep(50);
    }
    return true;
  }

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    db = LocalPostgres.freshName();
    LocalPostgres.exec(vertx, "CREATE DATABASE " + db);
    SqlDialect d = SqlDialect.of("postgresql");
    pool = d.pool(vertx, LocalPostgres.url(db), 4);
    await(new SqlMigrator(d, pool).migrate(vertx));
    index = new RecordingIndex(new TenantSql(d, pool));
    await(vertx.deployVerticle(new RecordingIndexVerticle(index, null, new SimpleMeterRegistry())));
    sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
  }

  @AfterEach
  void tearDown() throws Exception {
    await(sim.stop());
    await(pool.close());
    LocalPostgres.exec(vertx, "DROP DATABASE IF EXISTS " + db);
    await(vertx.close());
  }

  static String sha256(Path f) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(f)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  @Test
  void recordedSegmentsAndTheDropGapComeBackFromTheIndex() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    CameraSimulator.Descriptor cam = await(sim.start(1, Codec.H264, port)).get(0);
    // the outbox stand-in: every record the recorder publishes goes to the index, request/reply
    List<JsonObject> replies = Collections.synchronizedList(new ArrayList<>());
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<JsonObject> sent = Collections.synchronizedList(new ArrayList<>());
    for (String[] a : List.of(new String[] {Addresses.RECORDING_SEGMENT, "segment"}, new String[] {Addresses.RECORDING_GAP, "gap"})) {
      vertx.eventBus().<JsonObject>consumer(a[0], m -> {
        JsonObject msg = new JsonObject().put("kind", a[1]).put("nodeId", "edge-sim").put("record", m.body());
        sent.add(msg);
        vertx.eventBus().<JsonObject>request(Addresses.RECORDING_INDEX, msg).onSuccess(r -> replies.add(r.body())).onFailure(failures::add);
      });
    }
    List<RecordingSegment> segs = Collections.synchronizedList(new ArrayList<>());
    List<RecordingGap> gaps = Collections.synchronizedList(new ArrayList<>());
    MainStreamRecorder r = new MainStreamRecorder(vertx, new SimpleMeterRegistry(), new MainStreamRecorder.Options().tenantId("t1")
        .cameraId("cam-e2e").url(cam.rtspMain()).credentials(cam.user(), cam.password()).dataDir(data).segmentLength(Duration.ofSeconds(2)),
        new RecordingListener() {
          @Override
          public void segment(RecordingSegment s) {
            segs.add(s);
          }

          @Override
          public void gap(RecordingGap g) {
            gaps.add(g);
          }
        }).start();
    try {
      assertTrue(waitFor(() -> segs.size() >= 3, Duration.ofSeconds(30)), "segments recorded: " + r.stats());
      cam.server().refuseConnections(true);
      await(cam.server().dropStream());
      Thread.sleep(2000);
      cam.server().refuseConnections(false);
      assertTrue(waitFor(() -> gaps.size() == 1, Duration.ofSeconds(15)), "gap reported: " + r.stats());
      int n = segs.size();
      assertTrue(waitFor(() -> segs.size() >= n + 2, Duration.ofSeconds(20)), "recording again: " + r.stats());
    } finally {
      r.close();
    }
    int expected = segs.size() + gaps.size();
    assertTrue(waitFor(() -> replies.size() + failures.size() >= expected, Duration.ofSeconds(10)), replies + " " + failures);
    assertEquals(List.of(), failures);
    assertTrue(replies.stream().allMatch(x -> "inserted".equals(x.getString("outcome"))), replies.toString());

    List<RecordingSegment> byStart = new ArrayList<>(segs);
    byStart.sort((a, b) -> a.start().compareTo(b.start()));
    Instant from = byStart.get(0).start();
    Instant to = byStart.get(byStart.size() - 1).end();
    List<SegmentRow> rows = await(index.segments("t1", "cam-e2e", "main", from, to));
    assertEquals(byStart.stream().map(RecordingSegment::segmentId).toList(), rows.stream().map(SegmentRow::segmentId).toList());
    for (SegmentRow row : rows) {
      Path file = Path.of(row.path());
      assertTrue(Files.isRegularFile(file), row.path());
      assertEquals(Files.size(file), row.bytes());
      assertEquals(sha256(file), row.sha256(), "the indexed checksum is the file's");
      assertEquals("edge-sim", row.nodeId());
      assertEquals("h264", row.codec());
      assertEquals("1280x720", row.resolution());
    }

    // the only hole in the recorded range is the reported gap, and it is listed (nothing filled it)
    RecordingGap g = gaps.get(0);
    RecordingIndex.Coverage cov = RecordingIndex.coverage(rows, from, to, 10);
    System.out.printf("recorded %d segments, gap %s..%s (%d ms), coverage recorded %d ms, holes %d%n", rows.size(), g.start(), g.end(),
        Duration.between(g.start(), g.end()).toMillis(), cov.recordedMs(), cov.holes().size());
    assertEquals(1, cov.holes().size(), "one hole: " + cov.holes().stream().map(h -> h[0] + ".." + h[1]).toList());
    assertEquals(g.start().toEpochMilli(), cov.holes().get(0)[0]);
    assertEquals(g.end().toEpochMilli(), cov.holes().get(0)[1]);
    List<GapRow> left = await(index.gaps("t1", "cam-e2e", "main", from, to));
    assertEquals(1, left.size());
    assertEquals("open", left.get(0).fillState());
    assertEquals(g.start().toEpochMilli(), left.get(0).start().toEpochMilli());
    assertEquals(g.end().toEpochMilli(), left.get(0).end().toEpochMilli());
    // the ranges before and after the gap are contiguous footage
    assertTrue(RecordingIndex.coverage(await(index.segments("t1", "cam-e2e", "main", from, g.start())), from, g.start(), 10).contiguous());
    assertTrue(RecordingIndex.coverage(await(index.segments("t1", "cam-e2e", "main", g.end(), to)), g.end(), to, 10).contiguous());

    // the outbox resends everything (its acks were lost): every record is a duplicate, no row more
    for (JsonObject msg : new ArrayList<>(sent)) {
      JsonObject reply = (JsonObject) await(vertx.eventBus().request(Addresses.RECORDING_INDEX, msg)).body();
      assertEquals("duplicate", reply.getString("outcome"), msg.encode());
    }
    assertEquals(rows.size(), await(index.segments("t1", "cam-e2e", "main", from, to)).size());
  }
}
