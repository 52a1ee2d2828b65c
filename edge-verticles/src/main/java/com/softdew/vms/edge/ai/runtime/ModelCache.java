package com.softdew.vms.edge.ai.runtime;

import com.softdew.vms.edge.ai.InferenceDevice;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps loaded models (ONNX sessions, networks) resident on one device within a memory budget.
 *
 * <p>{@link #acquire} returns a {@link Lease}; the value stays loaded at least until the lease is
 * closed. When a new value does not fit, the least recently used values that nobody holds are evicted
 * (closed) until it does. A value larger than the whole budget is refused. When everything resident is
 * leased the new value is loaded anyway (the overshoot is bounded by what is in use at once), counted
 * as {@code vms.model.cache.overcommits} and logged.
 *
 * <p>Size of a value: the caller's estimate (model file size x a factor), replaced by the measured
 * drop of free device memory across the load when a {@code freeBytes} probe is given (cuMemGetInfo
 * on a GPU) and the drop is positive.
 *
 * <p>Loads of the same key are done once (other callers wait for it); loads of different keys run
 * in parallel. Thread-safe. Metrics (tags cache, device): {@code vms.model.cache.hits},
 * {@code .misses}, {@code .evictions}, {@code .overcommits}, gauge {@code vms.model.cache.bytes}.
 */
public final class ModelCache<V extends AutoCloseable> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelCache.class);

  /** Loads one value (blocking: call from a worker thread). */
  @FunctionalInterface
  public interface Loader<V> {
    V load() throws Exception;
  }

  /** A hold on a resident value; close it when done with the value. */
  public final class Lease implements AutoCloseable {
    private final Entry<V> entry;
    private boolean released;

    private Lease(Entry<V> entry) {
      this.entry = entry;
    }

    public V value() {
      if (released) throw new IllegalStateException("lease of " + entry.key + " already closed");
      return entry.value;
    }

    public String key() {
      return entry.key;
    }

    @Override
    public void close() {
      if (released) return;
      released = true;
      release(entry);
    }
  }

  private static final class Entry<V> {
    final String key;
    final CompletableFuture<V> loading = new CompletableFuture<>();
    V value;
    long bytes;
    int leases;
    /** Out of the map (evicted, invalidated or cache closed): close the value when the last lease ends. */
    boolean detached;
    boolean valueClosed;

    Entry(String key) {
      this.key = key;
    }
  }

  private final String name;
  private final InferenceDevice device;
  private final long budgetBytes;
  private final LongSupplier freeBytes;
  /** Access order: least recently used first. */
  private final LinkedHashMap<String, Entry<V>> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long residentBytes;
  private final Counter hits, misses, evictions, overcommits;
  private boolean closed;

  /**
   * @param name        cache name for metrics and logs ("onnx")
   * @param budgetBytes most bytes resident at once (&gt; 0)
   * @param freeBytes   free device memory probe, or null to trust the estimates
   * @param registry    meter registry or null
   */
  public ModelCache(String name, InferenceDevice device, long budgetBytes, LongSupplier freeBytes, MeterRegistry registry) {
    if (budgetBytes <= 0) throw new IllegalArgumentException("budgetBytes must be > 0");
    this.name = Objects.requireNonNull(name, "name");
    this.device = Objects.requireNonNull(device, "device");
    this.budgetBytes = budgetBytes;
    this.freeBytes = freeBytes;
    String dev = device.isGpu() ? "cuda:" + device.ordinal() : "cpu";
    if (registry != null) {
      hits = Counter.builder("vms.model.cache.hits").tag("cache", name).tag("device", dev).register(registry);
      misses = Counter.builder("vms.model.cache.misses").tag("cache", name).tag("device", dev).register(registry);
      evictions = Counter.builder("vms.model.cache.evictions").tag("cache", name).tag("device", dev).register(registry);
      overcommits = Counter.builder("vms.model.cache.overcommits").tag("cache", name).tag("device", dev).register(registry);
      Gauge.builder("vms.model.cache.bytes", this, ModelCache::residentBytes).tag("cache", name).tag("device", dev).baseUnit("bytes")
          .register(registry);
    } else {
      io.micrometer.core.instrument.simple.SimpleMeterRegistry local = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
      hits = local.counter("hits");
      misses = local.counter("misses");
      evictions = local.counter("evictions");
      overcommits = local.counter("overcommits");
    }
  }

  /**
   * The resident value of {@code key}, loading it with {@code loader} on a miss (in the calling thread,
   * which must be a worker). {@code estimatedBytes} sizes a new value; IllegalArgumentException when
   * it exceeds the whole budget. A failed load is not cached and is rethrown.
   */
  public Lease acquire(String key, long estimatedBytes, Loader<V> loader) throws Exception {
    Objects.requireNonNull(key, "key");
    Entry<V> e;
    boolean mine = false;
    synchronized (this) {
      if (closed) throw new IllegalStateException("model cache " + name + " is closed");
      e = entries.get(key);
      if (e == null) {
        if (estimatedBytes > budgetBytes) {
          throw new IllegalArgumentException("model " + key + " needs ~" + mib(estimatedBytes) + " MiB, more than the " + name
              + " cache budget of " + mib(budgetBytes) + " MiB on " + device.name());
        }
        e = new Entry<>(key);
        entries.put(key, e);
        mine = true;
        misses.increment();
        makeRoom(estimatedBytes, key);
        e.bytes = Math.max(0, estimatedBytes);
        residentBytes += e.bytes;
      } else {
        hits.increment();
      }
      e.leases++;
    }
    if (mine) {
      V v;
      long before = freeBytes == null ? -1 : freeBytes.getAsLong();
      try {
        v = loader.load();
        Objects.requireNonNull(v, "loader returned null for " + key);
      } catch (Throwable t) {
        synchronized (this) {
          if (entries.get(key) == e) {
            entries.remove(key);
            residentBytes -= e.bytes;
          }
          e.leases--;
        }
        e.loading.completeExceptionally(t);
        throw t instanceof Exception ex ? ex : new RuntimeException(t);
      }
      long after = freeBytes == null ? -1 : freeBytes.getAsLong();
      synchronized (this) {
        e.value = v;
        if (!e.detached && before >= 0 && after >= 0 && before - after > 0 && before - after != e.bytes) {
          residentBytes += (before - after) - e.bytes;
          e.bytes = before - after;
          if (residentBytes > budgetBytes) makeRoom(0, key);
        }
      }
      e.loading.complete(v);
    } else {
      try {
        e.loading.join();
      } catch (CompletionException ce) {
        synchronized (this) {
          e.leases--;
        }
        Throwable c = ce.getCause();
        throw c instanceof Exception ex ? ex : new RuntimeException(c);
      }
    }
    return new Lease(e);
  }

  /** Evicts idle LRU entries (never {@code keep}) until {@code incoming} more bytes fit. Holds the lock. */
  private void makeRoom(long incoming, String keep) {
    List<Entry<V>> toClose = new ArrayList<>();
    for (Iterator<Entry<V>> it = entries.values().iterator(); it.hasNext() && residentBytes + incoming > budgetBytes; ) {
      Entry<V> old = it.next();
      if (old.key.equals(keep) || old.leases > 0 || old.value == null) continue;
      it.remove();
      old.detached = true;
      residentBytes -= old.bytes;
      evictions.increment();
      toClose.add(old);
    }
    for (Entry<V> old : toClose) {
      log.info("model cache {} on {}: evicted {} ({} MiB) to make room", name, device.name(), old.key, mib(old.bytes));
      closeQuietly(old);
    }
    if (residentBytes + incoming > budgetBytes) {
      overcommits.increment();
      log.warn("model cache {} on {}: {} MiB resident + {} MiB for {} exceed the budget of {} MiB; every resident model is in use,"
          + " loading anyway", name, device.name(), mib(residentBytes), mib(incoming), keep, mib(budgetBytes));
    }
  }

  private synchronized void release(Entry<V> e) {
    e.leases--;
    if (e.leases > 0) return;
    if (e.detached) closeQuietly(e);
    else if (residentBytes > budgetBytes) makeRoom(0, "");
  }

  private void closeQuietly(Entry<V> e) {
    if (e.valueClosed) return;
    e.valueClosed = true;
    try {
      if (e.value != null) e.value.close();
    } catch (Exception ex) {
      log.warn("model cache {}: closing {} failed: {}", name, e.key, ex.toString());
    }
  }

  /** Drops a value (e.g. its file changed); closed now if idle, else when its last lease closes. */
  public synchronized void invalidate(String key) {
    Entry<V> e = entries.get(key);
    if (e == null || e.value == null) return;
    entries.remove(key);
    residentBytes -= e.bytes;
    e.detached = true;
    if (e.leases == 0) closeQuietly(e);
  }

  public synchronized long residentBytes() {
    return residentBytes;
  }

  public long budgetBytes() {
    return budgetBytes;
  }

  public InferenceDevice device() {
    return device;
  }

  /** Resident keys, least recently used first. */
  public synchronized List<String> keys() {
    return new ArrayList<>(entries.keySet());
  }

  public synchronized boolean contains(String key) {
    return entries.containsKey(key);
  }

  public double hits() { return hits.count(); }
  public double misses() { return misses.count(); }
  public double evictions() { return evictions.count(); }
  public double overcommits() { return overcommits.count(); }

  /** Closes every idle value now and every leased one when its lease closes. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    for (Entry<V> e : entries.values()) {
      e.detached = true;
      if (e.leases == 0) closeQuietly(e);
    }
    entries.clear();
    residentBytes = 0;
  }

  private static long mib(long b) {
    return Math.round(b / (1024.0 * 1024));
  }

  /** For tests and logs. */
  @Override
  public synchronized String toString() {
    Map<String, Long> m = new LinkedHashMap<>();
    entries.forEach((k, e) -> m.put(k, e.bytes));
    return "ModelCache[" + name + "@" + device.name() + " " + residentBytes + "/" + budgetBytes + " " + m + "]";
  }
}
