package com.softdew.vms.edge.normalize;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last {@code capacity} normalised frames of one camera (default 30 = 2 s at 15 fps), lock-free:
 * one writer (the camera's ingest thread) {@link #push}es, any number of readers take the
 * {@link #latest()} frame or the frames {@link #since(long)} a sequence number without blocking and
 * without disturbing each other.
 *
 * <p>Frames are stored at {@code seq mod capacity} (sequence numbers are gap-free per camera), so a push
 * past the capacity replaces the oldest frame. Such an eviction is an <b>overflow</b> when no reader had
 * taken that frame or a later one (nobody was keeping up): counted in {@code vms.ingest.ring.overflow}
 * (tags tenant, camera) and logged once per {@code logEvery} overflows. Evicting frames that readers
 * already went past is the normal life of a ring and is not counted.
 */
public final class FrameRing {
  private static final Logger log = LoggerFactory.getLogger(FrameRing.class);
  public static final int DEFAULT_CAPACITY = 30;

  private final String tenantId;
  private final String cameraId;
  private final int capacity;
  private final AtomicReferenceArray<NormalizedFrame> slots;
  /** Sequence number of the newest frame, -1 while empty. Written only by the writer. */
  private volatile long head = -1;
  /** Highest sequence number any reader has been handed. */
  private final AtomicLong readUpTo = new AtomicLong(-1);
  private final AtomicLong overflows = new AtomicLong();
  private final Counter overflowCounter;
  private final int logEvery;

  public FrameRing(String tenantId, String cameraId, int capacity, MeterRegistry registry) {
    this(tenantId, cameraId, capacity, registry, 100);
  }

  public FrameRing(String tenantId, String cameraId, int capacity, MeterRegistry registry, int logEvery) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1");
    this.tenantId = tenantId;
    this.cameraId = cameraId;
    this.capacity = capacity;
    this.slots = new AtomicReferenceArray<>(capacity);
    this.logEvery = Math.max(1, logEvery);
    this.overflowCounter = registry == null ? null
        : Counter.builder("vms.ingest.ring.overflow").description("frames evicted from the frame ring before any reader took them")
            .tag("tenant", tenantId).tag("camera", cameraId).register(registry);
  }

  /** Writer only (one thread): appends a frame; its seq must be the previous one + 1 (a gap or restart is accepted). */
  public void push(NormalizedFrame f) {
    int i = (int) Math.floorMod(f.seq(), (long) capacity);
    NormalizedFrame old = slots.getAndSet(i, f);
    head = f.seq();
    if (old != null && old.seq() > readUpTo.get()) {
      long n = overflows.incrementAndGet();
      if (overflowCounter != null) overflowCounter.increment();
      if (n == 1 || n % logEvery == 0) {
        log.warn("camera {}/{}: frame ring overflow (capacity {}), {} unread frame(s) dropped so far", tenantId, cameraId, capacity, n);
      }
    }
  }

  /** The newest frame, or null while empty. */
  public NormalizedFrame latest() {
    long h = head;
    if (h < 0) return null;
    NormalizedFrame f = slots.get((int) Math.floorMod(h, (long) capacity));
    if (f != null) readUpTo.accumulateAndGet(f.seq(), Math::max);
    return f;
  }

  /**
   * The frames with a sequence number above {@code seq}, oldest first, as far as the ring still holds
   * them (a reader that fell behind gets the oldest held frames: compare the first seq with what it
   * expected to see how many it missed). {@code since(-1)} returns everything held.
   */
  public List<NormalizedFrame> since(long seq) {
    long h = head;
    List<NormalizedFrame> out = new ArrayList<>();
    if (h < 0 || seq >= h) return out;
    long from = Math.max(seq + 1, h - capacity + 1);
    for (long s = from; s <= h; s++) {
      NormalizedFrame f = slots.get((int) Math.floorMod(s, (long) capacity));
      if (f != null && f.seq() == s) out.add(f); // else overwritten meanwhile by a newer frame
    }
    if (!out.isEmpty()) readUpTo.accumulateAndGet(out.get(out.size() - 1).seq(), Math::max);
    return out;
  }

  public int capacity() {
    return capacity;
  }

  /** Sequence number of the newest frame, -1 while empty. */
  public long head() {
    return head;
  }

  /** Unread frames evicted so far. */
  public long overflows() {
    return overflows.get();
  }
}
