package com.softdew.vms.edge.ai.worker;

import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.model.VideoJob;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host-wide cache of decoded segments so that every model of a host shares one decode. Keyed by the
 * segment (tenant, camera, sequence, start): the jobs of one segment for different priority classes
 * carry the same video and share the decode too. Concurrent requests for a segment being decoded wait
 * for that decode. LRU, bounded to {@code capacity} segments ({@code ai.decodeCache.segments}); entries
 * are reference counted: an evicted segment's frames are closed only once every {@link Lease} is
 * released, and a released segment is closed only once evicted. Decoding runs on the given worker
 * pool ("vms-ai-decode"), never on an event loop.
 */
public final class DecodeCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DecodeCache.class);

  /** A decoded segment. {@code decodeMs} is the time the (single) decode took. */
  public record Decoded(List<FrameView> frames, long decodeMs) {}

  /** One user's hold on a decoded segment; close it exactly once when done with the frames. */
  public final class Lease implements AutoCloseable {
    private final Entry entry;
    private boolean released;
    private final boolean hit;

    private Lease(Entry entry, boolean hit) {
      this.entry = entry;
      this.hit = hit;
    }

    public List<FrameView> frames() { return entry.decoded.frames(); }
    public long decodeMs() { return entry.decoded.decodeMs(); }
    /** True when this request found the segment decoded or being decoded (it did not start a decode). */
    public boolean hit() { return hit; }

    @Override
    public void close() {
      synchronized (DecodeCache.this) {
        if (released) return;
        released = true;
        entry.refs--;
        if (entry.refs == 0 && entry.evicted) entry.free();
      }
    }
  }

  private record Key(String tenant, String camera, long seq, long startMs) {
    static Key of(VideoJob j) {
      return new Key(j.customerId().toString(), j.cameraId().toString(), j.segmentSequence(), j.timestamp().toEpochMilli());
    }
  }

  private final class Entry {
    final Key key;
    final Future<Decoded> future;
    Decoded decoded;
    int refs;
    boolean evicted;
    boolean freed;

    Entry(Key key, Future<Decoded> future) {
      this.key = key;
      this.future = future;
    }

    void free() {
      if (freed || decoded == null) return;
      freed = true;
      decoded.frames().forEach(FrameView::close);
      freedCount++;
    }
  }

  private final SegmentDecoder decoder;
  private final WorkerExecutor pool;
  private final int capacity;
  private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private final Counter hits;
  private final Counter misses;
  private final Counter evictions;
  private final Counter failures;
  private final Timer decodeTimer;
  private long decodes;
  private long freedCount;

  public DecodeCache(SegmentDecoder decoder, WorkerExecutor pool, int capacity, MeterRegistry registry) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1");
    this.decoder = decoder;
    this.pool = pool;
    this.capacity = capacity;
    MeterRegistry r = registry == null ? new SimpleMeterRegistry() : registry;
    hits = r.counter("vms.ai.decode.cache", "result", "hit");
    misses = r.counter("vms.ai.decode.cache", "result", "miss");
    evictions = r.counter("vms.ai.decode.evictions");
    failures = r.counter("vms.ai.decode.failures");
    decodeTimer = Timer.builder("vms.ai.decode").description("decoding one segment to RGB frames").publishPercentiles(0.5, 0.99).register(r);
    Gauge.builder("vms.ai.decode.cached", this, DecodeCache::size).register(r);
  }

  /**
   * The decoded frames of the job's segment, decoding it (once per host) if needed. Any thread; the
   * future completes on the decode pool's context. The caller must close the lease.
   */
  public Future<Lease> acquire(VideoJob job) {
    Key key = Key.of(job);
    Entry e;
    boolean hit;
    synchronized (this) {
      e = entries.get(key);
      hit = e != null && !(e.future.failed());
      if (!hit) {
        if (e != null) entries.remove(key); // a failed decode is retried
        Promise<Decoded> p = Promise.promise();
        e = new Entry(key, p.future());
        entries.put(key, e);
        decodes++;
        pool.executeBlocking(() -> {
          long t0 = System.nanoTime();
          List<FrameView> frames = decoder.decode(job);
          long ns = System.nanoTime() - t0;
          decodeTimer.record(ns, TimeUnit.NANOSECONDS);
          return new Decoded(frames, ns / 1_000_000);
        }, false).onComplete(p);
        evictOverflow();
      }
      e.refs++;
      (hit ? hits : misses).increment();
    }
    Entry entry = e;
    return entry.future.transform(ar -> {
      synchronized (this) {
        if (ar.failed()) {
          entry.refs--;
          failures.increment();
          entries.remove(entry.key, entry);
          LOG.warn("decode of {} failed: {}", job, ar.cause().toString());
          return Future.failedFuture(ar.cause());
        }
        if (entry.decoded == null) entry.decoded = ar.result();
        if (entry.evicted && entry.refs == 0) entry.free(); // cannot happen (this lease holds a ref) but stay safe
        return Future.succeededFuture(new Lease(entry, hit));
      }
    });
  }

  private void evictOverflow() {
    Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator();
    while (entries.size() > capacity && it.hasNext()) {
      Entry old = it.next().getValue();
      it.remove();
      old.evicted = true;
      evictions.increment();
      if (old.refs == 0) {
        if (old.decoded != null) old.free();
        else old.future.onSuccess(d -> {
          synchronized (this) {
            if (old.decoded == null) old.decoded = d;
            if (old.refs == 0) old.free();
          }
        });
      }
    }
  }

  public synchronized int size() { return entries.size(); }
  /** Decodes started (one per segment while it stays cached). */
  public synchronized long decodes() { return decodes; }
  public long hits() { return (long) hits.count(); }
  public long misses() { return (long) misses.count(); }
  public long evictions() { return (long) evictions.count(); }
  /** Segments whose frames were closed. */
  public synchronized long freed() { return freedCount; }

  /** Evicts everything; frames still leased are closed when their last lease is released. */
  @Override
  public synchronized void close() {
    List<Entry> all = new ArrayList<>(entries.values());
    entries.clear();
    for (Entry e : all) {
      e.evicted = true;
      if (e.refs == 0) {
        if (e.decoded != null) e.free();
        else e.future.onSuccess(d -> {
          synchronized (this) {
            if (e.decoded == null) e.decoded = d;
            if (e.refs == 0) e.free();
          }
        });
      }
    }
  }
}
