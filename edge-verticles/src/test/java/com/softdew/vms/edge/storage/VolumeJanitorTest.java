package com.softdew.vms.edge.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The janitor's own safety rules, against real MP4 segment files made by ffmpeg (libx264, fragmented MP4 as the
 * recorder writes them). The index answers here come from a bus consumer in the test: they play a corrupted or absent
 * index. The whole chain with the real SQL index is RetentionEndToEndTest in module verticles.
 */
class VolumeJanitorTest {
  @TempDir static Path clipsDir;
  static List<Path> clips;
  @TempDir Path data;
  @TempDir Path outside;
  Vertx vertx;
  SimpleMeterRegistry reg;
  Path root;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** {@code n} real 1-second H.264 segments, each of distinct content (the test pattern's clock moves). */
  static List<Path> makeClips(Path dir, int n) throws Exception {
    Process p = new ProcessBuilder("/usr/bin/ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15", "-t", String.valueOf(n),
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-pix_fmt", "yuv420p", "-f", "segment", "-segment_time", "1",
        "-reset_timestamps", "1", "-segment_format", "mp4", "-segment_format_options", "movflags=+frag_keyframe+empty_moov+default_base_moof",
        dir.resolve("clip%03d.mp4").toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "ffmpeg: " + out);
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> l = new ArrayList<>(s.filter(f -> f.toString().endsWith(".mp4")).sorted().toList());
      assertTrue(l.size() >= n - 1, "clips made: " + l);
      return l;
    }
  }

  @BeforeAll
  static void clips() throws Exception {
    clips = makeClips(clipsDir, 14);
  }

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    reg = new SimpleMeterRegistry();
    root = data.resolve("recordings");
  }

  @AfterEach
  void tearDown() throws Exception {
    await(vertx.close());
  }

  VolumeJanitor janitor(long capacity, long timeoutMs, int maxMismatches) throws Exception {
    VolumeJanitor j = new VolumeJanitor(new VolumeJanitor.Settings("edge-1", root, capacity, 80, 50, 0, timeoutMs, maxMismatches, 0.5), reg);
    await(vertx.deployVerticle(j));
    return j;
  }

  /** Copies clip i to root/tenant/camera/day/(1000 + i).mp4 and returns its candidate entry. */
  JsonObject place(String tenant, int i) throws Exception {
    Path f = root.resolve(tenant).resolve("cam-1").resolve("2026-11-29").resolve((1000 + i) + ".mp4");
    Files.createDirectories(f.getParent());
    Files.copy(clips.get(i), f);
    return new JsonObject().put("tenantId", tenant).put("segmentId", tenant + "-" + i).put("path", f.toString())
        .put("sha256", VolumeJanitor.sha256(f)).put("bytes", Files.size(f)).put("reason", "test");
  }

  static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
    for (int i = 0; i < 200 && !c.getAsBoolean(); i++) Thread.sleep(25);
  }

  List<JsonObject> incidents() {
    List<JsonObject> l = Collections.synchronizedList(new ArrayList<>());
    vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_INCIDENT, m -> l.add(m.body()));
    return l;
  }

  @Test
  void noIndexConsumerDeletesNothingAndRaisesAnIncident() throws Exception {
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 6; i++) files.add(Path.of(place("t1", i).getString("path")));
    List<JsonObject> inc = incidents();
    VolumeJanitor j = janitor(1, 5_000, 3); // 1 byte capacity: far above the high-water mark
    VolumeJanitor.Round r = await(j.runOnce());
    assertEquals("index-unavailable", r.outcome());
    assertTrue(r.bytesToFree() > 0, "the volume is over its high-water mark");
    assertEquals(0, r.deletedFiles());
    for (Path f : files) assertTrue(Files.exists(f), "kept: " + f);
    waitFor(() -> !inc.isEmpty()); // a local publish is delivered on the event loop after the round
    assertEquals(1, inc.size());
    assertEquals("index-unavailable", inc.get(0).getString("kind"));
    assertEquals("edge-1", inc.get(0).getString("nodeId"));
    assertEquals(1.0, reg.get("vms.storage.incidents").tag("kind", "index-unavailable").counter().count());
    assertTrue(reg.get("vms.storage.used.bytes").tag("tenant", "t1").gauge().value() > 0);
  }

  @Test
  void anIndexThatDoesNotAnswerInTimeDeletesNothing() throws Exception {
    JsonObject c = place("t1", 0);
    vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_CANDIDATES, m -> { /* never answers */ });
    VolumeJanitor j = janitor(1, 300, 3);
    VolumeJanitor.Round r = await(j.runOnce());
    assertEquals("index-unavailable", r.outcome());
    assertTrue(Files.exists(Path.of(c.getString("path"))));
  }

  /** A corrupted index naming files outside the volume, symbolic links, another tenant's directory, a non-segment. */
  List<JsonObject> hostileCandidates(List<Path> victims) throws Exception {
    List<JsonObject> bad = new ArrayList<>();
    // 1. a real file outside the volume, correct size and checksum
    Path out1 = outside.resolve("9000.mp4");
    Files.copy(clips.get(8), out1);
    victims.add(out1);
    bad.add(new JsonObject().put("tenantId", "t1").put("segmentId", "x1").put("path", out1.toString()).put("sha256", VolumeJanitor.sha256(out1))
        .put("bytes", Files.size(out1)));
    // 2. path traversal from inside the tenant directory
    bad.add(new JsonObject().put("tenantId", "t1").put("segmentId", "x2").put("path", root.resolve("t1") + "/cam-1/../../../"
        + root.getParent().relativize(out1)).put("sha256", VolumeJanitor.sha256(out1)).put("bytes", Files.size(out1)));
    // 3. a symbolic link inside the volume to a file outside
    Path out2 = outside.resolve("9001.mp4");
    Files.copy(clips.get(9), out2);
    victims.add(out2);
    Path link = root.resolve("t1/cam-1/2026-11-29/link.mp4");
    Files.createDirectories(link.getParent());
    Files.createSymbolicLink(link, out2);
    bad.add(new JsonObject().put("tenantId", "t1").put("segmentId", "x3").put("path", link.toString()).put("sha256", VolumeJanitor.sha256(out2))
        .put("bytes", Files.size(out2)));
    // 4. a symbolic-link directory inside the tenant directory pointing outside
    Path outDir = outside.resolve("dir");
    Files.createDirectories(outDir);
    Path out3 = outDir.resolve("9002.mp4");
    Files.copy(clips.get(10), out3);
    victims.add(out3);
    Files.createSymbolicLink(root.resolve("t1/cam-evil"), outDir);
    bad.add(new JsonObject().put("tenantId", "t1").put("segmentId", "x4").put("path", root.resolve("t1/cam-evil/9002.mp4").toString())
        .put("sha256", VolumeJanitor.sha256(out3)).put("bytes", Files.size(out3)));
    // 5. tenant t1's candidate pointing into tenant t2's directory
    JsonObject t2 = place("t2", 11);
    victims.add(Path.of(t2.getString("path")));
    bad.add(t2.copy().put("tenantId", "t1").put("segmentId", "x5"));
    return bad;
  }

  @Test
  void hostileCandidatesStopTheRoundBeforeAnyDeletion() throws Exception {
    List<JsonObject> good = new ArrayList<>();
    for (int i = 0; i < 4; i++) good.add(place("t1", i));
    List<Path> victims = new ArrayList<>();
    List<JsonObject> bad = hostileCandidates(victims);
    JsonArray cands = new JsonArray();
    good.forEach(cands::add);
    bad.forEach(cands::add);
    vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_CANDIDATES, m -> m.reply(new JsonObject().put("indexedSegments", 6)
        .put("indexedBytes", 1).put("candidates", cands)));
    List<JsonObject> reports = Collections.synchronizedList(new ArrayList<>());
    vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_DELETED, m -> {
      reports.add(m.body());
      m.reply(new JsonObject().put("ok", true));
    });
    VolumeJanitor j = janitor(1, 5_000, 3);
    VolumeJanitor.Round r = await(j.runOnce());
    assertEquals("index-inconsistent", r.outcome());
    assertEquals(0, r.deletedFiles(), "5 failed checks > 3: nothing of the batch deleted");
    assertEquals(5, r.rejected().size(), r.rejected().toString());
    for (JsonObject g : good) assertTrue(Files.exists(Path.of(g.getString("path"))));
    for (Path v : victims) assertTrue(Files.exists(v), "untouched: " + v);
    assertTrue(reports.isEmpty());
    assertTrue(r.incidents().contains("index-inconsistent"));
  }

  @Test
  void eachUnsafeCandidateIsRefusedAndTheVerifiedOnesAreDeleted() throws Exception {
    List<JsonObject> good = new ArrayList<>();
    for (int i = 0; i < 4; i++) good.add(place("t1", i));
    List<Path> victims = new ArrayList<>();
    List<JsonObject> bad = hostileCandidates(victims);
    JsonObject wrongSum = place("t1", 5).put("sha256", "00".repeat(32));
    JsonArray cands = new JsonArray();
    good.forEach(cands::add);
    bad.forEach(cands::add);
    cands.add(wrongSum);
    vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_CANDIDATES, m -> m.reply(new JsonObject().put("indexedSegments", 7)
        .put("indexedBytes", 1).put("candidates", cands)));
    List<JsonObject> reports = Collections.synchronizedList(new ArrayList<>());
    vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_DELETED, m -> {
      reports.add(m.body());
      m.reply(new JsonObject().put("ok", true));
    });
    VolumeJanitor j = janitor(1, 5_000, 100);
    VolumeJanitor.Round r = await(j.runOnce());
    assertEquals("ok", r.outcome());
    assertEquals(4, r.deletedFiles());
    for (JsonObject g : good) assertFalse(Files.exists(Path.of(g.getString("path"))));
    for (Path v : victims) assertTrue(Files.exists(v), "untouched: " + v);
    assertTrue(Files.exists(Path.of(wrongSum.getString("path"))), "checksum mismatch: kept");
    assertTrue(Files.isSymbolicLink(root.resolve("t1/cam-1/2026-11-29/link.mp4")));
    List<String> why = r.rejected();
    assertEquals(6, why.size(), why.toString());
    assertTrue(why.stream().anyMatch(s -> s.startsWith("x1: unsafe path: outside")), why.toString());
    assertTrue(why.stream().anyMatch(s -> s.startsWith("x2: unsafe path: not absolute and normalised")), why.toString());
    assertTrue(why.stream().anyMatch(s -> s.startsWith("x3: unsafe path: a symbolic link")), why.toString());
    assertTrue(why.stream().anyMatch(s -> s.startsWith("x4: unsafe path: its directory resolves to")), why.toString());
    assertTrue(why.stream().anyMatch(s -> s.startsWith("x5: unsafe path: outside")), why.toString());
    assertTrue(why.stream().anyMatch(s -> s.startsWith("t1-5: sha256")), why.toString());
    assertEquals(1, reports.size());
    assertEquals(4, reports.get(0).getJsonArray("deleted").size());
    assertEquals(0, j.pendingReports());
    assertEquals(4.0, reg.get("vms.storage.deleted.files").tag("tenant", "t1").counter().count());
  }

  @Test
  void anEmptiedIndexDeletesNothing() throws Exception {
    List<JsonObject> all = new ArrayList<>();
    for (int i = 0; i < 6; i++) all.add(place("t1", i));
    // a lost database restored empty answers with no rows for this node; a candidate list from it is not trusted
    vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_CANDIDATES, m -> m.reply(new JsonObject().put("indexedSegments", 0)
        .put("indexedBytes", 0).put("candidates", new JsonArray().add(all.get(0)))));
    VolumeJanitor j = janitor(1, 5_000, 3);
    VolumeJanitor.Round r = await(j.runOnce());
    assertEquals("index-inconsistent", r.outcome());
    for (JsonObject c : all) assertTrue(Files.exists(Path.of(c.getString("path"))));
  }

  @Test
  void unacknowledgedDeletionsAreReportedAgainNotCountedAsMismatches() throws Exception {
    List<JsonObject> all = new ArrayList<>();
    for (int i = 0; i < 6; i++) all.add(place("t1", i));
    JsonArray cands = new JsonArray().add(all.get(0)).add(all.get(1));
    vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_CANDIDATES, m -> m.reply(new JsonObject().put("indexedSegments", 6)
        .put("indexedBytes", 1).put("candidates", cands)));
    List<JsonObject> reports = Collections.synchronizedList(new ArrayList<>());
    boolean[] answer = {false};
    vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_DELETED, m -> {
      reports.add(m.body());
      if (answer[0]) m.reply(new JsonObject().put("ok", true));
      else m.fail(500, "database down");
    });
    VolumeJanitor j = janitor(1, 5_000, 0);
    VolumeJanitor.Round r1 = await(j.runOnce());
    assertEquals(0, r1.deletedFiles(), "not acknowledged: nothing deleted for good yet");
    assertEquals(2, j.pendingReports());
    Path trash0 = root.resolve(VolumeJanitor.TRASH).resolve(root.relativize(Path.of(all.get(0).getString("path"))).toString());
    assertFalse(Files.exists(Path.of(all.get(0).getString("path"))));
    assertTrue(Files.exists(trash0), "waits in the trash");
    answer[0] = true;
    VolumeJanitor.Round r2 = await(j.runOnce()); // the index still lists both (its rows were not marked): not a mismatch
    assertEquals("ok", r2.outcome());
    assertTrue(r2.rejected().isEmpty(), r2.rejected().toString());
    assertEquals(2, r2.deletedFiles());
    assertFalse(Files.exists(trash0));
    assertEquals(0, j.pendingReports());
    assertEquals(2, reports.size());
    assertEquals(reports.get(0).getJsonArray("deleted"), reports.get(1).getJsonArray("deleted"));
  }

  @Test
  void settingsComeFromTheStartupConfiguration() {
    var cfg = com.softdew.vms.platform.testing.TestConfigs.create(data, java.util.Map.of("storage.capacityMb", 3, "storage.highWaterPercent", 85,
        "storage.lowWaterPercent", 60, "storage.janitorIntervalSeconds", 5));
    VolumeJanitor.Settings st = VolumeJanitor.Settings.of(cfg, "n1");
    assertEquals(data.resolve("recordings").toAbsolutePath(), st.root());
    assertEquals(3L * 1024 * 1024, st.capacityBytes());
    assertEquals(85, st.highWaterPercent());
    assertEquals(60, st.lowWaterPercent());
    assertEquals(5000, st.intervalMs());
    var bad = com.softdew.vms.platform.testing.TestConfigs.create(data, java.util.Map.of("storage.highWaterPercent", 50,
        "storage.lowWaterPercent", 60));
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> VolumeJanitor.Settings.of(bad, "n1"));
    assertTrue(e.getMessage().contains("storage.lowWaterPercent"), e.getMessage());
  }

  @Test
  void theTimerRunsRoundsAndARepeatedIncidentIsNotRepublished() throws Exception {
    place("t1", 0);
    List<JsonObject> inc = incidents();
    VolumeJanitor j = new VolumeJanitor(new VolumeJanitor.Settings("edge-1", root, 1, 80, 50, 50, 1_000, 3, 0.5), reg);
    await(vertx.deployVerticle(j));
    waitFor(() -> reg.find("vms.storage.incidents").tag("kind", "index-unavailable").counter() != null
        && reg.get("vms.storage.incidents").tag("kind", "index-unavailable").counter().count() >= 3);
    assertTrue(reg.get("vms.storage.incidents").tag("kind", "index-unavailable").counter().count() >= 3, "rounds ran on the timer");
    assertEquals(1, inc.size(), "the same node-wide incident is published once per 10 minutes, counted every round");
    assertTrue(Files.exists(root.resolve("t1/cam-1/2026-11-29/1000.mp4")));
  }

  @Test
  void aSegmentProtectedDuringTheRoundIsRefusedByTheIndexAndPutBack() throws Exception {
    List<JsonObject> all = new ArrayList<>();
    for (int i = 0; i < 4; i++) all.add(place("t1", i));
    JsonArray cands = new JsonArray();
    all.forEach(cands::add);
    vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_CANDIDATES, m -> m.reply(new JsonObject().put("indexedSegments", 4)
        .put("indexedBytes", 1).put("candidates", cands)));
    // meanwhile t1-2 was exported (protected): the index refuses its deletion report
    vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_DELETED, m -> m.reply(new JsonObject().put("ok", true).put("marked", 3)
        .put("refused", new JsonArray().add(new JsonObject().put("tenantId", "t1").put("segmentId", "t1-2").put("reason", "protected")))));
    List<JsonObject> inc = incidents();
    VolumeJanitor j = janitor(1, 5_000, 3);
    VolumeJanitor.Round r = await(j.runOnce());
    assertEquals("ok", r.outcome());
    assertEquals(3, r.deletedFiles());
    assertEquals(1, r.restoredFiles());
    Path kept = Path.of(all.get(2).getString("path"));
    assertTrue(Files.exists(kept), "put back");
    assertEquals(all.get(2).getString("sha256"), VolumeJanitor.sha256(kept));
    for (int i : new int[] {0, 1, 3}) assertFalse(Files.exists(Path.of(all.get(i).getString("path"))));
    waitFor(() -> inc.stream().anyMatch(x -> "protected-restored".equals(x.getString("kind"))));
    JsonObject pr = inc.stream().filter(x -> "protected-restored".equals(x.getString("kind"))).findFirst().orElseThrow();
    assertEquals("t1", pr.getString("tenantId"));
    try (Stream<Path> t = Files.walk(root.resolve(VolumeJanitor.TRASH))) {
      assertEquals(0, t.filter(Files::isRegularFile).count(), "trash empty");
    }
  }

  @Test
  void filesLeftInTheTrashByACrashArePutBackAtStart() throws Exception {
    JsonObject c = place("t1", 0);
    Path original = Path.of(c.getString("path"));
    Path trash = root.resolve(VolumeJanitor.TRASH).resolve(root.relativize(original).toString());
    Files.createDirectories(trash.getParent());
    Files.move(original, trash);
    janitor(1, 5_000, 3);
    assertTrue(Files.exists(original));
    assertFalse(Files.exists(trash));
    assertEquals(c.getString("sha256"), VolumeJanitor.sha256(original));
  }

  @Test
  void aTrashThatIsASymbolicLinkStopsTheRound() throws Exception {
    JsonObject c = place("t1", 0);
    Files.createDirectories(root);
    Files.createSymbolicLink(root.resolve(VolumeJanitor.TRASH), outside);
    vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_CANDIDATES, m -> m.reply(new JsonObject().put("indexedSegments", 1)
        .put("indexedBytes", 1).put("candidates", new JsonArray().add(c))));
    VolumeJanitor.Round r = await(janitor(1, 5_000, 3).runOnce());
    assertEquals("volume-unsafe", r.outcome());
    assertEquals(List.of("volume-unsafe"), r.incidents());
    assertTrue(Files.exists(Path.of(c.getString("path"))));
    try (Stream<Path> o = Files.list(outside)) {
      assertEquals(0, o.count());
    }
  }

  @Test
  void nothingDeletableAboveHighWaterIsAVolumeFullIncident() throws Exception {
    for (int i = 0; i < 3; i++) place("t1", i);
    // every segment protected: the index has nothing to offer
    vertx.eventBus().<JsonObject>consumer(Addresses.STORAGE_CANDIDATES, m -> m.reply(new JsonObject().put("indexedSegments", 3)
        .put("indexedBytes", 1).put("candidates", new JsonArray()).put("truncated", false)));
    VolumeJanitor.Round r = await(janitor(1, 5_000, 3).runOnce());
    assertEquals("ok", r.outcome());
    assertEquals(List.of("volume-full"), r.incidents());
    assertEquals(0, r.deletedFiles());
  }
}
