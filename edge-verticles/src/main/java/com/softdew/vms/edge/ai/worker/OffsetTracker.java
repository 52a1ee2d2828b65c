package com.softdew.vms.edge.ai.worker;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which offsets of each partition are done, to commit only a contiguous prefix: the committed offset is
 * the first offset not yet done, so a job still in work (or lost in a crash) is delivered again after a
 * restart or rebalance. Not thread-safe: used on the worker verticle's event loop.
 */
public final class OffsetTracker<P> {
  private static final class State {
    long next = -1;           // first offset not yet done (commit point); -1 until the first offset is seen
    long committed = -1;      // last value handed out by toCommit()
    final TreeSet<Long> done = new TreeSet<>();
    final TreeSet<Long> pending = new TreeSet<>();
  }

  private final Map<P, State> parts = new HashMap<>();

  /** A record was received and is being worked on. */
  public void started(P partition, long offset) {
    State s = parts.computeIfAbsent(partition, k -> new State());
    if (s.next < 0 || offset < s.next && s.pending.isEmpty() && s.done.isEmpty()) s.next = offset;
    s.pending.add(offset);
  }

  /** The record's work is finished (result produced, or nothing to do). */
  public void done(P partition, long offset) {
    State s = parts.get(partition);
    if (s == null || !s.pending.remove(offset)) return; // revoked meanwhile, or unknown
    s.done.add(offset);
    while (!s.done.isEmpty()) {
      long first = s.done.first();
      Long lowestPending = s.pending.isEmpty() ? null : s.pending.first();
      if (lowestPending != null && lowestPending < first) break;
      s.done.pollFirst();
      s.next = Math.max(s.next, first + 1);
    }
  }

  /** Offsets to commit now (partition → next offset to read), only those that advanced since the last call. */
  public Map<P, Long> toCommit() {
    Map<P, Long> out = new HashMap<>();
    parts.forEach((p, s) -> {
      if (s.next >= 0 && s.next > s.committed) out.put(p, s.next);
    });
    return out;
  }

  /** Records that toCommit's offsets were committed. */
  public void committed(Map<P, Long> offsets) {
    offsets.forEach((p, o) -> {
      State s = parts.get(p);
      if (s != null) s.committed = Math.max(s.committed, o);
    });
  }

  /** Forgets a partition (revoked): its unfinished offsets will be delivered again to its new owner. */
  public void forget(P partition) {
    parts.remove(partition);
  }

  /** Records received and not done, over every partition. */
  public int inFlight() {
    int n = 0;
    for (State s : parts.values()) n += s.pending.size();
    return n;
  }
}
