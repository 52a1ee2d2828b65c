package com.softdew.vms.edge.ai.sched;

import com.softdew.vms.model.Priority;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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
 *  <p>This implementation (AI worker issue) is the simple one: strict priority order, no aging, at most one batch
 *  of a model running at a time (so a model's sessions see batches in order); different models run in parallel on
 *  the {@code threads} threads. It is to be replaced by the scheduler issue's implementation with the same API. */
public final class BatchScheduler<T> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchScheduler.class);

  public record Options(int threads, int maxBatch, long maxDelayMs, int queueCapacity, long agingMs) {
    public Options {
      if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
      if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1");
      if (maxDelayMs < 0) throw new IllegalArgumentException("maxDelayMs must be >= 0");
      if (queueCapacity < 1) throw new IllegalArgumentException("queueCapacity must be >= 1");
      if (agingMs < 0) throw new IllegalArgumentException("agingMs must be >= 0");
    }
  }

  /** Runs one batch (all items of ONE model, highest effective priority first). Called on a scheduler thread. */
  @FunctionalInterface public interface BatchHandler<T> { void run(String model, java.util.List<Item<T>> batch) throws Exception; }

  /** enqueuedNanos from the scheduler's ticker; waitedNanos filled when the batch starts. */
  public record Item<T>(T value, com.softdew.vms.model.Priority priority, long enqueuedNanos, long waitedNanos) {}

  private final class ModelQueue {
    final String model;
    final BatchHandler<T> handler;
    final EnumMap<Priority, ArrayDeque<Item<T>>> queues = new EnumMap<>(Priority.class);
    final List<Runnable> drained = new CopyOnWriteArrayList<>();
    final Counter rejected;
    final Counter dropped;
    final Counter batches;
    final Timer wait;
    boolean running;
    boolean wasFull;
    long lastRejectLog;

    ModelQueue(String model, BatchHandler<T> handler) {
      this.model = model;
      this.handler = handler;
      for (Priority p : Priority.values()) queues.put(p, new ArrayDeque<>());
      rejected = registry.counter("vms.ai.sched.rejected", "scheduler", name, "model", model);
      dropped = registry.counter("vms.ai.sched.dropped", "scheduler", name, "model", model);
      batches = registry.counter("vms.ai.sched.batches", "scheduler", name, "model", model);
      wait = Timer.builder("vms.ai.sched.wait").tags("scheduler", name, "model", model).publishPercentiles(0.5, 0.99).register(registry);
      Gauge.builder("vms.ai.sched.depth", this, q -> q.total()).tags("scheduler", name, "model", model).register(registry);
    }

    int total() {
      lock.lock();
      try {
        int n = 0;
        for (ArrayDeque<Item<T>> q : queues.values()) n += q.size();
        return n;
      } finally {
        lock.unlock();
      }
    }

    long oldest() {
      long o = Long.MAX_VALUE;
      for (ArrayDeque<Item<T>> q : queues.values()) if (!q.isEmpty()) o = Math.min(o, q.peekFirst().enqueuedNanos());
      return o;
    }
  }

  private final String name;
  private final Options options;
  private final MeterRegistry registry;
  private final LongSupplier ticker;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<String, ModelQueue> models = new LinkedHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private final Counter failures;
  private volatile boolean closed;

  public BatchScheduler(String name, Options options, io.micrometer.core.instrument.MeterRegistry registryOrNull) {
    this(name, options, registryOrNull, System::nanoTime);
  }

  /** For tests: a controllable nanosecond ticker. */
  public BatchScheduler(String name, Options options, io.micrometer.core.instrument.MeterRegistry registryOrNull,
      java.util.function.LongSupplier ticker) {
    this.name = name;
    this.options = options;
    this.registry = registryOrNull == null ? new SimpleMeterRegistry() : registryOrNull;
    this.ticker = ticker;
    this.failures = registry.counter("vms.ai.sched.failures", "scheduler", name);
    for (int i = 0; i < options.threads(); i++) {
      Thread t = new Thread(this::loop, name + "-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  public void register(String model, BatchHandler<T> handler) {
    lock.lock();
    try {
      if (models.containsKey(model)) throw new IllegalStateException("model " + model + " already registered with scheduler " + name);
      models.put(model, new ModelQueue(model, handler));
    } finally {
      lock.unlock();
    }
  }

  /** false when the (model, priority) queue is full — counted and logged (rate-limited). */
  public boolean offer(String model, com.softdew.vms.model.Priority priority, T value) {
    lock.lock();
    try {
      ModelQueue mq = models.get(model);
      if (mq == null) throw new IllegalArgumentException("model " + model + " is not registered with scheduler " + name);
      if (closed) {
        mq.dropped.increment();
        return false;
      }
      ArrayDeque<Item<T>> q = mq.queues.get(priority);
      if (q.size() >= options.queueCapacity()) {
        mq.rejected.increment();
        mq.wasFull = true;
        long now = System.nanoTime();
        if (now - mq.lastRejectLog > 10_000_000_000L) {
          mq.lastRejectLog = now;
          LOG.warn("scheduler {}: queue of {} {} full ({}), refusing work (total refused {})", name, model, priority,
              options.queueCapacity(), (long) mq.rejected.count());
        }
        return false;
      }
      q.addLast(new Item<>(value, priority, ticker.getAsLong(), 0));
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  public int depth(String model) {
    ModelQueue mq;
    lock.lock();
    try {
      mq = models.get(model);
      return mq == null ? 0 : mq.total();
    } finally {
      lock.unlock();
    }
  }

  public int depth(String model, com.softdew.vms.model.Priority priority) {
    lock.lock();
    try {
      ModelQueue mq = models.get(model);
      return mq == null ? 0 : mq.queues.get(priority).size();
    } finally {
      lock.unlock();
    }
  }

  /** Called (on a scheduler thread) whenever a model's total depth falls to half its capacity or below after having been full. */
  public void onDrained(String model, Runnable r) {
    lock.lock();
    try {
      ModelQueue mq = models.get(model);
      if (mq == null) throw new IllegalArgumentException("model " + model + " is not registered with scheduler " + name);
      mq.drained.add(r);
    } finally {
      lock.unlock();
    }
  }

  private void loop() {
    while (true) {
      ModelQueue picked = null;
      List<Item<T>> batch = new ArrayList<>();
      boolean fireDrained = false;
      lock.lock();
      try {
        while (picked == null) {
          if (closed) return;
          long now = ticker.getAsLong();
          long delayNs = TimeUnit.MILLISECONDS.toNanos(options.maxDelayMs());
          long sleepNs = Long.MAX_VALUE;
          ModelQueue best = null;
          Priority bestPriority = null;
          for (ModelQueue mq : models.values()) {
            if (mq.running) continue;
            int n = mq.total();
            if (n == 0) continue;
            long due = mq.oldest() + delayNs;
            if (n >= options.maxBatch() || now >= due) {
              Priority top = topPriority(mq);
              if (best == null || top.compareTo(bestPriority) < 0) {
                best = mq;
                bestPriority = top;
              }
            } else {
              sleepNs = Math.min(sleepNs, due - now);
            }
          }
          if (best != null) {
            picked = best;
            break;
          }
          try {
            if (sleepNs == Long.MAX_VALUE) changed.await(1, TimeUnit.SECONDS);
            else changed.awaitNanos(Math.max(100_000, Math.min(sleepNs, 1_000_000_000L)));
          } catch (InterruptedException e) {
            if (closed) return;
          }
        }
        long now = ticker.getAsLong();
        for (Priority p : Priority.values()) {
          ArrayDeque<Item<T>> q = picked.queues.get(p);
          while (!q.isEmpty() && batch.size() < options.maxBatch()) {
            Item<T> it = q.pollFirst();
            long waited = Math.max(0, now - it.enqueuedNanos());
            picked.wait.record(waited, TimeUnit.NANOSECONDS);
            batch.add(new Item<>(it.value(), it.priority(), it.enqueuedNanos(), waited));
          }
        }
        picked.running = true;
        if (picked.wasFull && picked.total() <= options.queueCapacity() / 2) {
          picked.wasFull = false;
          fireDrained = true;
        }
      } finally {
        lock.unlock();
      }
      if (fireDrained) {
        for (Runnable r : picked.drained) {
          try {
            r.run();
          } catch (RuntimeException e) {
            LOG.error("scheduler {}: drained callback of {} failed", name, picked.model, e);
          }
        }
      }
      try {
        picked.batches.increment();
        picked.handler.run(picked.model, batch);
      } catch (Throwable e) {
        failures.increment();
        LOG.error("scheduler {}: batch of {} ({} items) failed", name, picked.model, batch.size(), e);
      } finally {
        lock.lock();
        try {
          picked.running = false;
          changed.signalAll();
        } finally {
          lock.unlock();
        }
      }
    }
  }

  private Priority topPriority(ModelQueue mq) {
    for (Priority p : Priority.values()) if (!mq.queues.get(p).isEmpty()) return p;
    return Priority.STANDARD;
  }

  @Override public void close() {
    lock.lock();
    try {
      if (closed) return;
      closed = true;
      for (ModelQueue mq : models.values()) {
        int n = 0;
        for (ArrayDeque<Item<T>> q : mq.queues.values()) {
          n += q.size();
          q.clear();
        }
        if (n > 0) {
          mq.dropped.increment(n);
          LOG.info("scheduler {}: {} queued items of {} dropped at close", name, n, mq.model);
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    for (Thread t : threads) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
