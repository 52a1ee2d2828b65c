package com.softdew.vms.edge.ai.sched;

import com.softdew.vms.model.Priority;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Per-device priority batch scheduler: queues per model and priority (CRITICAL > HIGH > MEDIUM > STANDARD),
 *  aging so nothing starves, dynamic batching per model (max batch size, max queue delay, like Triton's
 *  dynamic batcher), bounded queues (offer() returns false when full: the caller pauses its Kafka partitions),
 *  a named thread pool (never an event loop).
 *
 * <h2>Policy</h2>
 * <ul>
 *   <li><b>Effective priority.</b> An item's effective class is its base priority raised one class per
 *   {@code agingMs} it has waited (CRITICAL is the ceiling; {@code agingMs = 0} disables aging).</li>
 *   <li><b>One class per batch.</b> A model's next batch is always taken from its highest effective class
 *   and contains only items of that class (oldest first, up to {@code maxBatch}), so critical work never
 *   rides in, or waits for, a standard batch.</li>
 *   <li><b>Dynamic batching.</b> A model's batch is ready when {@code maxBatch} items of its top class are
 *   queued, or when the oldest of them has waited {@code maxDelayMs}; it then runs with what is there.
 *   Lower classes of the same model wait behind a top class that is still filling (at most
 *   {@code maxDelayMs}); other models' ready batches run meanwhile.</li>
 *   <li><b>Order among models.</b> A free thread takes the ready batch of the highest effective class; among
 *   models ready at that class it goes round robin (one cursor per class).</li>
 *   <li><b>Critical never waits behind a standard batch.</b> A running batch cannot be preempted (an
 *   inference call is not interruptible), so with {@code threads >= 2} thread 0 is <i>reserved</i>: it only
 *   takes batches whose effective class is CRITICAL or HIGH. A critical item therefore starts as soon as
 *   it is ready even while every other thread runs a standard batch; its wait is bounded by
 *   {@code maxDelayMs} plus at most one running CRITICAL/HIGH batch, which small batches keep short. With
 *   one thread there is no reservation, and a critical item may wait for the running batch to end.</li>
 *   <li><b>Bounded queues.</b> Each (model, priority) queue holds at most {@code queueCapacity} items;
 *   {@link #offer} returns false when full, counts {@code vms.ai.queue.rejected{model,priority}} and logs
 *   at most once per 10 s per model. A (model, priority) queue that rejected an offer is marked; when a
 *   batch brings its depth to {@code queueCapacity / 2} or below, the model's {@link #onDrained} callbacks
 *   run (once per batch even if several priorities drained; query {@link #depth(String, Priority)} to see
 *   which). They run on a scheduler thread before the batch: hop to your Vert.x context to resume Kafka.</li>
 *   <li><b>Threads.</b> A fixed pool of daemon threads {@code vms-ai-<name>-N} (N from 0). Handlers may run
 *   concurrently for the same model (on different threads), so a handler must be thread-safe or serialise
 *   per session itself. A handler that throws is counted ({@code vms.ai.batch.failed{model}}), logged
 *   (rate-limited) and the thread carries on.</li>
 *   <li>{@link #offer} never waits for space or a thread: it takes the scheduler's lock for a constant
 *   amount of work, so it may be called from an event loop.</li>
 * </ul>
 *
 * <p>Metrics: gauge {@code vms.ai.queue.depth{model,priority}}, timer {@code vms.ai.queue.wait{model,priority}}
 * (base priority, percentiles 0.5 and 0.99), summaries {@code vms.ai.batch.size{model}} and
 * {@code vms.ai.batch.fill{model}} (size / maxBatch), counters {@code vms.ai.batch.failed{model}},
 * {@code vms.ai.queue.rejected{model,priority}} and {@code vms.ai.queue.dropped{model,priority}} (items
 * dropped by {@link #close}).
 */
public final class BatchScheduler<T> implements AutoCloseable {
  public record Options(int threads, int maxBatch, long maxDelayMs, int queueCapacity, long agingMs) {
    public Options {
      if (threads < 1) throw new IllegalArgumentException("threads must be >= 1: " + threads);
      if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1: " + maxBatch);
      if (maxDelayMs < 0) throw new IllegalArgumentException("maxDelayMs must be >= 0: " + maxDelayMs);
      if (queueCapacity < 1) throw new IllegalArgumentException("queueCapacity must be >= 1: " + queueCapacity);
      if (agingMs < 0) throw new IllegalArgumentException("agingMs must be >= 0: " + agingMs);
    }
  }

  /** Runs one batch (all items of ONE model, highest effective priority first). Called on a scheduler thread. */
  @FunctionalInterface public interface BatchHandler<T> { void run(String model, List<Item<T>> batch) throws Exception; }

  /** enqueuedNanos from the scheduler's ticker; waitedNanos filled when the batch starts. */
  public record Item<T>(T value, Priority priority, long enqueuedNanos, long waitedNanos) {}

  private static final Logger LOG = LoggerFactory.getLogger(BatchScheduler.class);
  private static final Priority[] PRIORITIES = Priority.values(); // ordinal 0 = CRITICAL, most important
  private static final int CLASSES = PRIORITIES.length;
  private static final int RESERVED_MAX_CLASS = Priority.HIGH.ordinal();
  private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long CLOSE_JOIN_MS = 5000;

  private final String name;
  private final Options options;
  private final long maxDelayNanos;
  private final long agingNanos;
  private final MeterRegistry registry;
  private final LongSupplier ticker;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Map<String, ModelQueue<T>> byName = new ConcurrentHashMap<>();
  /** Registration order; guarded by lock. */
  private final List<ModelQueue<T>> models = new ArrayList<>();
  /** Round-robin cursor per effective class; guarded by lock. */
  private final int[] cursor = new int[CLASSES];
  private final Thread[] threads;
  /** Threads waiting for work; guarded by lock. */
  private int idle;
  private volatile boolean closed;

  public BatchScheduler(String name, Options options, MeterRegistry registryOrNull) {
    this(name, options, registryOrNull, System::nanoTime);
  }

  /** For tests: a controllable nanosecond ticker. */
  public BatchScheduler(String name, Options options, MeterRegistry registryOrNull, LongSupplier ticker) {
    this.name = Objects.requireNonNull(name, "name");
    this.options = Objects.requireNonNull(options, "options");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.registry = registryOrNull == null ? new CompositeMeterRegistry() : registryOrNull; // no child: no-op meters
    this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(options.maxDelayMs());
    this.agingNanos = TimeUnit.MILLISECONDS.toNanos(options.agingMs());
    this.threads = new Thread[options.threads()];
    boolean reserve = options.threads() >= 2;
    for (int i = 0; i < threads.length; i++) {
      boolean reserved = reserve && i == 0;
      Thread t = new Thread(() -> loop(reserved), "vms-ai-" + name + "-" + i);
      t.setDaemon(true);
      t.setUncaughtExceptionHandler((th, e) -> LOG.error("scheduler {}: thread {} died", name, th.getName(), e));
      threads[i] = t;
    }
    for (Thread t : threads) t.start();
  }

  public void register(String model, BatchHandler<T> handler) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(handler, "handler");
    lock.lock();
    try {
      if (closed) throw new IllegalStateException("scheduler " + name + " is closed");
      if (byName.containsKey(model)) throw new IllegalStateException("model " + model + " is already registered");
      ModelQueue<T> m = new ModelQueue<>(model, handler, registry, options.maxBatch());
      byName.put(model, m);
      models.add(m);
    } finally {
      lock.unlock();
    }
  }

  /** false when the (model, priority) queue is full — counted and logged (rate-limited). */
  public boolean offer(String model, Priority priority, T value) {
    Objects.requireNonNull(priority, "priority");
    ModelQueue<T> m = queue(model);
    int p = priority.ordinal();
    long suppressed;
    long now;
    lock.lock();
    try {
      if (closed) {
        m.dropped[p].increment();
        return false;
      }
      now = ticker.getAsLong();
      ArrayDeque<Item<T>> q = m.queues[p];
      if (q.size() < options.queueCapacity()) {
        q.addLast(new Item<>(value, priority, now, 0));
        m.depths.incrementAndGet(p);
        if (idle > 0) work.signalAll();
        return true;
      }
      m.rejectedSinceDrain[p] = true;
      if (m.lastRejectLog != Long.MIN_VALUE && now - m.lastRejectLog < LOG_EVERY_NANOS) {
        m.rejectsNotLogged++;
        suppressed = -1;
      } else {
        m.lastRejectLog = now;
        suppressed = m.rejectsNotLogged;
        m.rejectsNotLogged = 0;
      }
    } finally {
      lock.unlock();
    }
    m.rejected[p].increment();
    if (suppressed >= 0) {
      LOG.warn("scheduler {}: queue of model {} priority {} is full ({} items), offer refused ({} more refusals "
          + "of this model not logged since the last message)", name, model, priority, options.queueCapacity(), suppressed);
    }
    return false;
  }

  public int depth(String model) {
    ModelQueue<T> m = byName.get(model);
    if (m == null) return 0;
    int sum = 0;
    for (int p = 0; p < CLASSES; p++) sum += m.depths.get(p);
    return sum;
  }

  public int depth(String model, Priority priority) {
    ModelQueue<T> m = byName.get(model);
    return m == null ? 0 : m.depths.get(priority.ordinal());
  }

  /** Called (on a scheduler thread) whenever a model's total depth falls to half its capacity or below after having been full. */
  public void onDrained(String model, Runnable r) {
    queue(model).drained.add(Objects.requireNonNull(r, "r"));
  }

  /** Stops threads (interrupting running handlers, joining up to 5 s); queued items are dropped and counted. */
  @Override
  public void close() {
    int[][] dropped;
    List<ModelQueue<T>> all;
    lock.lock();
    try {
      if (closed) return;
      closed = true;
      all = List.copyOf(models);
      dropped = new int[all.size()][CLASSES];
      for (int i = 0; i < all.size(); i++) {
        ModelQueue<T> m = all.get(i);
        for (int p = 0; p < CLASSES; p++) {
          dropped[i][p] = m.queues[p].size();
          m.queues[p].clear();
          m.depths.set(p, 0);
        }
      }
      work.signalAll();
    } finally {
      lock.unlock();
    }
    long total = 0;
    for (int i = 0; i < all.size(); i++) {
      for (int p = 0; p < CLASSES; p++) {
        if (dropped[i][p] > 0) all.get(i).dropped[p].increment(dropped[i][p]);
        total += dropped[i][p];
      }
    }
    if (total > 0) LOG.info("scheduler {}: closed, {} queued items dropped", name, total);
    Thread self = Thread.currentThread();
    for (Thread t : threads) if (t != self) t.interrupt();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_JOIN_MS);
    for (Thread t : threads) {
      if (t == self) continue;
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      try {
        if (left > 0) t.join(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (t.isAlive()) LOG.warn("scheduler {}: thread {} still runs a batch after close (handler ignores interrupts)", name, t.getName());
    }
    for (ModelQueue<T> m : all) for (Meter g : m.gauges) registry.remove(g);
  }

  /** For tests: makes idle threads re-read the ticker (after a test advanced it). */
  void wakeUp() {
    lock.lock();
    try {
      work.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------------

  private ModelQueue<T> queue(String model) {
    ModelQueue<T> m = byName.get(Objects.requireNonNull(model, "model"));
    if (m == null) throw new IllegalArgumentException("model " + model + " is not registered with scheduler " + name);
    return m;
  }

  private void loop(boolean reserved) {
    while (true) {
      Dispatch<T> d;
      lock.lock();
      try {
        while (true) {
          if (closed) return;
          long now = ticker.getAsLong();
          Pick<T> pick = pick(now, reserved);
          if (pick.dispatch() != null) {
            d = pick.dispatch();
            break;
          }
          idle++;
          try {
            if (pick.waitNanos() == Long.MAX_VALUE) work.await();
            else work.awaitNanos(pick.waitNanos());
          } catch (InterruptedException e) {
            if (closed) return;
          } finally {
            idle--;
          }
        }
      } finally {
        lock.unlock();
      }
      run(d);
    }
  }

  private int effective(int base, long waited) {
    if (agingNanos == 0 || waited < agingNanos) return base;
    long steps = waited / agingNanos;
    return steps >= base ? 0 : base - (int) steps;
  }

  private record Pick<T>(Dispatch<T> dispatch, long waitNanos) {}

  private record Dispatch<T>(ModelQueue<T> model, int effectiveClass, List<Item<T>> items, boolean drained) {}

  /** Chooses and dequeues the next batch this thread may run, or says how long to wait. Under lock. */
  private Pick<T> pick(long now, boolean reserved) {
    int n = models.size();
    int[] top = new int[n];
    boolean[] ready = new boolean[n];
    long wakeAt = Long.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      ModelQueue<T> m = models.get(i);
      int t = CLASSES;
      for (int b = 0; b < CLASSES; b++) {
        Item<T> h = m.queues[b].peekFirst();
        if (h == null) continue;
        long waited = now - h.enqueuedNanos();
        int e = effective(b, waited);
        t = Math.min(t, e);
        if (agingNanos > 0 && e > 0) wakeAt = min(wakeAt, h.enqueuedNanos(), (long) (b - e + 1) * agingNanos);
      }
      top[i] = t;
      if (t == CLASSES) continue;
      int count = 0;
      long oldest = Long.MAX_VALUE;
      scan:
      for (int b = t; b < CLASSES; b++) {
        for (Item<T> it : m.queues[b]) {
          if (effective(b, now - it.enqueuedNanos()) != t) {
            if (agingNanos > 0) wakeAt = min(wakeAt, it.enqueuedNanos(), (long) (b - t) * agingNanos);
            break;
          }
          count++;
          oldest = Math.min(oldest, it.enqueuedNanos());
          if (count >= options.maxBatch()) break scan;
        }
      }
      ready[i] = count >= options.maxBatch() || now - oldest >= maxDelayNanos;
      if (!ready[i] && (!reserved || t <= RESERVED_MAX_CLASS)) wakeAt = min(wakeAt, oldest, maxDelayNanos);
    }
    int maxClass = reserved ? RESERVED_MAX_CLASS : CLASSES - 1;
    for (int c = 0; c <= maxClass; c++) {
      for (int k = 0; k < n; k++) {
        int i = (cursor[c] + k) % n;
        if (top[i] == c && ready[i]) {
          cursor[c] = (i + 1) % n;
          return new Pick<>(take(models.get(i), c, now), 0);
        }
      }
    }
    long wait = wakeAt == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(1, wakeAt - now);
    return new Pick<>(null, wait);
  }

  private static long min(long current, long base, long plus) {
    long at = base + plus;
    if (plus > 0 && at < base) at = Long.MAX_VALUE; // overflow
    return Math.min(current, at);
  }

  /** Dequeues up to maxBatch items of effective class c, oldest first. Under lock. */
  private Dispatch<T> take(ModelQueue<T> m, int c, long now) {
    List<Item<T>> batch = new ArrayList<>(Math.min(options.maxBatch(), 64));
    while (batch.size() < options.maxBatch()) {
      int best = -1;
      long bestEnq = 0;
      for (int b = c; b < CLASSES; b++) {
        Item<T> h = m.queues[b].peekFirst();
        if (h == null || effective(b, now - h.enqueuedNanos()) != c) continue;
        if (best < 0 || h.enqueuedNanos() < bestEnq) {
          best = b;
          bestEnq = h.enqueuedNanos();
        }
      }
      if (best < 0) break;
      Item<T> it = m.queues[best].pollFirst();
      m.depths.decrementAndGet(best);
      batch.add(new Item<>(it.value(), it.priority(), it.enqueuedNanos(), now - it.enqueuedNanos()));
    }
    boolean drained = false;
    for (int p = 0; p < CLASSES; p++) {
      if (m.rejectedSinceDrain[p] && m.queues[p].size() <= options.queueCapacity() / 2) {
        m.rejectedSinceDrain[p] = false;
        drained = true;
      }
    }
    return new Dispatch<>(m, c, Collections.unmodifiableList(batch), drained);
  }

  private void run(Dispatch<T> d) {
    ModelQueue<T> m = d.model();
    if (d.drained()) {
      for (Runnable r : m.drained) {
        try {
          r.run();
        } catch (RuntimeException e) {
          LOG.warn("scheduler {}: onDrained callback of model {} failed", name, m.model, e);
        }
      }
    }
    for (Item<T> it : d.items()) m.waits[it.priority().ordinal()].record(it.waitedNanos(), TimeUnit.NANOSECONDS);
    m.batchSize.record(d.items().size());
    m.batchFill.record(d.items().size() / (double) options.maxBatch());
    try {
      m.handler.run(m.model, d.items());
    } catch (Throwable e) {
      if (closed && (e instanceof InterruptedException || Thread.currentThread().isInterrupted())) return;
      m.failed.increment();
      long now = ticker.getAsLong();
      long suppressed = -1;
      synchronized (m) {
        if (m.lastFailLog == Long.MIN_VALUE || now - m.lastFailLog >= LOG_EVERY_NANOS) {
          m.lastFailLog = now;
          suppressed = m.failsNotLogged;
          m.failsNotLogged = 0;
        } else {
          m.failsNotLogged++;
        }
      }
      if (suppressed >= 0) {
        LOG.warn("scheduler {}: batch of {} items of model {} ({}) failed ({} more failures not logged since the last message)",
            name, d.items().size(), m.model, PRIORITIES[d.effectiveClass()], suppressed, e);
      }
    } finally {
      if (!closed) Thread.interrupted(); // a handler's stray interrupt must not break the next wait
    }
  }

  /** Queues, meters and callbacks of one model. */
  private static final class ModelQueue<T> {
    final String model;
    final BatchHandler<T> handler;
    @SuppressWarnings("unchecked")
    final ArrayDeque<Item<T>>[] queues = new ArrayDeque[CLASSES];
    /** Mirrors queues[p].size() for lock-free reads (depth(), gauges). */
    final AtomicIntegerArray depths = new AtomicIntegerArray(CLASSES);
    final boolean[] rejectedSinceDrain = new boolean[CLASSES];
    final List<Runnable> drained = new CopyOnWriteArrayList<>();
    final Counter[] rejected = new Counter[CLASSES];
    final Counter[] dropped = new Counter[CLASSES];
    final Timer[] waits = new Timer[CLASSES];
    final List<Meter> gauges = new ArrayList<>();
    final DistributionSummary batchSize;
    final DistributionSummary batchFill;
    final Counter failed;
    long lastRejectLog = Long.MIN_VALUE;
    long rejectsNotLogged;
    long lastFailLog = Long.MIN_VALUE;
    long failsNotLogged;

    ModelQueue(String model, BatchHandler<T> handler, MeterRegistry r, int maxBatch) {
      this.model = model;
      this.handler = handler;
      for (int p = 0; p < CLASSES; p++) {
        queues[p] = new ArrayDeque<>();
        String prio = PRIORITIES[p].name();
        int idx = p;
        rejected[p] = r.counter("vms.ai.queue.rejected", "model", model, "priority", prio);
        dropped[p] = r.counter("vms.ai.queue.dropped", "model", model, "priority", prio);
        waits[p] = Timer.builder("vms.ai.queue.wait").tags("model", model, "priority", prio)
            .publishPercentiles(0.5, 0.99).register(r);
        gauges.add(Gauge.builder("vms.ai.queue.depth", depths, d -> d.get(idx))
            .tags("model", model, "priority", prio).register(r));
      }
      batchSize = DistributionSummary.builder("vms.ai.batch.size").tags("model", model)
          .maximumExpectedValue((double) maxBatch).register(r);
      batchFill = DistributionSummary.builder("vms.ai.batch.fill").tags("model", model).register(r);
      failed = r.counter("vms.ai.batch.failed", "model", model);
    }
  }
}
