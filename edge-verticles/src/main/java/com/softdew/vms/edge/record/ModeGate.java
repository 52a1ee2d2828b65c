package com.softdew.vms.edge.record;

import com.softdew.vms.edge.record.RecordingModes.Mode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides, for a point of (capture) time, whether a recorder's stream is wanted and under which trigger: continuous
 * always; schedule inside the {@link WeeklySchedule}; motion and event inside the windows {@code [at - preRoll,
 * until + postRoll]} opened by {@link #offer triggers}. Label precedence: continuous, motion, event, schedule (the
 * order of {@link Mode}). Thread-safe: triggers come from the event loop, decisions from the recorder thread.
 *
 * <p>Bounded: at most {@link #MAX_WINDOWS} trigger windows; windows of the same kind and event type that overlap or
 * touch are merged, windows that ended more than the buffer horizon ago are pruned, and when the limit is still hit
 * the window that ends first is dropped (counted, {@link #windowsDropped()}). One trigger spans at most
 * {@link #MAX_TRIGGER_SPAN} ({@code until} beyond is cut): a long event keeps sending triggers.
 */
public final class ModeGate {
  /** Most trigger windows kept per gate. */
  public static final int MAX_WINDOWS = 256;
  /** Longest {@code until - at} of one trigger. */
  public static final Duration MAX_TRIGGER_SPAN = Duration.ofMinutes(10);

  /**
   * @param wanted    whether the stream is recorded at {@code at}
   * @param at        the instant decided
   * @param trigger   continuous, motion, event or schedule ("" when not wanted)
   * @param eventType the event type of an event window, else ""
   */
  public record Decision(boolean wanted, Instant at, String trigger, String eventType) {
    static Decision no(Instant at) {
      return new Decision(false, at, "", "");
    }
  }

  private record Window(Mode kind, String eventType, Instant start, Instant end) {
    boolean contains(Instant t) {
      return !t.isBefore(start) && t.isBefore(end);
    }
  }

  private final RecordingModes modes;
  private final Duration horizon;
  private final List<Window> windows = new ArrayList<>();
  private final AtomicLong accepted = new AtomicLong(), ignored = new AtomicLong(), dropped = new AtomicLong();

  /**
   * @param triggerLatency how late a trigger may arrive after its {@code at} and still get its full pre-roll (the
   *                       buffer keeps preRoll + this); ignored without motion/event modes
   */
  public ModeGate(RecordingModes modes, Duration triggerLatency) {
    this.modes = modes;
    this.horizon = modes.triggered() ? modes.preRoll().plus(triggerLatency) : Duration.ZERO;
  }

  public RecordingModes modes() {
    return modes;
  }

  /**
   * How far back the pre-roll buffer reaches (packets from the last key frame at or before {@code now - horizon});
   * zero without triggered modes (only the current GOP is kept, so a scheduled window starts at a key frame).
   */
  public Duration bufferHorizon() {
    return horizon;
  }

  /** True when the gate always wants the stream (no buffering needed). */
  public boolean always() {
    return modes.modes().contains(Mode.CONTINUOUS);
  }

  /**
   * A trigger for this camera. Returns true when it opened or extended a window: kind {@code motion} needs mode
   * motion, kind {@code event} mode event and an event type in {@code recording.eventTypes} (empty = any); a motion
   * trigger also counts as an event of type "motion" when that type is listed explicitly.
   */
  public synchronized boolean offer(String kind, String eventType, Instant at, Instant until) {
    String type = eventType == null ? "" : eventType;
    boolean motion = "motion".equals(kind);
    Mode m = null;
    if (motion && modes.modes().contains(Mode.MOTION)) {
      m = Mode.MOTION;
      type = "";
    } else if (modes.modes().contains(Mode.EVENT) && (motion || "event".equals(kind))) {
      String t = motion && type.isEmpty() ? "motion" : type;
      boolean ok = modes.eventTypes().isEmpty() ? "event".equals(kind) : modes.eventTypes().contains(t);
      if (ok) {
        m = Mode.EVENT;
        type = t;
      }
    }
    if (m == null || at == null) {
      ignored.incrementAndGet();
      return false;
    }
    if (until == null || until.isBefore(at)) until = at;
    if (Duration.between(at, until).compareTo(MAX_TRIGGER_SPAN) > 0) until = at.plus(MAX_TRIGGER_SPAN);
    Instant s = at.minus(modes.preRoll()), e = until.plus(modes.postRoll());
    prune(at);
    for (int i = 0; i < windows.size(); i++) {
      Window w = windows.get(i);
      if (w.kind == m && w.eventType.equals(type) && !s.isAfter(w.end) && !e.isBefore(w.start)) {
        windows.set(i, new Window(m, type, min(s, w.start), max(e, w.end)));
        accepted.incrementAndGet();
        return true;
      }
    }
    windows.add(new Window(m, type, s, e));
    if (windows.size() > MAX_WINDOWS) {
      windows.remove(windows.stream().min(Comparator.comparing(Window::end)).orElseThrow());
      dropped.incrementAndGet();
    }
    accepted.incrementAndGet();
    return true;
  }

  /** Drops windows that ended more than the horizon (+ 1 min) before {@code now}: no buffered packet can need them. */
  private void prune(Instant now) {
    Instant limit = now.minus(horizon).minusSeconds(60);
    windows.removeIf(w -> w.end.isBefore(limit));
  }

  /** The decision at {@code t}. */
  public synchronized Decision at(Instant t) {
    if (always()) return new Decision(true, t, Mode.CONTINUOUS.label(), "");
    Window best = null;
    for (Window w : windows) {
      if (!w.contains(t)) continue;
      if (best == null || w.kind.ordinal() < best.kind.ordinal()
          || (w.kind == best.kind && w.start.isBefore(best.start))) best = w;
    }
    if (best != null) return new Decision(true, t, best.kind.label(), best.eventType);
    if (modes.modes().contains(Mode.SCHEDULE) && modes.schedule().contains(t)) return new Decision(true, t, Mode.SCHEDULE.label(), "");
    return Decision.no(t);
  }

  /** The earliest wanted instant of [from, to] with its decision, or null when nothing of it is wanted. */
  public synchronized Decision firstWanted(Instant from, Instant to) {
    Decision d = at(from);
    if (d.wanted()) return d;
    Instant best = null;
    if (modes.modes().contains(Mode.SCHEDULE)) best = modes.schedule().firstIn(from, to);
    for (Window w : windows) {
      if (w.start.isAfter(from) && !w.start.isAfter(to) && (best == null || w.start.isBefore(best))) best = w.start;
    }
    return best == null ? null : at(best);
  }

  /** End of the wanted span that contains {@code from}, at most {@code limit}; {@code from} itself when not wanted. */
  public synchronized Instant wantedUntil(Instant from, Instant limit) {
    Instant t = from;
    for (int i = 0; i < 4 * MAX_WINDOWS + 16 && t.isBefore(limit); i++) {
      if (!at(t).wanted()) return t;
      if (always()) return limit;
      Instant next = t;
      for (Window w : windows) if (w.contains(t)) next = max(next, w.end);
      if (modes.modes().contains(Mode.SCHEDULE)) {
        Instant[] sw = modes.schedule().windowAt(t);
        if (sw != null) next = max(next, sw[1]);
      }
      if (!next.isAfter(t)) return t;
      t = next;
    }
    return min(t, limit);
  }

  /** Triggers that opened or extended a window. */
  public long accepted() {
    return accepted.get();
  }

  /** Triggers for this camera that no mode of this stream takes (wrong kind or event type). */
  public long ignored() {
    return ignored.get();
  }

  /** Windows dropped because {@link #MAX_WINDOWS} was reached. */
  public long windowsDropped() {
    return dropped.get();
  }

  /** Current windows, for tests and health pages. */
  public synchronized int windowCount() {
    return windows.size();
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
