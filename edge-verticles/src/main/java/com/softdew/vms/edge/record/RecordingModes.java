package com.softdew.vms.edge.record;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * When one camera stream is recorded: a union of modes (runtime keys {@code recording.main.modes} /
 * {@code recording.sub.modes}) with the pre/post roll of triggered modes, the event types that trigger event
 * recording (empty = every type) and the weekly schedule in the tenant's time zone.
 */
public record RecordingModes(Set<Mode> modes, Duration preRoll, Duration postRoll, Set<String> eventTypes, WeeklySchedule schedule) {

  /** A recording mode; the order is the precedence of a segment's trigger label when several want it. */
  public enum Mode {
    CONTINUOUS, MOTION, EVENT, SCHEDULE;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Continuous recording, no triggers, no schedule (what the recorder did before modes existed). */
  public static final RecordingModes CONTINUOUS = new RecordingModes(EnumSet.of(Mode.CONTINUOUS), Duration.ZERO, Duration.ZERO, Set.of(),
      WeeklySchedule.parse(List.of(), "UTC"));

  public RecordingModes {
    modes = modes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(modes));
    if (preRoll == null || preRoll.isNegative()) preRoll = Duration.ZERO;
    if (postRoll == null || postRoll.isNegative()) postRoll = Duration.ZERO;
    eventTypes = eventTypes == null ? Set.of() : Set.copyOf(eventTypes);
    if (schedule == null) schedule = WeeklySchedule.parse(List.of(), "UTC");
    if (modes.contains(Mode.SCHEDULE) && schedule.isEmpty()) {
      throw new IllegalArgumentException("recording.schedule: mode 'schedule' needs at least one entry such as 'MON-FRI 08:00-18:00'");
    }
  }

  /**
   * Parses the runtime keys of one stream; a wrong value throws {@link IllegalArgumentException} naming the key.
   *
   * @param modesKey the key the modes come from (named in errors), e.g. {@code recording.main.modes}
   */
  public static RecordingModes parse(String modesKey, List<String> modes, int preRollSeconds, int postRollSeconds, List<String> eventTypes,
      List<String> schedule, String timeZone) {
    Set<Mode> m = EnumSet.noneOf(Mode.class);
    for (String s : modes == null ? List.<String>of() : modes) {
      try {
        m.add(Mode.valueOf(s.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(modesKey + ": unknown mode '" + s + "' (continuous, motion, event, schedule)");
      }
    }
    if (preRollSeconds < 0) throw new IllegalArgumentException("recording.preRollSeconds: must be >= 0, got " + preRollSeconds);
    if (postRollSeconds < 0) throw new IllegalArgumentException("recording.postRollSeconds: must be >= 0, got " + postRollSeconds);
    Set<String> types = new LinkedHashSet<>();
    for (String t : eventTypes == null ? List.<String>of() : eventTypes) {
      if (t == null || t.isBlank()) throw new IllegalArgumentException("recording.eventTypes: empty event type");
      types.add(t.trim());
    }
    // the schedule and the time zone only matter to mode schedule: a bad entry or zone does not stop the other modes
    WeeklySchedule ws = m.contains(Mode.SCHEDULE) ? WeeklySchedule.parse(schedule, timeZone) : WeeklySchedule.parse(List.of(), "UTC");
    return new RecordingModes(m, Duration.ofSeconds(preRollSeconds), Duration.ofSeconds(postRollSeconds), types, ws);
  }

  /** True when nothing is ever recorded. */
  public boolean never() {
    return modes.isEmpty();
  }

  /** True when motion or event triggers open windows (the pre-roll buffer matters). */
  public boolean triggered() {
    return modes.contains(Mode.MOTION) || modes.contains(Mode.EVENT);
  }

  /** The mode labels in precedence order. */
  public List<String> labels() {
    List<String> out = new ArrayList<>();
    for (Mode x : Mode.values()) if (modes.contains(x)) out.add(x.label());
    return out;
  }
}
