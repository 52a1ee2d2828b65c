package com.softdew.vms.edge.ai.models.people;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-track state of one model session, bounded: entries of tracks not seen for {@code ttlMs} are
 * forgotten, and beyond {@code max} tracks the least recently seen is dropped (counted in
 * {@code vms.ai.model.tracks.dropped{model}} and logged).
 */
final class TrackMemory<T> {
  private static final Logger log = LoggerFactory.getLogger(TrackMemory.class);

  private static final class Entry<T> {
    final T state;
    long lastSeen;

    Entry(T state) {
      this.state = state;
    }
  }

  private final String model;
  private final int max;
  private final long ttlMs;
  private final LinkedHashMap<String, Entry<T>> map = new LinkedHashMap<>(16, 0.75f, true);
  private final Counter dropped;

  TrackMemory(String model, int max, long ttlMs) {
    this.model = model;
    this.max = max;
    this.ttlMs = ttlMs;
    this.dropped = Counter.builder("vms.ai.model.tracks.dropped").tag("model", model).register(Metrics.globalRegistry);
  }

  T get(String trackId, long ptsMs, Supplier<T> create) {
    Entry<T> e = map.get(trackId);
    if (e == null) {
      if (map.size() >= max) {
        Iterator<Map.Entry<String, Entry<T>>> it = map.entrySet().iterator();
        String victim = it.next().getKey();
        it.remove();
        dropped.increment();
        log.warn("{}: more than {} tracks in memory, forgetting {}", model, max, victim);
      }
      e = new Entry<>(create.get());
      map.put(trackId, e);
    }
    e.lastSeen = ptsMs;
    return e.state;
  }

  T peek(String trackId) {
    Entry<T> e = map.get(trackId);
    return e == null ? null : e.state;
  }

  /** Forgets tracks unseen for longer than the ttl. */
  void prune(long ptsMs) {
    map.values().removeIf(e -> ptsMs - e.lastSeen > ttlMs);
  }

  int size() {
    return map.size();
  }
}
