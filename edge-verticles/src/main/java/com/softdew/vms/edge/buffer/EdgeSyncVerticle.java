package com.softdew.vms.edge.buffer;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.record.RecordingGap;
import com.softdew.vms.edge.record.RecordingSegment;
import com.softdew.vms.platform.config.VmsConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Edge sync of one node: journals the node's own recordings and sends them to the control plane's index and
 * the cloud tier, in order, idempotently, surviving restarts and outages.
 *
 * <pre>
 *  vms.recording.segment / .gap / .gap.filled (localConsumer: this node's recorders and SD-card filler only)
 *     → outbox "index"  → request vms.recording.index {kind: segment|gap|gapFilled, nodeId, record}   until {ok: true}
 *        (segment, cloud tier configured) → outbox "upload" → CloudTier.upload → {kind: uploaded, record: {tenantId,
 *                                                              segmentId, tier: "cloud", objectKey}} until {ok: true}
 *           (storage.edge.maxAgeHours &gt; 0) → outbox "evict" → at end + maxAge: delete the local file → {kind: localEvicted}
 * </pre>
 *
 * <p>Each lane has one entry in flight: an entry is acknowledged in its journal only after the index replied
 * {ok: true} (and, for the index lane, after the follow-up entry is journalled in the next lane), so a crash
 * resends at most the entry in flight — the index is keyed by segmentId and the tiers skip an object that is
 * already there with the same SHA-256. A failure or timeout retries the same entry after an exponential backoff
 * (0.5 s doubling to 30 s, ±20 % jitter, reset after a success). An upload whose local file is gone or does
 * not match its checksum cannot succeed: it is counted ({@code vms.sync.upload.failures{reason}}), logged and
 * skipped; the segment stays indexed as local.
 *
 * <p>Start-up keys: {@code data.dir} (journals under {@code <data.dir>/outbox/<nodeId>/{index,upload,evict}}),
 * {@code storage.outbox.maxEntries} (bound of each journal), {@code storage.edge.maxAgeHours},
 * {@code storage.cloud.*}. All file I/O runs on the journals' threads, uploads on the worker pool
 * "vms-edge-sync-upload" (1 thread: in order), never on the event loop.
 */
public final class EdgeSyncVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(EdgeSyncVerticle.class);
  static final String INDEX = "index", UPLOAD = "upload", EVICT = "evict";
  /** Longest wait of the evict lane before it looks again. */
  static final long EVICT_POLL_MS = 60_000;

  /**
   * @param maxEntries     bound of each journal (storage.outbox.maxEntries)
   * @param maxAge         local copies of uploaded segments older than this are deleted (ZERO = never; storage.edge.maxAgeHours)
   * @param requestTimeout of one request to the index
   * @param backoffMin     first retry delay
   * @param backoffMax     longest retry delay
   */
  public record Settings(int maxEntries, Duration maxAge, Duration requestTimeout, Duration backoffMin, Duration backoffMax) {
    public static Settings fromConfig(VmsConfig cfg) {
      return new Settings(cfg.integer("storage.outbox.maxEntries"), Duration.ofHours(cfg.integer("storage.edge.maxAgeHours")),
          Duration.ofSeconds(10), Duration.ofMillis(500), Duration.ofSeconds(30));
    }

    public Settings withBackoff(Duration min, Duration max) {
      return new Settings(maxEntries, maxAge, requestTimeout, min, max);
    }

    public Settings withRequestTimeout(Duration t) {
      return new Settings(maxEntries, maxAge, t, backoffMin, backoffMax);
    }
  }

  /**
   * What the sync is doing (for /health/detailed).
   *
   * @param indexBacklog       journalled records not yet acknowledged by the index
   * @param uploadBacklog      indexed segments not yet in the cloud tier (and acknowledged)
   * @param evictBacklog       uploaded segments whose local copy is kept until it is old enough
   * @param backlogBytes       bytes of segments still to upload (0 without a cloud tier)
   * @param oldestUnackedAgeMs age of the oldest record waiting for the index or the cloud, -1 = none
   */
  public record Stats(String nodeId, String cloudKind, long indexBacklog, long uploadBacklog, long evictBacklog, long backlogBytes,
      long oldestUnackedAgeMs, long sent, long uploaded, long uploadedBytes, long alreadyUploaded, long uploadFailures, long retries,
      long evicted, long overflow, long journalErrors, long refused, long tornLines, String lastError) {
    public JsonObject toJson() {
      return new JsonObject().put("nodeId", nodeId).put("cloudKind", cloudKind).put("indexBacklog", indexBacklog).put("uploadBacklog", uploadBacklog)
          .put("evictBacklog", evictBacklog).put("backlogBytes", backlogBytes).put("oldestUnackedAgeMs", oldestUnackedAgeMs).put("sent", sent)
          .put("uploaded", uploaded).put("uploadedBytes", uploadedBytes).put("alreadyUploaded", alreadyUploaded).put("uploadFailures", uploadFailures)
          .put("retries", retries).put("evicted", evicted).put("overflow", overflow).put("journalErrors", journalErrors).put("refused", refused).put("tornLines", tornLines)
          .put("lastError", lastError);
    }
  }

  /** A lane entry that is not due yet (evict lane): wait, no retry counted. */
  private static final class NotDue extends RuntimeException {
    final long waitMs;

    NotDue(long waitMs) {
      super(null, null, false, false);
      this.waitMs = waitMs;
    }
  }

  /** An evict entry whose path is outside data.dir: never deleted. */
  private static final class OutsideDataDir extends RuntimeException {
    OutsideDataDir(String message) {
      super(message);
    }
  }

  private final class Lane {
    final String name;
    final Function<RecordingOutbox.Entry, Future<Void>> process;
    RecordingOutbox outbox;
    /** Window mode (evict lane): entries of the read-ahead window are done out of order; the done prefix is acknowledged. */
    final boolean window;
    final java.util.Set<Long> done = new java.util.HashSet<>();
    /** done.size(), readable from any thread. */
    volatile int doneCount;
    boolean busy;
    long timer = -1;
    boolean timerIsNotDue;
    long backoff;
    Counter retryCounter; // set in start, once the node id is known

    Lane(String name, Function<RecordingOutbox.Entry, Future<Void>> process, boolean window) {
      this.name = name;
      this.process = process;
      this.window = window;
      this.backoff = settings.backoffMin().toMillis();
    }

    /** Takes the next entry unless one is in flight or a retry timer runs. */
    void pump() {
      if (stopped || busy || timer >= 0 || outbox == null) return;
      busy = true;
      fromCf(outbox.peek(window ? RecordingOutbox.READ_AHEAD : 1)).compose(list -> {
        if (list.isEmpty()) return Future.succeededFuture(false);
        if (window) return windowPass(list, 0, Long.MAX_VALUE);
        RecordingOutbox.Entry e = list.get(0);
        return process.apply(e).compose(v -> fromCf(outbox.commit(e.seq()))).map(true);
      }).onComplete(ar -> {
        busy = false;
        if (stopped) return;
        if (ar.succeeded()) {
          backoff = settings.backoffMin().toMillis();
          if (ar.result()) pump();
          return;
        }
        long wait;
        timerIsNotDue = ar.cause() instanceof NotDue;
        if (ar.cause() instanceof NotDue nd) {
          wait = Math.max(1, nd.waitMs);
        } else {
          retries.incrementAndGet();
          if (retryCounter != null) retryCounter.increment();
          lastError = name + ": " + ar.cause();
          wait = Math.round(backoff * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
          if (backoff <= settings.backoffMin().toMillis() * 2) {
            LOG.warn("edge sync {} lane: {} — retrying in {} ms (backoff up to {} s)", name, ar.cause().toString(), wait,
                settings.backoffMax().toSeconds());
          } else {
            LOG.debug("edge sync {} lane: {} — retrying in {} ms", name, ar.cause().toString(), wait);
          }
          backoff = Math.min(backoff * 2, settings.backoffMax().toMillis());
        }
        timer = vertx.setTimer(wait, id -> {
          timer = -1;
          pump();
        });
      });
    }

    /**
     * Processes the window's entries in order, skipping those not due yet, then acknowledges the prefix that is
     * done; fails with NotDue(the shortest wait) when some entry is not due, with the first real failure otherwise.
     */
    private Future<Boolean> windowPass(List<RecordingOutbox.Entry> list, int i, long minWait) {
      if (i == list.size()) {
        long last = -1;
        for (RecordingOutbox.Entry e : list) {
          if (!done.contains(e.seq())) break;
          last = e.seq();
        }
        final long upTo = last;
        Future<Void> c = upTo < 0 ? Future.succeededFuture() : fromCf(outbox.commit(upTo)).onSuccess(v -> {
          done.removeIf(s -> s <= upTo);
          doneCount = done.size();
        });
        return c.compose(v -> minWait == Long.MAX_VALUE ? Future.succeededFuture(true) : Future.failedFuture(new NotDue(minWait)));
      }
      RecordingOutbox.Entry e = list.get(i);
      if (done.contains(e.seq())) return windowPass(list, i + 1, minWait);
      return process.apply(e).transform(ar -> {
        if (ar.succeeded()) {
          done.add(e.seq());
          doneCount = done.size();
          return windowPass(list, i + 1, minWait);
        }
        if (ar.cause() instanceof NotDue nd) return windowPass(list, i + 1, Math.min(minWait, nd.waitMs));
        return Future.failedFuture(ar.cause());
      });
    }

    /** New entry: take it now if idle (a waiting retry is not cut short). */
    void wake() {
      if (timer >= 0 && timerIsNotDue) cancel(); // a new entry may be due already (an old segment); a retry backoff is kept
      pump();
    }

    void cancel() {
      if (timer >= 0) vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private final Path dataDir;
  private volatile String nodeId;
  private java.nio.channels.FileChannel lockChannel;
  private java.nio.channels.FileLock lock;
  private Path journalHeld;
  private static final java.util.Set<Path> JOURNALS_IN_USE = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Settings settings;
  private final MeterRegistry registry;
  private volatile Tags tags;
  private CloudTier tier;
  private final boolean ownTier;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final Lane index, upload, evict;
  private WorkerExecutor uploadPool;
  private volatile boolean stopped;
  private final AtomicLong sent = new AtomicLong(), uploaded = new AtomicLong(), uploadedBytes = new AtomicLong(),
      alreadyUploaded = new AtomicLong(), uploadFailures = new AtomicLong(), retries = new AtomicLong(), evicted = new AtomicLong(),
      refused = new AtomicLong();
  private volatile String lastError = "";

  /**
   * @param tier     the cloud tier, null = none (this verticle closes it on stop only when built from config)
   * @param registry may be null
   */
  public EdgeSyncVerticle(Path dataDir, String nodeId, Settings settings, CloudTier tier, MeterRegistry registry) {
    this(dataDir, nodeId, settings, tier, false, registry);
  }

  private EdgeSyncVerticle(Path dataDir, String nodeId, Settings settings, CloudTier tier, boolean ownTier,
      MeterRegistry registry) {
    if (nodeId == null || !CloudTier.ID.matcher(nodeId).matches()) throw new IllegalArgumentException("nodeId must match [A-Za-z0-9._-]+: " + nodeId);
    this.dataDir = dataDir.toAbsolutePath().normalize();
    this.nodeId = nodeId;
    this.settings = settings;
    this.tier = tier;
    this.ownTier = ownTier;
    this.registry = registry;
    this.tags = Tags.of("nodeId", nodeId);
    this.index = new Lane(INDEX, this::indexEntry, false);
    this.upload = new Lane(UPLOAD, this::uploadEntry, false);
    this.evict = new Lane(EVICT, this::evictEntry, true);
  }

  /**
   * From the start-up configuration (data.dir, storage.outbox.*, storage.edge.*, storage.cloud.*). {@code nodeId}
   * is the node's id kept in {@code <data.dir>/node-id} (RoleVerticle), the same across restarts, so the journal
   * of the last run and the index rows of this node's files are found again.
   *
   * @throws IllegalArgumentException naming the key when storage.cloud.* is incomplete
   */
  public static EdgeSyncVerticle fromConfig(VmsConfig cfg, String nodeId, MeterRegistry registry) {
    return new EdgeSyncVerticle(Path.of(cfg.string("data.dir")), nodeId, Settings.fromConfig(cfg), CloudTier.fromConfig(cfg), true, registry);
  }

  public String nodeId() {
    return nodeId;
  }

  public CloudTier tier() {
    return tier;
  }

  /** The journal directory of this node. */
  public Path outboxDir() {
    return dataDir.resolve("outbox").resolve(nodeId);
  }

  @Override
  public Future<?> start() {
    uploadPool = vertx.createSharedWorkerExecutor("vms-edge-sync-upload", 1);
    return vertx.executeBlocking(() -> {
      Path d = outboxDir();
      Files.createDirectories(d);
      // one sync per journal: a second node on the same data.dir fails here instead of interleaving appends. In this JVM by a
      // set (closing any channel of a file drops the process's POSIX locks on it), across processes by a file lock.
      if (!JOURNALS_IN_USE.add(d)) throw new IllegalStateException("edge sync journal " + d + " is in use by another node in this process");
      journalHeld = d;
      lockChannel = java.nio.channels.FileChannel.open(d.resolve(".lock"), java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.WRITE);
      try {
        lock = lockChannel.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) throw new IllegalStateException("edge sync journal " + d + " is in use by another node or process");
      for (Lane l : List.of(index, upload, evict)) {
        l.retryCounter = registry == null ? null : Counter.builder("vms.sync.retries")
            .description("edge sync: retries of a record after a failure or timeout").tags(tags.and("lane", l.name)).register(registry);
      }
      index.outbox = RecordingOutbox.open(d.resolve(INDEX), settings.maxEntries(), INDEX, registry, tags);
      upload.outbox = RecordingOutbox.open(d.resolve(UPLOAD), settings.maxEntries(), UPLOAD, registry, tags);
      evict.outbox = RecordingOutbox.open(d.resolve(EVICT), settings.maxEntries(), EVICT, registry, tags);
      return null;
    }, false).compose(v -> {
      registerGauges();
      MessageConsumer<JsonObject> seg = vertx.eventBus().localConsumer(Addresses.RECORDING_SEGMENT, this::onSegment);
      MessageConsumer<JsonObject> gap = vertx.eventBus().localConsumer(Addresses.RECORDING_GAP, this::onGap);
      MessageConsumer<JsonObject> filled = vertx.eventBus().localConsumer(Addresses.RECORDING_GAP_FILLED, this::onGapFilled);
      consumers.add(seg);
      consumers.add(gap);
      consumers.add(filled);
      return Future.all(seg.completion(), gap.completion(), filled.completion());
    }).onSuccess(v -> {
      LOG.info("edge sync {} up: journals {} (index {}, upload {}, evict {} waiting), cloud tier {}, local copies kept {}", nodeId, outboxDir(),
          index.outbox.size(), upload.outbox.size(), evict.outbox.size(), tier == null ? "none" : tier,
          settings.maxAge().isZero() ? "until retention" : settings.maxAge().toHours() + " h after upload");
      index.pump();
      upload.pump();
      evict.pump();
    }).recover(e -> stop().transform(ar -> Future.failedFuture(e)));
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    for (Lane l : List.of(index, upload, evict)) l.cancel();
    List<Future<?>> f = new ArrayList<>();
    for (MessageConsumer<?> c : consumers) f.add(c.unregister());
    consumers.clear();
    return Future.join(f).transform(v -> vertx.executeBlocking(() -> {
      for (Lane l : List.of(index, upload, evict)) if (l.outbox != null) l.outbox.close();
      if (ownTier && tier != null) tier.close();
      if (lock != null) lock.release();
      if (lockChannel != null) lockChannel.close();
      if (journalHeld != null) JOURNALS_IN_USE.remove(journalHeld);
      return null;
    }, false)).transform(v -> uploadPool == null ? Future.succeededFuture() : uploadPool.close());
  }

  public Stats stats() {
    long oldest = -1;
    for (Lane l : List.of(index, upload)) {
      if (l.outbox == null) continue;
      long at = l.outbox.oldestAppendedAtMs();
      if (at >= 0) oldest = Math.max(oldest, System.currentTimeMillis() - at);
    }
    long overflow = 0, torn = 0, journalErrors = 0;
    for (Lane l : List.of(index, upload, evict)) {
      if (l.outbox == null) continue;
      overflow += l.outbox.overflow();
      journalErrors += l.outbox.errors();
      torn += l.outbox.tornLines();
    }
    return new Stats(nodeId, tier == null ? "none" : tier.kind(), size(index), size(upload), size(evict), backlogBytes(), oldest, sent.get(),
        uploaded.get(), uploadedBytes.get(), alreadyUploaded.get(), uploadFailures.get(), retries.get(), evicted.get(), overflow, journalErrors,
        refused.get(), torn, lastError);
  }

  /** Entries of a lane still to do (journalled, minus those done out of order and not yet acknowledged). */
  private static long size(Lane l) {
    return l.outbox == null ? 0 : l.outbox.size() - l.doneCount;
  }

  private long backlogBytes() {
    if (tier == null) return 0;
    long b = 0;
    if (index.outbox != null) b += index.outbox.pendingBytes(); // gaps carry no "bytes"
    if (upload.outbox != null) b += upload.outbox.pendingBytes();
    return b;
  }

  private void registerGauges() {
    if (registry == null) return;
    for (Lane l : List.of(index, upload, evict)) {
      RecordingOutbox o = l.outbox;
      Gauge.builder("vms.sync.backlog", l, EdgeSyncVerticle::size).description("edge sync: journalled records still to send, upload or evict")
          .tags(tags.and("lane", l.name)).register(registry);
      Gauge.builder("vms.sync.oldest.age.seconds", o, x -> {
        long at = x.oldestAppendedAtMs();
        return at < 0 ? 0 : (System.currentTimeMillis() - at) / 1000.0;
      }).description("edge sync: age of the oldest unacknowledged record").tags(tags.and("lane", l.name)).register(registry);
    }
    Gauge.builder("vms.sync.backlog.bytes", this, EdgeSyncVerticle::backlogBytes).description("edge sync: bytes of segments still to upload")
        .tags(tags).register(registry);
  }

  private void count(String name, String description, long n, String... tagKv) {
    if (registry != null) Counter.builder(name).description(description).tags(tags.and(tagKv)).register(registry).increment(n);
  }

  // ---------------------------------------------------------------- intake

  private void onSegment(Message<JsonObject> m) {
    RecordingSegment s;
    try {
      s = RecordingSegment.fromJson(m.body());
      CloudTier.relativeKey(s); // tenantId, cameraId usable as path parts
      if (s.path() == null || !s.path().isAbsolute()) throw new IllegalArgumentException("path must be absolute: " + s.path());
    } catch (RuntimeException e) {
      refuse("segment", m.body(), e);
      return;
    }
    append(index, "segment", s.toJson());
  }

  private void onGap(Message<JsonObject> m) {
    RecordingGap g;
    try {
      g = RecordingGap.fromJson(m.body());
      if (g.tenantId() == null || !CloudTier.ID.matcher(g.tenantId()).matches()) throw new IllegalArgumentException("tenantId: " + g.tenantId());
      if (g.cameraId() == null || g.cameraId().isEmpty()) throw new IllegalArgumentException("cameraId is required");
    } catch (RuntimeException e) {
      refuse("gap", m.body(), e);
      return;
    }
    append(index, "gap", g.toJson());
  }

  /** An SD-card fill result (GapFiller): journalled behind its gap, so the index updates a row it already has. */
  private void onGapFilled(Message<JsonObject> m) {
    JsonObject r;
    try {
      RecordingGap g = RecordingGap.fromJson(m.body());
      if (g.tenantId() == null || !CloudTier.ID.matcher(g.tenantId()).matches()) throw new IllegalArgumentException("tenantId: " + g.tenantId());
      String state = m.body().getString("fillState");
      if (state == null || state.isEmpty()) throw new IllegalArgumentException("fillState is required");
      r = new JsonObject().put("tenantId", g.tenantId()).put("cameraId", g.cameraId()).put("stream", g.stream())
          .put("start", g.start().toString()).put("fillState", state).put("fillNote", m.body().getString("fillNote", ""));
    } catch (RuntimeException e) {
      refuse("gapFilled", m.body(), e);
      return;
    }
    append(index, "gapFilled", r);
  }

  private void refuse(String kind, JsonObject body, RuntimeException e) {
    refused.incrementAndGet();
    count("vms.sync.refused", "edge sync: malformed recording records refused", 1, "kind", kind);
    LOG.error("edge sync {}: malformed {} record refused ({}): {}", nodeId, kind, e.getMessage(), body == null ? null : body.encode());
  }

  /** Journals a record in a lane and wakes it; a full journal is counted and logged by the outbox. */
  private Future<Long> append(Lane lane, String kind, JsonObject record) {
    return fromCf(lane.outbox.append(kind, record)).onSuccess(seq -> lane.wake()).onFailure(e -> {
      if (!(e instanceof RecordingOutbox.OutboxFullException)) {
        lastError = lane.name + " append: " + e;
        LOG.error("edge sync {}: journalling a {} record failed: {}", nodeId, kind, e.toString());
      }
    });
  }

  // ---------------------------------------------------------------- lanes

  private Future<Void> send(String kind, JsonObject record) {
    JsonObject msg = new JsonObject().put("kind", kind).put("nodeId", nodeId).put("record", record);
    return vertx.eventBus().<JsonObject>request(Addresses.RECORDING_INDEX, msg, new DeliveryOptions().setSendTimeout(settings.requestTimeout().toMillis()))
        .compose(reply -> {
          JsonObject b = reply.body();
          if (b == null || !b.getBoolean("ok", false)) {
            return Future.failedFuture("index refused " + kind + " " + record.getString("segmentId", "") + ": " + (b == null ? null : b.encode()));
          }
          sent.incrementAndGet();
          count("vms.sync.sent", "edge sync: records acknowledged by the index", 1, "kind", kind);
          return Future.<Void>succeededFuture();
        });
  }

  private Future<Void> indexEntry(RecordingOutbox.Entry e) {
    return send(e.kind(), e.record()).compose(v -> {
      if (!"segment".equals(e.kind()) || tier == null) return Future.succeededFuture();
      // journal the upload before the index entry is acknowledged (a crash in between uploads twice: idempotent)
      return append(upload, "upload", e.record()).mapEmpty();
    });
  }

  private Future<Void> uploadEntry(RecordingOutbox.Entry e) {
    RecordingSegment s = RecordingSegment.fromJson(e.record());
    String tenant = s.tenantId();
    return uploadPool.<CloudTier.Upload>executeBlocking(() -> tier.upload(s), true).recover(err -> {
      if (err instanceof CloudTier.PermanentUploadException p) {
        uploadFailures.incrementAndGet();
        count("vms.sync.upload.failures", "edge sync: failed uploads to the cloud tier", 1, "tenant", tenant, "reason", p.reason());
        LOG.error("edge sync {}: segment {} of tenant {} cannot be uploaded, skipped: {}", nodeId, s.segmentId(), tenant, p.getMessage());
        lastError = "upload: " + p.getMessage();
        return Future.succeededFuture(null);
      }
      uploadFailures.incrementAndGet();
      count("vms.sync.upload.failures", "edge sync: failed uploads to the cloud tier", 1, "tenant", tenant, "reason", "transient");
      return Future.failedFuture(err);
    }).compose(u -> {
      if (u == null) return Future.succeededFuture(); // skipped for good
      if (u.alreadyThere()) alreadyUploaded.incrementAndGet();
      else {
        uploaded.incrementAndGet();
        uploadedBytes.addAndGet(u.bytes());
        count("vms.sync.uploaded", "edge sync: segments uploaded to the cloud tier", 1, "tenant", tenant);
        count("vms.sync.uploaded.bytes", "edge sync: bytes uploaded to the cloud tier", u.bytes(), "tenant", tenant);
      }
      JsonObject rec = new JsonObject().put("tenantId", tenant).put("segmentId", s.segmentId()).put("tier", "cloud").put("objectKey", u.objectKey());
      return send("uploaded", rec).compose(v -> {
        if (settings.maxAge().isZero() || settings.maxAge().isNegative()) return Future.succeededFuture();
        JsonObject ev = new JsonObject().put("tenantId", tenant).put("segmentId", s.segmentId()).put("path", s.path().toString())
            .put("end", s.end().toString());
        return append(evict, "evict", ev).mapEmpty();
      });
    });
  }

  private Future<Void> evictEntry(RecordingOutbox.Entry e) {
    JsonObject r = e.record();
    Instant due = Instant.parse(r.getString("end")).plus(settings.maxAge());
    long wait = due.toEpochMilli() - System.currentTimeMillis();
    if (wait > 0) return Future.failedFuture(new NotDue(Math.min(wait, EVICT_POLL_MS)));
    Path p = Path.of(r.getString("path")).toAbsolutePath().normalize();
    String tenant = r.getString("tenantId");
    return vertx.<Boolean>executeBlocking(() -> {
      if (!p.startsWith(dataDir)) throw new OutsideDataDir("refusing to evict " + p + ": outside data.dir " + dataDir);
      return Files.deleteIfExists(p);
    }, false).compose(deleted -> {
      if (deleted) {
        evicted.incrementAndGet();
        count("vms.sync.evicted", "edge sync: local copies deleted after upload (storage.edge.maxAgeHours)", 1, "tenant", tenant);
      }
      return send("localEvicted", new JsonObject().put("tenantId", tenant).put("segmentId", r.getString("segmentId")));
    }).recover(err -> err instanceof OutsideDataDir ? skipEvict(r, err) : Future.failedFuture(err));
  }

  private Future<Void> skipEvict(JsonObject r, Throwable err) {
    LOG.error("edge sync {}: {} (segment {})", nodeId, err.getMessage(), r.getString("segmentId"));
    lastError = "evict: " + err.getMessage();
    return Future.succeededFuture();
  }

  private <T> Future<T> fromCf(CompletableFuture<T> cf) {
    Promise<T> p = Promise.promise();
    var ctx = context;
    cf.whenComplete((v, err) -> ctx.runOnContext(x -> {
      if (err != null) p.fail(err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err);
      else p.complete(v);
    }));
    return p.future();
  }
}
