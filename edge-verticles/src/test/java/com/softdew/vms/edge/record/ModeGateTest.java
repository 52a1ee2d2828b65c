package com.softdew.vms.edge.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Weekly schedule parsing and time zones, mode parsing, and the gate's windows and labels (no video, no timing). */
class ModeGateTest {
  static final String NY = "America/New_York";

  static Instant ny(String local) {
    return ZonedDateTime.of(java.time.LocalDateTime.parse(local), java.time.ZoneId.of(NY)).toInstant();
  }

  @Test
  void scheduleEntriesInTheTenantTimeZone() {
    WeeklySchedule s = WeeklySchedule.parse(List.of("MON-FRI 08:00-18:00", "SAT 00:00-24:00"), NY);
    // 2026-11-27 is a Friday
    assertFalse(s.contains(ny("2026-11-27T07:59:59")));
    assertTrue(s.contains(ny("2026-11-27T08:00:00")));
    assertTrue(s.contains(ny("2026-11-27T17:59:59")));
    assertFalse(s.contains(ny("2026-11-27T18:00:00")), "end exclusive");
    assertTrue(s.contains(ny("2026-11-28T00:00:00")), "Saturday all day");
    assertTrue(s.contains(ny("2026-11-28T23:59:59")));
    assertFalse(s.contains(ny("2026-11-29T12:00:00")), "no Sunday");
    // Friday 13:00 New York is 18:00 UTC: in the window; the same UTC instant read as UTC wall time would not be
    assertTrue(s.contains(Instant.parse("2026-11-27T18:00:00Z")));
    assertFalse(WeeklySchedule.parse(List.of("MON-FRI 08:00-18:00"), "UTC").contains(Instant.parse("2026-11-27T18:00:00Z")));
    // first scheduled instant of a range, and the window end across adjacent days
    assertEquals(ny("2026-11-28T00:00:00"), s.firstIn(ny("2026-11-27T19:00:00"), ny("2026-11-28T03:00:00")));
    assertNull(s.firstIn(ny("2026-11-27T19:00:00"), ny("2026-11-27T23:00:00")));
    assertEquals(ny("2026-11-29T00:00:00"), s.windowAt(ny("2026-11-28T10:00:00"))[1]);
    WeeklySchedule wrap = WeeklySchedule.parse(List.of("FRI-MON 22:00-24:00", "DAILY 00:00-01:00", "TUE,THU 12:00-13:30"), "UTC");
    assertEquals(4, wrap.entries().get(0).days().size());
    assertEquals(7, wrap.entries().get(1).days().size());
    // Friday 22:00 → Saturday 01:00 is one span (adjacent windows merged)
    assertEquals(Instant.parse("2026-11-28T01:00:00Z"), wrap.windowAt(Instant.parse("2026-11-27T23:00:00Z"))[1]);
  }

  @Test
  void invalidEntriesNameTheEntry() {
    for (String bad : List.of("MON 08:00", "MOX 08:00-09:00", "MON 18:00-08:00", "MON 25:00-26:00", "MON 08:61-09:00", "MON-TUE-WED 1:00-2:00")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WeeklySchedule.parse(List.of("SAT 00:00-24:00", bad), "UTC"));
      assertTrue(e.getMessage().startsWith("recording.schedule: entry '" + bad + "'"), e.getMessage());
    }
    IllegalArgumentException z = assertThrows(IllegalArgumentException.class, () -> WeeklySchedule.parse(List.of(), "Mars/Olympus"));
    assertTrue(z.getMessage().contains("Mars/Olympus"), z.getMessage());
    IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
        () -> RecordingModes.parse("recording.sub.modes", List.of("continuous", "sometimes"), 10, 10, List.of(), List.of(), "UTC"));
    assertTrue(m.getMessage().startsWith("recording.sub.modes: unknown mode 'sometimes'"), m.getMessage());
    IllegalArgumentException s = assertThrows(IllegalArgumentException.class,
        () -> RecordingModes.parse("recording.main.modes", List.of("schedule"), 10, 10, List.of(), List.of(), "UTC"));
    assertTrue(s.getMessage().startsWith("recording.schedule"), s.getMessage());
  }

  @Test
  void triggerWindowsWithPreAndPostRollAndEventTypes() {
    RecordingModes m = RecordingModes.parse("recording.main.modes", List.of("event", "motion"), 10, 5, List.of("fire", "intrusion"), List.of(), "UTC");
    ModeGate g = new ModeGate(m, Duration.ofSeconds(20));
    assertEquals(Duration.ofSeconds(30), g.bufferHorizon(), "pre-roll + trigger latency");
    Instant t = Instant.parse("2026-11-27T12:00:00Z");
    assertFalse(g.at(t).wanted());
    assertFalse(g.offer("event", "loitering", t, t.plusSeconds(3)), "type not listed");
    assertTrue(g.offer("event", "fire", t, t.plusSeconds(3)));
    assertFalse(g.at(t.minusSeconds(11)).wanted());
    ModeGate.Decision d = g.at(t.minusSeconds(10));
    assertTrue(d.wanted());
    assertEquals("event", d.trigger());
    assertEquals("fire", d.eventType());
    assertTrue(g.at(t.plusSeconds(7)).wanted());
    assertFalse(g.at(t.plusSeconds(8)).wanted(), "until + post roll, exclusive");
    assertEquals(t.minusSeconds(10), g.firstWanted(t.minusSeconds(30), t).at());
    assertEquals(t.plusSeconds(8), g.wantedUntil(t, t.plusSeconds(60)));
    // a motion window overlapping the event one: motion wins the label (precedence), the event type stays on event windows
    assertTrue(g.offer("motion", "", t.plusSeconds(5), t.plusSeconds(6)));
    assertEquals("motion", g.at(t.plusSeconds(7)).trigger());
    assertEquals(t.plusSeconds(11), g.wantedUntil(t, t.plusSeconds(60)), "spans joined");
    // repeated triggers extend one window instead of piling up
    for (int i = 0; i < 1000; i++) g.offer("event", "fire", t.plusSeconds(i), t.plusSeconds(i + 1));
    assertTrue(g.windowCount() <= 2, "merged: " + g.windowCount());
    assertEquals(t.plusSeconds(1005), g.wantedUntil(t, t.plusSeconds(5000)));
    // an absurd 'until' is cut to 10 min
    ModeGate g2 = new ModeGate(m, Duration.ZERO);
    g2.offer("event", "intrusion", t, t.plus(Duration.ofDays(3)));
    assertEquals(t.plus(ModeGate.MAX_TRIGGER_SPAN).plusSeconds(5), g2.wantedUntil(t, t.plus(Duration.ofDays(3))));
    // bounded number of windows (disjoint ones), counted
    ModeGate g3 = new ModeGate(RecordingModes.parse("k", List.of("event"), 0, 0, List.of(), List.of(), "UTC"), Duration.ZERO);
    for (int i = 0; i < ModeGate.MAX_WINDOWS + 10; i++) g3.offer("event", "x", t.plusMillis(2L * i), t.plusMillis(2L * i + 1));
    assertEquals(ModeGate.MAX_WINDOWS, g3.windowCount());
    assertEquals(10, g3.windowsDropped());
  }

  @Test
  void anyEventTypeAndMotionOnlyWithItsMode() {
    Instant t = Instant.parse("2026-11-27T12:00:00Z");
    ModeGate any = new ModeGate(RecordingModes.parse("k", List.of("event"), 0, 0, List.of(), List.of(), "UTC"), Duration.ZERO);
    assertTrue(any.offer("event", "whatever", t, t));
    assertFalse(any.offer("motion", "", t, t), "motion has its own mode");
    ModeGate motionAsEvent = new ModeGate(RecordingModes.parse("k", List.of("event"), 0, 0, List.of("motion"), List.of(), "UTC"), Duration.ZERO);
    assertTrue(motionAsEvent.offer("motion", "", t, t.plusSeconds(1)));
    assertEquals("motion", motionAsEvent.at(t).eventType());
    ModeGate cont = new ModeGate(RecordingModes.CONTINUOUS, Duration.ofSeconds(20));
    assertTrue(cont.at(t).wanted());
    assertEquals("continuous", cont.at(t).trigger());
    assertEquals(Duration.ZERO, cont.bufferHorizon());
    ModeGate never = new ModeGate(RecordingModes.parse("k", List.of(), 0, 0, List.of(), List.of(), "UTC"), Duration.ZERO);
    assertNull(never.firstWanted(t, t.plusSeconds(100)));
  }

  @Test
  void scheduleAndTriggersCombined() {
    RecordingModes m = RecordingModes.parse("k", List.of("schedule", "event"), 60, 60, List.of(), List.of("MON-FRI 08:00-18:00"), NY);
    ModeGate g = new ModeGate(m, Duration.ofSeconds(20));
    Instant eight = ny("2026-11-27T08:00:00");
    assertEquals("schedule", g.at(eight).trigger());
    assertEquals(eight, g.firstWanted(eight.minusSeconds(3600), eight.plusSeconds(5)).at());
    g.offer("event", "fire", eight.minusSeconds(30), eight.minusSeconds(20));
    ModeGate.Decision d = g.firstWanted(eight.minusSeconds(3600), eight.plusSeconds(5));
    assertEquals(eight.minusSeconds(90), d.at(), "the event window (with its pre-roll) opens first");
    assertEquals("event", d.trigger());
    assertEquals(ny("2026-11-27T18:00:00"), g.wantedUntil(d.at(), eight.plus(Duration.ofDays(1))), "event then schedule: one span");
  }

  @Test
  void routerMatchesRegistryIdsAndJobUuidsOnly() {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      RecordingTriggers r = RecordingTriggers.of(vertx);
      ModeGate g = new ModeGate(RecordingModes.parse("k", List.of("event"), 0, 0, List.of(), List.of(), "UTC"), Duration.ZERO);
      AutoCloseable reg = r.register("acme", "door", g);
      Instant t = Instant.parse("2026-11-27T12:00:00Z");
      assertEquals(1, r.deliver(RecordingTriggers.message("acme", "door", "event", "fire", t, t)));
      assertEquals(1, r.deliver(RecordingTriggers.message(RecordingTriggers.uuidOf("tenant", "acme"), RecordingTriggers.uuidOf("camera", "door"),
          "event", "fire", t.plusSeconds(100), t.plusSeconds(100))));
      assertEquals(0, r.deliver(RecordingTriggers.message("other", "door", "event", "fire", t, t)), "another tenant's camera of the same id");
      assertEquals(0, r.deliver(new JsonObject().put("tenantId", "acme").put("cameraId", "door").put("kind", "event").put("at", "yesterday")));
      assertEquals(2, g.accepted());
      reg.close();
      assertEquals(0, r.deliver(RecordingTriggers.message("acme", "door", "event", "fire", t, t)));
      assertEquals(1, r.counts()[1], "one malformed");
    } catch (Exception e) {
      throw new RuntimeException(e);
    } finally {
      vertx.close();
    }
  }
}
