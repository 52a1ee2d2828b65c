package com.softdew.vms.edge.record;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A weekly recording calendar in a time zone (runtime key {@code recording.schedule}, the tenant's time zone).
 *
 * <p>Entry syntax: {@code DAYS HH:MM-HH:MM}, where DAYS is a day ({@code MON}), a range ({@code MON-FRI}, may wrap:
 * {@code FRI-MON}), a comma list of either ({@code MON,WED,FRI-SUN}) or {@code DAILY}; times are local wall-clock
 * times, start inclusive, end exclusive, {@code 24:00} = end of the day; the start must be before the end (a window
 * over midnight is two entries: {@code FRI 22:00-24:00}, {@code SAT 00:00-06:00}). Entries are a union. Daylight
 * saving: local times are resolved by {@link ZonedDateTime#of} (a start in the spring-forward hour moves to after it,
 * in the autumn overlap the earlier offset is used), so a window is shorter or longer by the shift on those days.
 */
public final class WeeklySchedule {
  private static final Pattern ENTRY = Pattern.compile("([A-Za-z,\\-]+)\\s+(\\d{1,2}):(\\d{2})\\s*-\\s*(\\d{1,2}):(\\d{2})");
  private static final Map<String, DayOfWeek> DAYS = Map.of("MON", DayOfWeek.MONDAY, "TUE", DayOfWeek.TUESDAY, "WED",
      DayOfWeek.WEDNESDAY, "THU", DayOfWeek.THURSDAY, "FRI", DayOfWeek.FRIDAY, "SAT", DayOfWeek.SATURDAY, "SUN", DayOfWeek.SUNDAY);

  /** One parsed entry: days, start and end in seconds of the local day (end ≤ 86400). */
  public record Entry(Set<DayOfWeek> days, int startSecond, int endSecond, String text) {}

  private final List<Entry> entries;
  private final ZoneId zone;

  private WeeklySchedule(List<Entry> entries, ZoneId zone) {
    this.entries = List.copyOf(entries);
    this.zone = zone;
  }

  /**
   * Parses the entries; an invalid one throws {@link IllegalArgumentException} naming the key, the entry and what is
   * wrong. A null or blank zone means UTC; an unknown zone is an error too.
   */
  public static WeeklySchedule parse(List<String> entries, String zone) {
    ZoneId z;
    try {
      z = zone == null || zone.isBlank() ? java.time.ZoneOffset.UTC : ZoneId.of(zone.trim());
    } catch (java.time.DateTimeException e) {
      throw new IllegalArgumentException("time zone '" + zone + "' is not a time zone id (e.g. Europe/Berlin): " + e.getMessage());
    }
    List<Entry> out = new ArrayList<>();
    for (String s : entries == null ? List.<String>of() : entries) out.add(entry(s));
    return new WeeklySchedule(out, z);
  }

  /** Parses one entry, e.g. {@code MON-FRI 08:00-18:00}. */
  public static Entry entry(String s) {
    String text = s == null ? "" : s.trim();
    Matcher m = ENTRY.matcher(text);
    if (!m.matches()) {
      throw bad(text, "expected 'DAYS HH:MM-HH:MM' (DAYS: MON, MON-FRI, MON,WED or DAILY)");
    }
    Set<DayOfWeek> days = days(text, m.group(1).toUpperCase(Locale.ROOT));
    int start = seconds(text, m.group(2), m.group(3));
    int end = seconds(text, m.group(4), m.group(5));
    if (start >= end) throw bad(text, "the start must be before the end (split a window over midnight into two entries)");
    return new Entry(days, start, end, text);
  }

  private static Set<DayOfWeek> days(String text, String spec) {
    if (spec.equals("DAILY")) return EnumSet.allOf(DayOfWeek.class);
    Set<DayOfWeek> out = EnumSet.noneOf(DayOfWeek.class);
    for (String part : spec.split(",")) {
      String[] r = part.split("-", -1);
      if (r.length > 2) throw bad(text, "day range '" + part + "' has more than one '-'");
      DayOfWeek a = day(text, r[0]);
      DayOfWeek b = r.length == 2 ? day(text, r[1]) : a;
      for (DayOfWeek d = a; ; d = d.plus(1)) {
        out.add(d);
        if (d == b) break;
      }
    }
    return out;
  }

  private static DayOfWeek day(String text, String d) {
    DayOfWeek v = DAYS.get(d);
    if (v == null) throw bad(text, "unknown day '" + d + "' (MON TUE WED THU FRI SAT SUN)");
    return v;
  }

  private static int seconds(String text, String h, String m) {
    int hh = Integer.parseInt(h), mm = Integer.parseInt(m);
    if (mm > 59 || hh > 24 || (hh == 24 && mm != 0)) throw bad(text, "time " + h + ":" + m + " is not between 00:00 and 24:00");
    return hh * 3600 + mm * 60;
  }

  private static IllegalArgumentException bad(String entry, String why) {
    return new IllegalArgumentException("recording.schedule: entry '" + entry + "': " + why);
  }

  public List<Entry> entries() {
    return entries;
  }

  public ZoneId zone() {
    return zone;
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /** True when {@code t} is inside a window. */
  public boolean contains(Instant t) {
    return windowAt(t) != null;
  }

  /** The window [start, end) containing {@code t}, merged with adjacent/overlapping ones; null outside. */
  public Instant[] windowAt(Instant t) {
    ZonedDateTime z = t.atZone(zone);
    LocalDate day = z.toLocalDate();
    // a window of the day before may not reach into today (end ≤ 24:00), so only today's entries can contain t
    for (Entry e : entries) {
      if (!e.days.contains(day.getDayOfWeek())) continue;
      Instant s = at(day, e.startSecond), en = at(day, e.endSecond);
      if (!t.isBefore(s) && t.isBefore(en)) return new Instant[] {s, extend(en)};
    }
    return null;
  }

  /** End of the scheduled time that continues from {@code end} through adjacent windows (e.g. MON 00:00-24:00 + TUE ...). */
  private Instant extend(Instant end) {
    for (int i = 0; i < 8; i++) {
      Instant[] next = null;
      ZonedDateTime z = end.atZone(zone);
      LocalDate day = z.toLocalDate();
      for (Entry e : entries) {
        if (!e.days.contains(day.getDayOfWeek())) continue;
        Instant s = at(day, e.startSecond), en = at(day, e.endSecond);
        if (!end.isBefore(s) && end.isBefore(en) && (next == null || en.isAfter(next[1]))) next = new Instant[] {s, en};
      }
      if (next == null) return end;
      end = next[1];
    }
    return end;
  }

  /** Earliest instant of [from, to] inside a window, or null. */
  public Instant firstIn(Instant from, Instant to) {
    if (contains(from)) return from;
    Instant best = null;
    LocalDate d = from.atZone(zone).toLocalDate();
    LocalDate last = to.atZone(zone).toLocalDate();
    for (int i = 0; i < 9 && !d.isAfter(last); i++, d = d.plusDays(1)) {
      for (Entry e : entries) {
        if (!e.days.contains(d.getDayOfWeek())) continue;
        Instant s = at(d, e.startSecond);
        if (s.isAfter(from) && !s.isAfter(to) && (best == null || s.isBefore(best))) best = s;
      }
      if (best != null) return best;
    }
    return best;
  }

  private Instant at(LocalDate day, int second) {
    if (second >= 86_400) return day.plusDays(1).atStartOfDay(zone).toInstant();
    return ZonedDateTime.of(day, LocalTime.ofSecondOfDay(second), zone).toInstant();
  }

  @Override
  public String toString() {
    return entries.stream().map(Entry::text).toList() + " " + zone;
  }
}
