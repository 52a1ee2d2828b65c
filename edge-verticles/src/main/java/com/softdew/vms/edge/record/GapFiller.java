package com.softdew.vms.edge.record;

import com.softdew.vms.edge.onvif.OnvifClient;
import com.softdew.vms.edge.onvif.RecordingInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills recording gaps from the camera's own recordings (its SD card) through ONVIF Profile G, once the camera is
 * back: {@link OnvifClient#connect()}, {@link OnvifClient#findRecordings} over the gap, then for each recording that
 * overlaps it {@link OnvifClient#getReplayUri} and an RTSP replay of the overlapping part, remuxed into fMP4 segments
 * with source {@code "sdcard"} ({@link GapFillerReplay}). Each segment goes to the listener and is published on
 * {@link com.softdew.vms.codec.Addresses#RECORDING_SEGMENT} like a live one; what the card does not have stays a gap:
 * the {@link GapFillerResult} lists it, it is logged, and the result is published on {@link #FILLED_ADDRESS}.
 *
 * <ul>
 *   <li>Threads: {@code workers} platform threads {@code gapfill-N}; nothing runs on an event loop (ONVIF futures are
 *       awaited on these threads, FFmpeg, file I/O and hashing too).
 *   <li>Bounds: at most {@code maxPending} gaps wait (a gap beyond that is refused: counted
 *       {@code vms.recording.gapfill.overflow}, logged, result "open"); one fill per camera at a time; a fill has a
 *       deadline of {@code timeoutBase + timeoutFactor × gap length} (replay runs at real speed); a camera that cannot
 *       be reached is tried {@code maxAttempts} times with exponential backoff and jitter, the gap waiting in the queue
 *       (not holding a worker) meanwhile.
 *   <li>Clocks: recording times are the camera's. The camera clock offset measured by {@link OnvifClient#connect()}
 *       (whole seconds, so ±0.5 s) is applied only when it exceeds {@code clockOffsetThreshold}.
 * </ul>
 */
public final class GapFiller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GapFiller.class);
  /**
   * Publish: the outcome of one fill ({@link GapFillerResult#toJson()}). Not (yet) in {@code Addresses}: the index can
   * turn it into its {@code gapFilled} journal record.
   */
  public static final String FILLED_ADDRESS = com.softdew.vms.codec.Addresses.RECORDING_GAP_FILLED;
  /** A remaining span shorter than this (less than a frame, clock rounding) is not reported. */
  static final Duration NEGLIGIBLE = Duration.ofMillis(100);

  /** Where and how to reach a camera's ONVIF device service. */
  public record CameraAccess(String onvifUrl, String user, String password) {
    public CameraAccess {
      Objects.requireNonNull(onvifUrl, "onvifUrl");
    }

    @Override
    public String toString() {
      return "CameraAccess[" + onvifUrl + ", user " + user + "]";
    }
  }

  /** (tenant, camera) → its ONVIF access; called on a filler thread (may block); null = unknown camera. */
  @FunctionalInterface
  public interface CameraLookup {
    CameraAccess find(String tenantId, String cameraId) throws Exception;
  }

  /** Settings (fluent). */
  public static final class Options {
    Path dataDir = Path.of("data");
    Duration segmentLength = Duration.ofSeconds(10);
    int workers = 2;
    int maxPending = 64;
    int maxAttempts = 4;
    Duration backoffInitial = Duration.ofSeconds(1);
    Duration backoffMax = Duration.ofSeconds(30);
    Duration timeoutBase = Duration.ofSeconds(60);
    double timeoutFactor = 2.0;
    Duration readTimeout = Duration.ofSeconds(5);
    Duration onvifTimeout = Duration.ofSeconds(10);
    Duration clockOffsetThreshold = Duration.ofSeconds(2);
    Set<String> streams = Set.of("main");
    Duration settle = Duration.ofSeconds(15);

    /** Segments go under {@code dataDir/recordings/<tenant>/<camera>/<stream>/<day>/<startMs>.sdcard.mp4}. */
    public Options dataDir(Path v) { dataDir = v; return this; }
    public Options segmentLength(Duration v) { segmentLength = v; return this; }
    /** Fills running at once (different cameras). */
    public Options workers(int v) { workers = Math.max(1, v); return this; }
    /** Gaps waiting (queued or in backoff) at most. */
    public Options maxPending(int v) { maxPending = Math.max(1, v); return this; }
    /** Times a camera is contacted for one gap (1 = no retry). */
    public Options maxAttempts(int v) { maxAttempts = Math.max(1, v); return this; }
    public Options backoff(Duration initial, Duration max) { backoffInitial = initial; backoffMax = max; return this; }
    /** Deadline of a fill: base + factor × gap length (the replay runs at real time). */
    public Options timeout(Duration base, double factor) { timeoutBase = base; timeoutFactor = factor; return this; }
    /** RTSP socket timeout of the replay. */
    public Options readTimeout(Duration v) { readTimeout = v; return this; }
    /** Per ONVIF request. */
    public Options onvifTimeout(Duration v) { onvifTimeout = v; return this; }
    public Options clockOffsetThreshold(Duration v) { clockOffsetThreshold = v; return this; }
    /** Streams whose gaps are filled; default main only (cameras record their main stream on the card). */
    public Options streams(Set<String> v) { streams = Set.copyOf(v); return this; }
    /**
     * A fill starts no earlier than this after the gap's end: cameras write their card in chunks, so the last seconds
     * before "now" may not be searchable yet (and what the card lacks is not retried).
     */
    public Options settle(Duration v) { settle = v.isNegative() ? Duration.ZERO : v; return this; }
  }

  /** Counters for tests and health pages. */
  /**
   * @param encodersOpened replays whose recorder opened an encoder (must stay 0: remux only)
   * @param decodedFrames  frames the replay grabbers' decoders produced (must stay 0: packets are never decoded)
   */
  public record Stats(long submitted, long overflow, long retries, long segments, long bytes, long filled, long partial,
      long unfillable, long open, int pending, int running, long encodersOpened, long decodedFrames) {}

  private final Vertx vertx;
  private final MeterRegistry registry;
  private final Options o;
  private final CameraLookup lookup;
  private final GapFillerListener listener;
  private final WebClient web;
  private final List<Thread> threads = new ArrayList<>();
  private final ArrayDeque<Job> pending = new ArrayDeque<>();
  private final Set<String> busy = new HashSet<>();
  private volatile boolean running;
  private final AtomicLong submitted = new AtomicLong(), overflow = new AtomicLong(), retries = new AtomicLong(),
      segments = new AtomicLong(), bytes = new AtomicLong(), filled = new AtomicLong(), partial = new AtomicLong(),
      unfillable = new AtomicLong(), open = new AtomicLong(), encodersOpened = new AtomicLong(), decodedFrames = new AtomicLong();

  /** One gap being filled; its progress survives retries. */
  private static final class Job {
    final RecordingGap gap;
    final CameraAccess access;
    final CompletableFuture<GapFillerResult> result = new CompletableFuture<>();
    final List<RecordingSegment> written = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    int attempts;
    long notBefore; // System.nanoTime()
    long deadline;  // System.nanoTime(); 0 until first started
    Instant started;
    long backoffMs;

    Job(RecordingGap gap, CameraAccess access) {
      this.gap = gap;
      this.access = access;
    }

    String key() {
      return gap.tenantId() + "/" + gap.cameraId();
    }
  }

  /**
   * @param vertx    for the ONVIF client and (optional publishing) the event bus
   * @param lookup   used for gaps submitted without access; may be null when every submit gives one
   * @param listener optional
   */
  public GapFiller(Vertx vertx, MeterRegistry registry, Options options, CameraLookup lookup, GapFillerListener listener) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.o = Objects.requireNonNull(options, "options");
    this.lookup = lookup;
    this.listener = listener;
    this.web = WebClient.create(vertx, new WebClientOptions().setConnectTimeout((int) o.onvifTimeout.toMillis()));
    Gauge.builder("vms.recording.gapfill.pending", this, f -> f.stats().pending()).description("gaps waiting to be filled")
        .register(registry);
  }

  public GapFiller start() {
    running = true;
    for (int i = 0; i < o.workers; i++) {
      Thread t = new Thread(this::work, "gapfill-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return this;
  }

  public Stats stats() {
    int p, r;
    synchronized (pending) {
      p = pending.size();
      r = busy.size();
    }
    return new Stats(submitted.get(), overflow.get(), retries.get(), segments.get(), bytes.get(), filled.get(), partial.get(),
        unfillable.get(), open.get(), p, r, encodersOpened.get(), decodedFrames.get());
  }

  /** Queues a gap; the camera is found with the lookup. Never blocks (safe on an event loop). */
  public CompletableFuture<GapFillerResult> submit(RecordingGap gap) {
    return submit(gap, null);
  }

  /**
   * Queues a gap of a camera reachable at {@code access} (null: ask the lookup). Never blocks (safe on an event
   * loop). The future completes with the result once the fill ends, also when it fails (state "open"); it fails only
   * for a bad gap.
   */
  public CompletableFuture<GapFillerResult> submit(RecordingGap gap, CameraAccess access) {
    Objects.requireNonNull(gap, "gap");
    if (gap.tenantId() == null || gap.cameraId() == null || gap.start() == null || gap.end() == null) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("gap: tenantId, cameraId, start and end are required"));
    }
    if (!gap.end().isAfter(gap.start())) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("gap.end must be after gap.start: " + gap));
    }
    Job j = new Job(gap, access);
    Duration settleLeft = Duration.between(Instant.now(), gap.end().plus(o.settle));
    j.notBefore = System.nanoTime() + (settleLeft.isNegative() ? 0 : Math.min(settleLeft.toNanos(), Duration.ofDays(1).toNanos()));
    submitted.incrementAndGet();
    if (!o.streams.contains(gap.stream())) {
      finish(j, "unfillable", "stream " + gap.stream() + " is not filled from the camera's recordings (only " + o.streams + ")");
      return j.result;
    }
    boolean refused;
    synchronized (pending) {
      refused = !running || pending.size() >= o.maxPending;
      if (!refused) {
        pending.addLast(j);
        pending.notifyAll();
      }
    }
    if (refused) {
      if (running) {
        overflow.incrementAndGet();
        Counter.builder("vms.recording.gapfill.overflow").description("gaps refused: the fill queue was full")
            .tags("tenant", gap.tenantId(), "camera", gap.cameraId()).register(registry).increment();
        log.warn("camera {}: gap fill queue full ({} pending), gap {} → {} not filled", j.key(), o.maxPending, gap.start(), gap.end());
      }
      finish(j, "open", running ? "fill queue full (" + o.maxPending + " pending)" : "gap filler stopped");
    }
    return j.result;
  }

  /** Stops the workers (a running replay stops at its next packet, its segment closed); waiting gaps end "open". */
  @Override
  public void close() {
    running = false;
    List<Job> left;
    synchronized (pending) {
      left = new ArrayList<>(pending);
      pending.clear();
      pending.notifyAll();
    }
    for (Job j : left) finish(j, "open", "gap filler stopped");
    for (Thread t : threads) {
      try {
        t.join(o.readTimeout.toMillis() + 5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (t.isAlive()) log.warn("gap filler thread {} still busy after close", t.getName());
    }
    web.close();
  }

  // ------------------------------------------------------------------------------------ scheduling

  /** Next job whose camera is idle and whose backoff is over; blocks; null once stopped. */
  private Job take() throws InterruptedException {
    synchronized (pending) {
      while (running) {
        long now = System.nanoTime();
        long wait = Long.MAX_VALUE;
        for (Iterator<Job> it = pending.iterator(); it.hasNext(); ) {
          Job j = it.next();
          if (busy.contains(j.key())) continue;
          long left = j.notBefore - now;
          if (left <= 0) {
            it.remove();
            busy.add(j.key());
            return j;
          }
          wait = Math.min(wait, left);
        }
        long ms = wait == Long.MAX_VALUE ? 1000 : Math.max(1, wait / 1_000_000 + 1);
        pending.wait(ms);
      }
      return null;
    }
  }

  private void work() {
    while (running) {
      Job j;
      try {
        j = take();
      } catch (InterruptedException e) {
        return;
      }
      if (j == null) return;
      boolean again = false;
      try {
        again = attempt(j);
      } catch (Throwable e) {
        log.error("camera {}: gap fill failed: {}", j.key(), e.toString(), e);
        j.notes.add(e.toString());
        finishFromProgress(j, "open");
      } finally {
        synchronized (pending) {
          busy.remove(j.key());
          if (again) {
            if (running) pending.addLast(j); // re-queued job keeps its place in the bound it was admitted under
            else finish(j, "open", "gap filler stopped");
          }
          pending.notifyAll();
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------ one attempt

  /** @return true to try again later (the job was given a backoff) */
  private boolean attempt(Job j) {
    RecordingGap gap = j.gap;
    if (j.deadline == 0) {
      j.started = Instant.now();
      long gapMs = Duration.between(gap.start(), gap.end()).toMillis();
      j.deadline = System.nanoTime() + o.timeoutBase.toNanos() + Math.round(gapMs * o.timeoutFactor) * 1_000_000L;
      j.backoffMs = o.backoffInitial.toMillis();
    }
    j.attempts++;
    List<GapFillerResult.Span> todo = remaining(gap, j.written);
    if (todo.isEmpty()) {
      finishFromProgress(j, null);
      return false;
    }
    CameraAccess access = j.access;
    String error = null;
    boolean cardLacks = false;
    try {
      if (access == null) {
        if (lookup == null) {
          j.notes.add("no ONVIF access given and no camera lookup");
          finishFromProgress(j, "unfillable");
          return false;
        }
        access = lookup.find(gap.tenantId(), gap.cameraId());
        if (access == null) {
          j.notes.add("camera unknown to the lookup");
          finishFromProgress(j, "unfillable");
          return false;
        }
      }
      long c0 = System.nanoTime();
      OnvifClient client = await(new OnvifClient(web, access.onvifUrl(), access.user(), access.password(), o.onvifTimeout).connect(), j);
      long connectMs = (System.nanoTime() - c0) / 1_000_000;
      Duration offset = client.clockOffset();
      if (offset.abs().compareTo(o.clockOffsetThreshold) < 0) offset = Duration.ZERO;
      else log.info("camera {}: camera clock is {} ms off ours; recording times are shifted by it", j.key(), offset.toMillis());
      for (GapFillerResult.Span span : todo) {
        Instant from = span.start().plus(offset), to = span.end().plus(offset);
        long s0 = System.nanoTime();
        List<RecordingInfo> recs = await(client.findRecordings(from, to), j);
        log.info("camera {}: card recordings over {} → {}: {} (ONVIF connect {} ms, search {} ms)", j.key(), from, to,
            recs.stream().map(RecordingInfo::token).toList(), connectMs, (System.nanoTime() - s0) / 1_000_000);
        Instant covered = from;
        for (RecordingInfo r : recs) {
          Instant a = max(from, r.earliest()), b = min(to, r.latest());
          if (!b.isAfter(a)) continue;
          if (a.isAfter(covered)) cardLacks = true;
          long u0 = System.nanoTime();
          String uri = await(client.getReplayUri(r.token()), j);
          log.debug("camera {}: replay URI of {} in {} ms: {}", j.key(), r.token(), (System.nanoTime() - u0) / 1_000_000, uri);
          GapFillerReplay replay = new GapFillerReplay(gap.tenantId(), gap.cameraId(), gap.stream(), cameraDir(gap), o.segmentLength,
              o.readTimeout, s -> segmentWritten(j, s), () -> running && System.nanoTime() < j.deadline);
          long t0 = System.nanoTime();
          GapFillerReplay.Outcome out = replay.play(uri, access.user(), access.password(), r.earliest(), a, b, offset);
          log.info("camera {}: replayed {} {} → {} in {} ms: {} segment(s), {}", j.key(), r.token(), a, b,
              (System.nanoTime() - t0) / 1_000_000, out.segments().size(), out.why());
          if (out.encoderOpened()) {
            encodersOpened.incrementAndGet();
            j.notes.add("an encoder was opened (not a remux)");
          }
          decodedFrames.addAndGet(out.decodedFrames());
          if (!out.complete()) {
            error = r.token() + ": " + out.why();
            break;
          }
          covered = max(covered, b);
        }
        if (error != null) break;
        if (to.isAfter(covered)) cardLacks = true;
      }
    } catch (Throwable e) {
      error = e instanceof ExecutionException && e.getCause() != null ? e.getCause().toString() : e.toString();
    }
    if (error != null) {
      boolean timeLeft = running && System.nanoTime() + j.backoffMs * 1_000_000L < j.deadline;
      if (j.attempts < o.maxAttempts && timeLeft) {
        long delay = Math.round(j.backoffMs * (1 + 0.2 * (2 * ThreadLocalRandom.current().nextDouble() - 1)));
        log.warn("camera {}: gap fill attempt {}/{} failed ({}), retrying in {} ms", j.key(), j.attempts, o.maxAttempts, error, delay);
        retries.incrementAndGet();
        Counter.builder("vms.recording.gapfill.retries").tags("tenant", gap.tenantId(), "camera", gap.cameraId()).register(registry)
            .increment();
        j.notBefore = System.nanoTime() + delay * 1_000_000L;
        j.backoffMs = Math.min(j.backoffMs * 2, o.backoffMax.toMillis());
        j.notes.clear();
        j.notes.add("attempt " + j.attempts + ": " + error);
        return true;
      }
      j.notes.clear();
      j.notes.add("gave up after " + j.attempts + " attempt(s): " + error);
      finishFromProgress(j, "open");
      return false;
    }
    if (cardLacks) j.notes.add("the camera has no recording of part of the gap");
    finishFromProgress(j, null);
    return false;
  }

  private <T> T await(Future<T> f, Job j) throws Exception {
    long left = Math.max(1, (j.deadline - System.nanoTime()) / 1_000_000);
    long limit = o.onvifTimeout.toMillis() + 5000;
    try {
      return f.toCompletionStage().toCompletableFuture().get(Math.min(left, limit), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new TimeoutException(left < limit ? "fill deadline reached during an ONVIF request" : "ONVIF request timed out");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    }
  }

  private void segmentWritten(Job j, RecordingSegment s) {
    j.written.add(s);
    segments.incrementAndGet();
    bytes.addAndGet(s.bytes());
    Counter.builder("vms.recording.gapfill.segments").description("segments filled from camera SD cards")
        .tags("tenant", s.tenantId(), "camera", s.cameraId()).register(registry).increment();
    Counter.builder("vms.recording.gapfill.bytes").tags("tenant", s.tenantId(), "camera", s.cameraId()).register(registry)
        .increment(s.bytes());
    log.info("camera {}: filled {} → {} from the SD card: {}", j.key(), s.start(), s.end(), s.path());
    if (listener != null) {
      try {
        listener.segment(s);
      } catch (Throwable e) {
        log.warn("camera {}: gap filler listener failed: {}", j.key(), e.toString());
      }
    }
    vertx.eventBus().publish(com.softdew.vms.codec.Addresses.RECORDING_SEGMENT, s.toJson());
  }

  /**
   * Ends a job with what it wrote. {@code state} null: decided by the footage ("filled" when nothing remains,
   * "partial" when something was written, else "unfillable").
   */
  private void finishFromProgress(Job j, String state) {
    List<GapFillerResult.Span> rem = remaining(j.gap, j.written);
    String s = state;
    if (rem.isEmpty()) s = "filled";
    else if (s == null) s = j.written.isEmpty() ? "unfillable" : "partial";
    else if (s.equals("open") && !j.written.isEmpty()) s = "partial";
    finish(j, s, String.join("; ", j.notes), rem);
  }

  private void finish(Job j, String state, String note) {
    finish(j, state, note, List.of(new GapFillerResult.Span(j.gap.start(), j.gap.end())));
  }

  private void finish(Job j, String state, String note, List<GapFillerResult.Span> rem) {
    List<RecordingSegment> segs = new ArrayList<>(j.written);
    segs.sort(Comparator.comparing(RecordingSegment::start));
    GapFillerResult r = new GapFillerResult(j.gap, state, note, segs, rem, j.attempts, j.started == null ? Instant.now() : j.started,
        Instant.now());
    switch (state) {
      case "filled" -> filled.incrementAndGet();
      case "partial" -> partial.incrementAndGet();
      case "unfillable" -> unfillable.incrementAndGet();
      default -> open.incrementAndGet();
    }
    Counter.builder("vms.recording.gapfill.results").tags("tenant", j.gap.tenantId(), "camera", j.gap.cameraId(), "state", state)
        .register(registry).increment();
    if (rem.isEmpty()) {
      log.info("camera {}: gap {} → {} filled from the SD card with {} segment(s)", j.key(), j.gap.start(), j.gap.end(), segs.size());
    } else {
      log.warn("camera {}: gap {} → {} {}: {} segment(s) from the SD card, still missing {} ({})", j.key(), j.gap.start(), j.gap.end(),
          state, segs.size(), rem, note);
    }
    if (listener != null) {
      try {
        listener.done(r);
      } catch (Throwable e) {
        log.warn("camera {}: gap filler listener failed: {}", j.key(), e.toString());
      }
    }
    vertx.eventBus().publish(FILLED_ADDRESS, r.toJson());
    j.result.complete(r);
  }

  private Path cameraDir(RecordingGap gap) {
    return o.dataDir.toAbsolutePath().normalize().resolve("recordings").resolve(safeId(gap.tenantId())).resolve(safeId(gap.cameraId()))
        .resolve(safeId(gap.stream())); // the recorder's layout: recordings/<tenant>/<camera>/<stream>/<day>
  }

  private static String safeId(String id) {
    if (id.isEmpty() || id.equals(".") || id.equals("..") || !id.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("id not usable as a directory name: " + id);
    }
    return id;
  }

  // ------------------------------------------------------------------------------------ spans

  /** The parts of the gap no segment covers, shorter-than-{@link #NEGLIGIBLE} slivers left out. */
  static List<GapFillerResult.Span> remaining(RecordingGap gap, List<RecordingSegment> segs) {
    List<RecordingSegment> sorted = new ArrayList<>(segs);
    sorted.sort(Comparator.comparing(RecordingSegment::start));
    List<GapFillerResult.Span> out = new ArrayList<>();
    Instant cursor = gap.start();
    for (RecordingSegment s : sorted) {
      if (!s.end().isAfter(cursor)) continue;
      if (!s.start().isBefore(gap.end())) break;
      if (s.start().isAfter(cursor)) add(out, cursor, s.start());
      cursor = max(cursor, s.end());
      if (!cursor.isBefore(gap.end())) break;
    }
    if (cursor.isBefore(gap.end())) add(out, cursor, gap.end());
    return Collections.unmodifiableList(out);
  }

  private static void add(List<GapFillerResult.Span> out, Instant a, Instant b) {
    if (Duration.between(a, b).compareTo(NEGLIGIBLE) >= 0) out.add(new GapFillerResult.Span(a, b));
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
