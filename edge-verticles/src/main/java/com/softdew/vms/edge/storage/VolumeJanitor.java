package com.softdew.vms.edge.storage;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.platform.config.VmsConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a node's recordings volume ({@code <data.dir>/recordings}) below its high-water mark and applies the age
 * limits, deleting only what the recording index allows and only when that is safe (docs/retention.md).
 *
 * <p>Every {@code storage.janitorIntervalSeconds} a round: measure the volume (sum of the file sizes under the root;
 * capacity {@code storage.capacityMb} or the file system's size), ask the index ({@link Addresses#STORAGE_CANDIDATES})
 * with {@code bytesToFree} = used − low water when used &gt; high water, else 0 (age limits only), then delete the
 * candidates that pass every check, and report them ({@link Addresses#STORAGE_DELETED}).
 *
 * <p>Safety: a file is deleted only if the index returned it, its path is absolute, normalised, a regular file (not a
 * symbolic link) named {@code *.mp4} under {@code <root>/<tenantId>/} whose real parent directory is inside the
 * volume, and its size and SHA-256 equal the index's. No answer from the index (failure, no consumer, timeout) →
 * nothing deleted, incident {@code index-unavailable}. An index that disagrees with the disk (no or far fewer rows
 * than {@code .mp4} files, or far fewer files than rows) or more than {@code maxMismatches} failed checks in a round →
 * nothing (more) deleted, incident {@code index-inconsistent}. A verified file is first moved into {@code <root>/.trash}
 * (same file system, atomic); it is deleted for good only once the index acknowledged the report, and moved back when
 * the index refuses it (e.g. protected in the meantime) or when the janitor starts after a crash. File work (walk,
 * hashing, moves, deletes) runs on the janitor's own worker thread; the event loop only sends messages.
 */
public final class VolumeJanitor extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(VolumeJanitor.class);
  private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  /** Directory under the root where verified files wait for the index's acknowledgement before they are deleted. */
  public static final String TRASH = ".trash";
  /** Candidates verified together before any of them is deleted. */
  static final int BATCH = 100;
  /** Deleted files whose report the index did not acknowledge yet, kept for the next round (bounded). */
  static final int MAX_PENDING = 100_000;
  /** The same node-wide incident kind is published at most this often while it persists. */
  static final long INCIDENT_REPEAT_MS = 10 * 60_000L;

  /**
   * @param capacityBytes      size of the volume for the water marks; 0 = the file system's total size
   * @param minIndexedFraction the index must know at least this fraction of the {@code .mp4} files on the volume
   * @param maxMismatches      more failed checks than this in one round stop the round
   * @param intervalMs         0 = no timer (rounds only through {@link #runOnce})
   */
  public record Settings(String nodeId, Path root, long capacityBytes, int highWaterPercent, int lowWaterPercent, long intervalMs,
      long requestTimeoutMs, int maxMismatches, double minIndexedFraction) {
    public Settings {
      if (nodeId == null || nodeId.isBlank()) throw new IllegalArgumentException("nodeId is required");
      if (lowWaterPercent >= highWaterPercent) {
        throw new IllegalArgumentException("storage.lowWaterPercent (" + lowWaterPercent + ") must be below storage.highWaterPercent ("
            + highWaterPercent + ")");
      }
      root = root.toAbsolutePath().normalize();
    }

    /** From the start-up configuration: storage.* keys, root {@code <data.dir>/recordings}. */
    public static Settings of(VmsConfig cfg, String nodeId) {
      return new Settings(nodeId, Path.of(cfg.string("data.dir")).resolve("recordings"), cfg.integer("storage.capacityMb") * 1024L * 1024L,
          cfg.integer("storage.highWaterPercent"), cfg.integer("storage.lowWaterPercent"),
          cfg.integer("storage.janitorIntervalSeconds") * 1000L, 30_000, 3, 0.5);
    }

    public Settings withCapacity(long bytes) {
      return new Settings(nodeId, root, bytes, highWaterPercent, lowWaterPercent, intervalMs, requestTimeoutMs, maxMismatches,
          minIndexedFraction);
    }

    public Settings withTimer(long ms) {
      return new Settings(nodeId, root, capacityBytes, highWaterPercent, lowWaterPercent, ms, requestTimeoutMs, maxMismatches,
          minIndexedFraction);
    }

    public Settings withRequestTimeout(long ms) {
      return new Settings(nodeId, root, capacityBytes, highWaterPercent, lowWaterPercent, intervalMs, ms, maxMismatches,
          minIndexedFraction);
    }
  }

  /** What the volume holds: bytes of every regular file, the {@code .mp4} count, bytes per tenant directory. */
  public record Volume(long usedBytes, long capacityBytes, long mp4Files, Map<String, Long> tenantBytes) {}

  /** What one round did. {@code outcome}: ok, busy, index-unavailable, index-inconsistent, volume-unsafe. */
  public record Round(String outcome, long usedBefore, long usedAfter, long capacityBytes, long bytesToFree, int candidates,
      int deletedFiles, long deletedBytes, List<String> rejected, List<String> incidents, int restoredFiles) {
    public JsonObject toJson() {
      return new JsonObject().put("outcome", outcome).put("usedBefore", usedBefore).put("usedAfter", usedAfter)
          .put("capacityBytes", capacityBytes).put("bytesToFree", bytesToFree).put("candidates", candidates).put("deletedFiles", deletedFiles)
          .put("deletedBytes", deletedBytes).put("rejected", new JsonArray(rejected)).put("incidents", new JsonArray(incidents))
          .put("restoredFiles", restoredFiles);
    }
  }

  private record Checked(JsonObject candidate, Path file, String problem) {}

  private final Settings s;
  private final MeterRegistry registry;
  private final Map<String, AtomicLong> tenantUsed = new ConcurrentHashMap<>();
  private final AtomicLong volumeUsed = new AtomicLong();
  private final AtomicLong volumeCapacity = new AtomicLong();
  private final Map<String, JsonObject> pendingReport = new LinkedHashMap<>();
  private final Map<String, Long> lastIncident = new ConcurrentHashMap<>();
  private final Counter pendingDropped;
  private WorkerExecutor worker;
  private long timer = -1;
  private boolean running;

  public VolumeJanitor(Settings settings, MeterRegistry registry) {
    this.s = settings;
    this.registry = registry != null ? registry : new SimpleMeterRegistry();
    Gauge.builder("vms.storage.volume.used.bytes", volumeUsed, AtomicLong::get).tag("node", s.nodeId())
        .description("bytes of the files on the recordings volume").register(this.registry);
    Gauge.builder("vms.storage.volume.capacity.bytes", volumeCapacity, AtomicLong::get).tag("node", s.nodeId())
        .description("capacity of the recordings volume used for the water marks").register(this.registry);
    pendingDropped = Counter.builder("vms.storage.pending.dropped").tag("node", s.nodeId())
        .description("deletion reports dropped because the pending list was full").register(this.registry);
  }

  public Settings settings() {
    return s;
  }

  @Override
  public Future<?> start() {
    worker = vertx.createSharedWorkerExecutor("vms-janitor-" + s.nodeId(), 1, 30, TimeUnit.MINUTES);
    return worker.executeBlocking(this::recoverTrash).recover(e -> {
      LOG.error("janitor: files of an interrupted round could not be put back from {}: {}", s.root().resolve(TRASH), e.toString());
      return Future.succeededFuture(0);
    }).compose(n -> startTimer());
  }

  private Future<Void> startTimer() {
    if (s.intervalMs() > 0) {
      timer = vertx.setPeriodic(s.intervalMs(), id -> runOnce().onFailure(e -> LOG.error("janitor round failed: {}", e.toString())));
    }
    LOG.info("volume janitor of node {} on {}: capacity {}, high water {} %, low water {} %, every {} ms", s.nodeId(), s.root(),
        s.capacityBytes() == 0 ? "file system size" : s.capacityBytes() + " bytes", s.highWaterPercent(), s.lowWaterPercent(), s.intervalMs());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
    if (worker != null) return worker.close();
    return Future.succeededFuture();
  }

  /**
   * Runs one round now (the timer calls it too), on the janitor's context whatever thread calls it; a round already
   * running makes this one return "busy".
   */
  public Future<Round> runOnce() {
    io.vertx.core.Promise<Round> p = io.vertx.core.Promise.promise();
    context.runOnContext(v -> round().onComplete(p));
    return p.future();
  }

  private Future<Round> round() {
    if (running) return Future.succeededFuture(new Round("busy", 0, 0, 0, 0, 0, 0, 0, List.of(), List.of(), 0));
    running = true;
    List<String> incidents = new ArrayList<>();
    return worker.executeBlocking(this::measure).compose(vol -> {
      long high = vol.capacityBytes() * s.highWaterPercent() / 100;
      long low = vol.capacityBytes() * s.lowWaterPercent() / 100;
      long toFree = vol.usedBytes() > high ? vol.usedBytes() - low : 0;
      JsonObject ask = new JsonObject().put("nodeId", s.nodeId()).put("volume", s.root().toString()).put("bytesToFree", toFree)
          .put("now", System.currentTimeMillis());
      return vertx.eventBus().<JsonObject>request(Addresses.STORAGE_CANDIDATES, ask, new DeliveryOptions().setSendTimeout(s.requestTimeoutMs()))
          .transform(ar -> {
            if (ar.failed()) {
              incident(incidents, null, "index-unavailable", "no answer from the recording index (" + ar.cause().getMessage()
                  + "): nothing deleted; volume at " + vol.usedBytes() + " of " + vol.capacityBytes() + " bytes");
              return Future.succeededFuture(new Round("index-unavailable", vol.usedBytes(), vol.usedBytes(), vol.capacityBytes(), toFree, 0, 0, 0,
                  List.of(), incidents, 0));
            }
            return act(vol, toFree, high, ar.result().body(), incidents);
          });
    }).onComplete(ar -> running = false);
  }

  private Future<Round> act(Volume vol, long toFree, long high, JsonObject plan, List<String> incidents) {
    JsonArray cands = plan.getJsonArray("candidates", new JsonArray());
    String inconsistent = consistency(plan.getLong("indexedSegments", 0L), vol.mp4Files(), cands.size());
    if (inconsistent != null) {
      incident(incidents, null, "index-inconsistent", inconsistent + ": nothing deleted");
      return Future.succeededFuture(new Round("index-inconsistent", vol.usedBytes(), vol.usedBytes(), vol.capacityBytes(), toFree, cands.size(), 0, 0,
          List.of(), incidents, 0));
    }
    java.util.Set<String> pending = java.util.Set.copyOf(pendingReport.keySet());
    return worker.executeBlocking(() -> deleteVerified(cands, pending)).compose(res -> {
      List<JsonObject> deleted = res.deleted;
      List<String> rejected = res.rejected;
      for (JsonObject c : res.mismatched) {
        incident(incidents, c.getString("tenantId"), "checksum-mismatch", "segment " + c.getString("segmentId") + " at " + c.getString("path")
            + " not deleted: " + c.getString("problem"));
      }
      if (res.unsafe != null) {
        incident(incidents, null, "volume-unsafe", res.unsafe);
        return Future.succeededFuture(new Round("volume-unsafe", vol.usedBytes(), vol.usedBytes(), vol.capacityBytes(), toFree, cands.size(), 0, 0,
            List.of(), incidents, 0));
      }
      if (res.stopped) {
        incident(incidents, null, "index-inconsistent", rejected.size() + " of the index's candidates failed the size/checksum/path checks"
            + " (more than " + s.maxMismatches() + "): round stopped after " + deleted.size() + " verified deletions; first: "
            + rejected.subList(0, Math.min(3, rejected.size())));
      }
      for (JsonObject d : deleted) {
        if (pendingReport.size() >= MAX_PENDING) {
          // cannot happen while rounds are bounded by the plan size; kept as a guard: the file stays in the trash
          pendingDropped.increment();
          LOG.error("deletion of {} of tenant {} not tracked: {} reports pending already; it stays in {}", d.getString("segmentId"),
              d.getString("tenantId"), MAX_PENDING, d.getString("trash"));
          continue;
        }
        pendingReport.put(d.getString("tenantId") + "/" + d.getString("segmentId"), d);
      }
      return report().compose(settle -> worker.executeBlocking(() -> settle(settle))).compose(done -> worker.executeBlocking(this::measure)
          .map(after -> {
            if (after.usedBytes() > high && !plan.getBoolean("truncated", false) && !res.stopped && pendingReport.isEmpty()) {
              incident(incidents, null, "volume-full", "volume at " + after.usedBytes() + " of " + after.capacityBytes()
                  + " bytes after deleting every candidate the retention policy allows (" + done.purged + " files): the rest is protected,"
                  + " unindexed or failed the checks");
            }
            for (JsonObject d : done.restoredProtected) {
              incident(incidents, d.getString("tenantId"), "protected-restored", "segment " + d.getString("segmentId")
                  + " was protected after it was planned for deletion: the index refused it, the file is back at " + d.getString("path"));
            }
            if (done.purged > 0 || !rejected.isEmpty() || done.restored > 0) {
              LOG.info("janitor round on {}: {} candidates, {} files deleted ({} bytes), {} restored, {} rejected, {} pending, volume {} -> {} of {}"
                  + " bytes", s.root(), cands.size(), done.purged, done.purgedBytes, done.restored, rejected.size(), pendingReport.size(),
                  vol.usedBytes(), after.usedBytes(), after.capacityBytes());
            }
            return new Round(res.stopped ? "index-inconsistent" : "ok", vol.usedBytes(), after.usedBytes(), after.capacityBytes(), toFree,
                cands.size(), done.purged, done.purgedBytes, rejected, incidents, done.restored);
          }));
    });
  }

  /** What the index answered to the deletion reports: files to delete for good, files to put back. */
  private record Settle(List<JsonObject> purge, List<JsonObject> restore) {}

  private static final class Done {
    int purged;
    long purgedBytes;
    int restored;
    final List<JsonObject> restoredProtected = new ArrayList<>();
  }

  /** Worker thread: deletes the acknowledged files from the trash, moves refused ones back where they were. */
  private Done settle(Settle settle) {
    Done d = new Done();
    for (JsonObject e : settle.purge()) {
      try {
        Files.deleteIfExists(Path.of(e.getString("trash")));
        d.purged++;
        d.purgedBytes += e.getLong("bytes");
        registry.counter("vms.storage.deleted.files", "node", s.nodeId(), "tenant", e.getString("tenantId")).increment();
        registry.counter("vms.storage.deleted.bytes", "node", s.nodeId(), "tenant", e.getString("tenantId")).increment(e.getLong("bytes"));
      } catch (IOException x) {
        LOG.error("janitor: {} acknowledged but not removed from the trash: {}", e.getString("trash"), x.toString());
      }
    }
    for (JsonObject e : settle.restore()) {
      if (restore(Path.of(e.getString("trash")), Path.of(e.getString("path")))) {
        d.restored++;
        if ("protected".equals(e.getString("refused"))) d.restoredProtected.add(e);
      }
    }
    return d;
  }

  /** Moves a file back from the trash; false (logged) when that is impossible. */
  private static boolean restore(Path trash, Path original) {
    try {
      if (Files.exists(original, LinkOption.NOFOLLOW_LINKS)) {
        LOG.error("janitor: cannot restore {}: {} exists; the file stays in the trash", trash, original);
        return false;
      }
      Files.createDirectories(original.getParent());
      Files.move(trash, original, StandardCopyOption.ATOMIC_MOVE);
      LOG.warn("janitor: restored {} (the index refused its deletion)", original);
      return true;
    } catch (IOException x) {
      LOG.error("janitor: cannot restore {} to {}: {}", trash, original, x.toString());
      return false;
    }
  }

  /** Worker thread, at start: files left in the trash by a crash are put back (their deletion was never confirmed). */
  private int recoverTrash() throws IOException {
    Path trash = s.root().resolve(TRASH);
    if (!Files.isDirectory(trash, LinkOption.NOFOLLOW_LINKS)) return 0;
    List<Path> files = new ArrayList<>();
    Files.walkFileTree(trash, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (attrs.isRegularFile()) files.add(file);
        return FileVisitResult.CONTINUE;
      }
    });
    int n = 0;
    for (Path f : files) if (restore(f, s.root().resolve(trash.relativize(f).toString()))) n++;
    if (n > 0) LOG.warn("janitor: {} files of an interrupted round put back from {}", n, trash);
    return n;
  }

  /** Null when the index's view of the volume is believable, else why not. */
  String consistency(long indexed, long mp4Files, int candidates) {
    int pending = pendingReport.size();
    if (mp4Files > 0 && indexed == 0) {
      return "the index holds no segment of node " + s.nodeId() + " but the volume holds " + mp4Files + " .mp4 files (database lost or emptied?)";
    }
    if (indexed < mp4Files * s.minIndexedFraction()) {
      return "the index knows " + indexed + " segments of node " + s.nodeId() + " but the volume holds " + mp4Files + " .mp4 files";
    }
    if (indexed > 0 && mp4Files < (indexed - pending) * s.minIndexedFraction()) {
      return "the volume holds " + mp4Files + " .mp4 files but the index lists " + indexed + " present segments of node " + s.nodeId()
          + " (volume not mounted, or another node's index?)";
    }
    if (candidates > 0 && indexed == 0) return "candidates without any indexed segment";
    return null;
  }

  private static final class Result {
    final List<JsonObject> deleted = new ArrayList<>();
    final List<JsonObject> mismatched = new ArrayList<>();
    final List<String> rejected = new ArrayList<>();
    boolean stopped;
    String unsafe;
  }

  /** Worker thread: verifies the candidates batch by batch and deletes a batch only when the round is still trusted. */
  private Result deleteVerified(JsonArray cands, java.util.Set<String> pending) throws IOException {
    Result res = new Result();
    Path rootReal = Files.exists(s.root()) ? s.root().toRealPath() : s.root();
    Path trashDir = s.root().resolve(TRASH);
    if (Files.exists(trashDir, LinkOption.NOFOLLOW_LINKS) && (Files.isSymbolicLink(trashDir)
        || !Files.isDirectory(trashDir, LinkOption.NOFOLLOW_LINKS))) {
      res.stopped = true;
      res.unsafe = trashDir + " is not a plain directory (a symbolic link?): nothing is deleted";
      return res;
    }
    int mismatches = 0;
    for (int from = 0; from < cands.size() && !res.stopped; from += BATCH) {
      List<Checked> ok = new ArrayList<>();
      for (int i = from; i < Math.min(cands.size(), from + BATCH); i++) {
        Object o = cands.getValue(i);
        JsonObject c = o instanceof JsonObject j ? j : new JsonObject();
        String key = c.getString("tenantId") + "/" + c.getString("segmentId");
        if (pending.contains(key)) continue; // deleted by an earlier round whose report got no answer: reported again below
        Checked k = check(rootReal, c);
        if (k.problem() == null) {
          ok.add(k);
        } else {
          mismatches++;
          res.rejected.add(c.getString("segmentId") + ": " + k.problem());
          res.mismatched.add(c.copy().put("problem", k.problem()));
          LOG.warn("janitor: candidate {} of tenant {} not deleted: {}", c.getString("segmentId"), c.getString("tenantId"), k.problem());
        }
      }
      if (mismatches > s.maxMismatches()) {
        res.stopped = true;
        break;
      }
      for (Checked k : ok) {
        try {
          if (Files.isSymbolicLink(k.file())) throw new IOException("became a symbolic link");
          Path rel = k.file().startsWith(s.root()) ? s.root().relativize(k.file()) : rootReal.relativize(k.file());
          Path trash = s.root().resolve(TRASH).resolve(rel.toString());
          Files.createDirectories(trash.getParent());
          Files.move(k.file(), trash, StandardCopyOption.ATOMIC_MOVE);
          res.deleted.add(new JsonObject().put("tenantId", k.candidate().getString("tenantId"))
              .put("segmentId", k.candidate().getString("segmentId")).put("bytes", k.candidate().getLong("bytes"))
              .put("path", k.file().toString()).put("trash", trash.toString()));
        } catch (IOException e) {
          res.rejected.add(k.candidate().getString("segmentId") + ": delete failed: " + e);
          LOG.warn("janitor: deleting {} failed: {}", k.file(), e.toString());
        }
      }
    }
    return res;
  }

  /** Path, type, size and checksum checks of one candidate. */
  Checked check(Path rootReal, JsonObject c) {
    String tenant = c.getString("tenantId");
    String path = c.getString("path");
    String sha = c.getString("sha256");
    Long bytes = c.getLong("bytes");
    if (tenant == null || !TENANT.matcher(tenant).matches() || path == null || sha == null || bytes == null || c.getString("segmentId") == null) {
      return new Checked(c, null, "incomplete candidate (tenantId, segmentId, path, sha256, bytes required)");
    }
    Path p;
    try {
      p = Path.of(path);
    } catch (RuntimeException e) {
      return new Checked(c, null, "unsafe path: not a path");
    }
    if (!p.isAbsolute() || !p.normalize().equals(p)) return new Checked(c, null, "unsafe path: not absolute and normalised: " + path);
    Path tenantDir = s.root().resolve(tenant);
    Path tenantDirReal = rootReal.resolve(tenant);
    if (!(p.startsWith(tenantDir) || p.startsWith(tenantDirReal))) {
      return new Checked(c, null, "unsafe path: outside " + tenantDir + ": " + path);
    }
    if (!p.getFileName().toString().endsWith(".mp4")) return new Checked(c, null, "unsafe path: not a .mp4 segment: " + path);
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (a.isSymbolicLink()) return new Checked(c, null, "unsafe path: a symbolic link: " + path);
      if (!a.isRegularFile()) return new Checked(c, null, "not a regular file: " + path);
      Path parentReal = p.getParent().toRealPath();
      if (!parentReal.startsWith(tenantDirReal)) return new Checked(c, null, "unsafe path: its directory resolves to " + parentReal + ", outside the volume");
      if (a.size() != bytes) return new Checked(c, null, "size " + a.size() + " differs from the index's " + bytes);
      String actual = sha256(p);
      if (!actual.equalsIgnoreCase(sha)) return new Checked(c, null, "sha256 " + actual + " differs from the index's " + sha);
      return new Checked(c, p, null);
    } catch (java.nio.file.NoSuchFileException e) {
      return new Checked(c, null, "missing: " + path);
    } catch (IOException e) {
      return new Checked(c, null, "unreadable: " + e);
    }
  }

  /** Hex SHA-256 of a file, read without following a symbolic link. */
  public static String sha256(Path p) throws IOException {
    return com.softdew.vms.edge.record.Fmp4Segments.sha256(p);
  }


  /**
   * Reports every file moved to the trash and not acknowledged yet. Acknowledged ones (marked or already deleted) are
   * purged, refused ones (protected meanwhile, unknown, another node's) restored; without an answer they stay pending
   * (in the trash) for the next round.
   */
  private Future<Settle> report() {
    List<JsonObject> purge = new ArrayList<>();
    List<JsonObject> restore = new ArrayList<>();
    if (pendingReport.isEmpty()) return Future.succeededFuture(new Settle(purge, restore));
    List<String> keys = new ArrayList<>(pendingReport.keySet());
    List<Future<Void>> parts = new ArrayList<>();
    int chunk = 5000;
    for (int i = 0; i < keys.size(); i += chunk) {
      List<String> part = keys.subList(i, Math.min(keys.size(), i + chunk));
      JsonArray arr = new JsonArray();
      part.forEach(k -> arr.add(new JsonObject().put("tenantId", pendingReport.get(k).getString("tenantId"))
          .put("segmentId", pendingReport.get(k).getString("segmentId"))));
      parts.add(vertx.eventBus().<JsonObject>request(Addresses.STORAGE_DELETED, new JsonObject().put("nodeId", s.nodeId()).put("deleted", arr),
          new DeliveryOptions().setSendTimeout(s.requestTimeoutMs())).transform(ar -> {
            if (ar.failed()) {
              LOG.warn("janitor: {} deletions not acknowledged by the index ({}); kept in the trash, resent next round", part.size(),
                  ar.cause().getMessage());
              return Future.succeededFuture();
            }
            Map<String, String> refused = new java.util.HashMap<>();
            for (Object o : ar.result().body().getJsonArray("refused", new JsonArray())) {
              if (o instanceof JsonObject r) refused.put(r.getString("tenantId") + "/" + r.getString("segmentId"), r.getString("reason", ""));
            }
            if (!refused.isEmpty()) LOG.error("janitor: the index refused deletion reports (files restored): {}", refused);
            for (String k : part) {
              JsonObject e = pendingReport.remove(k);
              if (e == null) continue;
              if (refused.containsKey(k)) restore.add(e.copy().put("refused", refused.get(k)));
              else purge.add(e);
            }
            return Future.succeededFuture();
          }));
    }
    return Future.join(parts).map(v -> new Settle(purge, restore));
  }

  /** Number of deleted files the index has not acknowledged yet. */
  public int pendingReports() {
    return pendingReport.size();
  }

  private void incident(List<String> out, String tenantId, String kind, String detail) {
    out.add(kind);
    registry.counter("vms.storage.incidents", "node", s.nodeId(), "kind", kind).increment();
    LOG.error("storage incident {} on node {} volume {}{}: {}", kind, s.nodeId(), s.root(), tenantId == null ? "" : " tenant " + tenantId, detail);
    long now = System.currentTimeMillis();
    if (tenantId == null) {
      Long last = lastIncident.get(kind);
      if (last != null && now - last < INCIDENT_REPEAT_MS) return; // still the same situation: logged and counted, not republished
      lastIncident.put(kind, now);
    }
    JsonObject m = new JsonObject().put("nodeId", s.nodeId()).put("volume", s.root().toString()).put("kind", kind).put("detail", detail)
        .put("at", now);
    if (tenantId != null) m.put("tenantId", tenantId);
    vertx.eventBus().publish(Addresses.STORAGE_INCIDENT, m);
  }

  /** Worker thread: walks the volume without following links. */
  Volume measure() throws IOException {
    long[] used = {0};
    long[] mp4 = {0};
    Map<String, Long> perTenant = new LinkedHashMap<>();
    Path root = s.root();
    if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (!attrs.isRegularFile()) return FileVisitResult.CONTINUE;
          used[0] += attrs.size();
          if (file.getFileName().toString().endsWith(".mp4")) mp4[0]++;
          Path rel = root.relativize(file);
          if (rel.getNameCount() > 1 && !rel.getName(0).toString().equals(TRASH)) perTenant.merge(rel.getName(0).toString(), attrs.size(), Long::sum);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          LOG.warn("janitor: cannot read {}: {}", file, e.toString());
          return FileVisitResult.CONTINUE;
        }
      });
    }
    long capacity = s.capacityBytes();
    if (capacity <= 0) {
      Path p = root;
      while (p != null && !Files.exists(p)) p = p.getParent();
      FileStore fs = Files.getFileStore(p == null ? Path.of("/") : p);
      capacity = fs.getTotalSpace();
    }
    volumeUsed.set(used[0]);
    volumeCapacity.set(capacity);
    for (Map.Entry<String, Long> e : perTenant.entrySet()) {
      tenantUsed.computeIfAbsent(e.getKey(), t -> {
        AtomicLong v = new AtomicLong();
        Gauge.builder("vms.storage.used.bytes", v, AtomicLong::get).tag("node", s.nodeId()).tag("tenant", t)
            .description("bytes of a tenant's recordings on this node's volume").register(registry);
        return v;
      }).set(e.getValue());
    }
    tenantUsed.forEach((t, v) -> {
      if (!perTenant.containsKey(t)) v.set(0);
    });
    return new Volume(used[0], capacity, mp4[0], perTenant);
  }
}
