package com.softdew.vms.edge.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.sim.CameraSimulator;
import com.softdew.vms.sim.Codec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 24 h of simulated calendar per recording mode, all at once against one simulated camera (H.264, main 1280x720 and
 * sub 640x360, 15 fps, GOP 1 s): a {@link ScaledClock} runs 3600 times faster than real time, so one real second (one
 * GOP, one 1 s segment) is one calendar hour and the day takes ~24 s. Modes: continuous; schedule (MON-FRI 08:00-18:00,
 * SAT 00:00-24:00 in America/New_York, the run goes Friday 12:00 → Saturday 12:00 local); motion and event with
 * triggers published on the bus late (as the AI would) and with 2 h pre-roll / 1 h post-roll; continuous sub + event
 * main. Afterwards a time-range query over the segments must return contiguous footage where a mode wanted it and none
 * elsewhere, and every file is checked with ffprobe (codec, size, first packet a key frame, duration = end - start).
 */
class RecordingModesSimulationTest {
  static final double SCALE = 3600;
  static final ZoneId NY = ZoneId.of("America/New_York");
  static final Instant S = LocalDateTime.parse("2026-11-27T12:00:00").atZone(NY).toInstant(); // a Friday
  static final Duration GOP = Duration.ofHours(1); // 1 s of stream
  static final Duration PRE = Duration.ofHours(2), POST = Duration.ofHours(1);
  static final List<String> SCHEDULE = List.of("MON-FRI 08:00-18:00", "SAT 00:00-24:00");
  @TempDir
  Path data;

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static Instant h(double hours) {
    return S.plusMillis(Math.round(hours * 3_600_000));
  }

  record Run(String name, MainStreamRecorder recorder, List<RecordingSegment> segments, List<RecordingGap> gaps) {}

  @Test
  void twentyFourSimulatedHoursPerMode() throws Exception {
    Vertx vertx = Vertx.vertx();
    CameraSimulator sim = new CameraSimulator(vertx, Path.of(System.getProperty("user.dir")).getParent().resolve("sim-media"));
    Map<String, Run> runs = new LinkedHashMap<>();
    try {
      CameraSimulator.Descriptor cam = await(com.softdew.vms.sim.SimCameras.one(sim, Codec.H264));
      // warm-up before the calendar starts: FFmpeg natives loaded, the simulator's main and sub clips encoded
      for (String url : List.of(cam.rtspMain(), cam.rtspSub())) warmUp(url, cam.user(), cam.password());
      SimpleMeterRegistry reg = new SimpleMeterRegistry();
      // the calendar starts 8 h (8 s) before S: opening the six RTSP sessions takes up to ~1 s each (JavaCV serialises
      // the grabbers' start), so every recorder is up before the observed day [S, S + 24 h) begins
      ScaledClock clock = new ScaledClock(S.minus(Duration.ofHours(8)), SCALE);
      RecordingModes triggered = RecordingModes.parse("recording.main.modes", List.of("motion"), (int) PRE.toSeconds(), (int) POST.toSeconds(),
          List.of(), List.of(), NY.getId());
      Map<String, Object[]> plan = new LinkedHashMap<>();
      plan.put("continuous", new Object[] {"cam-cont", "main", RecordingModes.CONTINUOUS});
      plan.put("schedule", new Object[] {"cam-sched", "main",
          RecordingModes.parse("recording.main.modes", List.of("schedule"), 0, 0, List.of(), SCHEDULE, NY.getId())});
      plan.put("motion", new Object[] {"cam-motion", "main", triggered});
      plan.put("event", new Object[] {"cam-event", "main",
          RecordingModes.parse("recording.main.modes", List.of("event"), (int) PRE.toSeconds(), (int) POST.toSeconds(), List.of("fire"), List.of(),
              NY.getId())});
      plan.put("combo-main", new Object[] {"cam-combo", "main",
          RecordingModes.parse("recording.main.modes", List.of("event"), (int) PRE.toSeconds(), (int) POST.toSeconds(), List.of(), List.of(),
              NY.getId())});
      plan.put("combo-sub", new Object[] {"cam-combo", "sub", RecordingModes.CONTINUOUS});
      for (var e : plan.entrySet()) {
        String camId = (String) e.getValue()[0], stream = (String) e.getValue()[1];
        List<RecordingSegment> segs = Collections.synchronizedList(new ArrayList<>());
        List<RecordingGap> gaps = Collections.synchronizedList(new ArrayList<>());
        MainStreamRecorder r = new MainStreamRecorder(vertx, reg, new MainStreamRecorder.Options().tenantId("t1").cameraId(camId).stream(stream)
            .url("main".equals(stream) ? cam.rtspMain() : cam.rtspSub()).credentials(cam.user(), cam.password()).dataDir(data)
            .segmentLength(GOP).modes((RecordingModes) e.getValue()[2]).clock(clock).triggerLatency(Duration.ofHours(3)),
            new RecordingListener() {
              @Override
              public void segment(RecordingSegment s) {
                segs.add(s);
              }

              @Override
              public void gap(RecordingGap g) {
                gaps.add(g);
              }
            });
        runs.put(e.getKey(), new Run(e.getKey(), r, segs, gaps));
      }
      runs.values().forEach(r -> r.recorder().start());
      // triggers as the AI workers publish them: after the fact (1.5 h of calendar late, within the 3 h allowance)
      trigger(vertx, clock, "t1", "cam-motion", "motion", "", h(6), h(6.1)); // spans ≤ 10 min (ModeGate.MAX_TRIGGER_SPAN)
      trigger(vertx, clock, "t1", "cam-motion", "motion", "", h(15), h(15));
      trigger(vertx, clock, "t2", "cam-motion", "motion", "", h(10), h(10)); // another tenant's camera of the same id
      trigger(vertx, clock, "t1", "cam-event", "event", "fire", h(8), h(8.1));
      trigger(vertx, clock, "t1", "cam-event", "event", "loitering", h(18), h(18)); // not in recording.eventTypes
      trigger(vertx, clock, "t1", "cam-event", "motion", "", h(4), h(4)); // no motion mode
      // the combination: the AI knows cameras by the jobs' name-based UUIDs
      trigger(vertx, clock, RecordingTriggers.uuidOf("tenant", "t1"), RecordingTriggers.uuidOf("camera", "cam-combo"), "event", "intrusion", h(13),
          h(13));
      while (clock.instant().isBefore(h(24))) Thread.sleep(100);
    } finally {
      for (Run r : runs.values()) r.recorder().close();
      await(sim.stop());
      await(vertx.close());
    }
    Instant end = h(24);
    for (Run r : runs.values()) {
      r.segments().sort(Comparator.comparing(RecordingSegment::start));
      System.out.printf("measured %s: %d segments, %s%n", r.name(), r.segments().size(), r.recorder().stats());
      for (RecordingSegment s : r.segments()) System.out.printf("  %s %s-%s %s %s%n", r.name(), hours(s.start()), hours(s.end()), s.trigger(), s.eventType());
      assertTrue(r.gaps().isEmpty(), r.name() + ": no drop, no gap: " + r.gaps());
      MainStreamRecorder.Stats st = r.recorder().stats();
      assertEquals(0, st.writeErrors());
      assertEquals(0, st.preRollOverflowGops());
      assertFalse(st.encoderOpened());
    }
    // continuous: one contiguous run over the whole day
    List<RecordingSegment> cont = query(runs.get("continuous").segments(), S, end);
    assertTrue(!cont.get(0).start().isAfter(S), "recording before the day starts: " + hours(cont.get(0).start()));
    assertTrue(cont.get(cont.size() - 1).end().isAfter(h(23)), "until the end: " + hours(cont.get(cont.size() - 1).end()));
    assertContiguous("continuous", cont);
    assertTrue(cont.size() >= 20, "about one 1 h segment per hour: " + cont.size());
    cont.forEach(s -> assertEquals("continuous", s.trigger()));
    // schedule: Friday up to 18:00 (h 6), nothing in the night, Saturday from 00:00 (h 12)
    List<RecordingSegment> sched = query(runs.get("schedule").segments(), S, end);
    for (RecordingSegment s : sched) {
      boolean friday = !s.end().isAfter(h(6).plus(GOP).plusSeconds(60)), saturday = !s.start().isBefore(h(12).minus(GOP).minusSeconds(60));
      assertTrue(friday || saturday, "inside a scheduled window (± one GOP): " + hours(s.start()) + "-" + hours(s.end()));
      assertEquals("schedule", s.trigger());
    }
    List<RecordingSegment> fri = query(sched, S, h(6)), sat = query(sched, h(12), end);
    assertContiguous("schedule Friday", fri);
    assertContiguous("schedule Saturday", sat);
    assertTrue(!fri.get(0).start().isAfter(S), "recording at 12:00 (in the window since 08:00): " + hours(fri.get(0).start()));
    assertTrue(fri.get(fri.size() - 1).end().compareTo(h(6)) >= 0, "Friday window recorded to 18:00: " + hours(fri.get(fri.size() - 1).end()));
    assertTrue(!sat.get(0).start().isAfter(h(12)), "Saturday from 00:00 (key frame at or before): " + hours(sat.get(0).start()));
    assertTrue(sat.get(sat.size() - 1).end().isAfter(h(23)));
    assertTrue(query(sched, h(7.2), h(10.8)).isEmpty(), "nothing between the windows");
    assertTrue(query(runs.get("schedule").segments(), h(-9), h(-5)).isEmpty(), "nothing before 08:00 on Friday");
    // motion: two windows [t - pre, until + post], nothing else (the other tenant's trigger ignored)
    List<RecordingSegment> motion = runs.get("motion").segments();
    assertWindow("motion", motion, h(6), h(6.1), "motion", "");
    assertWindow("motion", motion, h(15), h(15), "motion", "");
    assertEquals(motion.size(), query(motion, h(4) .minus(GOP).minusSeconds(60), h(9).plus(GOP).plusSeconds(60)).size()
        + query(motion, h(13).minus(GOP).minusSeconds(60), h(16).plus(GOP).plusSeconds(60)).size(), "only the two windows");
    // event: fire recorded with its type, loitering and motion ignored
    List<RecordingSegment> event = runs.get("event").segments();
    assertWindow("event", event, h(8), h(8.1), "event", "fire");
    assertEquals(event.size(), query(event, h(6).minus(GOP).minusSeconds(60), h(9.5).plus(GOP).plusSeconds(60)).size(), "only the fire window");
    assertEquals(1, runs.get("event").recorder().stats().triggersAccepted());
    assertEquals(2, runs.get("event").recorder().stats().triggersIgnored());
    // combination: continuous sub stream all day, event main stream around the intrusion only
    List<RecordingSegment> sub = query(runs.get("combo-sub").segments(), S, end);
    assertContiguous("combo sub", sub);
    assertTrue(!sub.get(0).start().isAfter(S) && sub.get(sub.size() - 1).end().isAfter(h(23)));
    sub.forEach(s -> assertEquals("sub", s.stream()));
    List<RecordingSegment> comboMain = runs.get("combo-main").segments();
    assertWindow("combo main", comboMain, h(13), h(13), "event", "intrusion");
    comboMain.forEach(s -> assertEquals("main", s.stream()));
    // every file: ffprobe
    int files = 0;
    for (Run r : runs.values()) {
      boolean subStream = r.name().equals("combo-sub");
      for (RecordingSegment s : r.segments()) {
        probe(s, subStream ? "640x360" : "1280x720");
        files++;
      }
    }
    System.out.printf("measured: %d files checked with ffprobe%n", files);
  }

  /** One RTSP session that reads a few packets (no recording). */
  static void warmUp(String url, String user, String password) throws Exception {
    String withCred = url.replace("rtsp://", "rtsp://" + user + ":" + password + "@");
    try (org.bytedeco.javacv.FFmpegFrameGrabber g = new org.bytedeco.javacv.FFmpegFrameGrabber(withCred)) {
      g.setOption("rtsp_transport", "tcp");
      g.start();
      for (int i = 0; i < 3; i++) {
        org.bytedeco.ffmpeg.avcodec.AVPacket p = g.grabPacket();
        if (p != null) org.bytedeco.ffmpeg.global.avcodec.av_packet_unref(p);
      }
      g.stop();
    }
  }

  /** Publishes a trigger on the bus 1.5 h (calendar) after its 'until', as a late AI result would arrive. */
  static void trigger(Vertx vertx, ScaledClock clock, String tenant, String camera, String kind, String type, Instant at, Instant until) {
    Instant sendAt = until.plus(Duration.ofMinutes(90));
    long delayMs = Math.max(1, Duration.between(clock.instant(), sendAt).toMillis() / (long) SCALE);
    vertx.setTimer(delayMs, t -> vertx.eventBus().publish(Addresses.RECORDING_TRIGGER, RecordingTriggers.message(tenant, camera, kind, type, at, until)));
  }

  /** The time-range query: segments overlapping [from, to), by start. */
  static List<RecordingSegment> query(List<RecordingSegment> all, Instant from, Instant to) {
    synchronized (all) {
      return all.stream().filter(s -> s.start().isBefore(to) && s.end().isAfter(from)).sorted(Comparator.comparing(RecordingSegment::start))
          .toList();
    }
  }

  static void assertContiguous(String what, List<RecordingSegment> segs) {
    assertFalse(segs.isEmpty(), what + ": footage");
    for (int i = 0; i + 1 < segs.size(); i++) {
      assertEquals(segs.get(i).end(), segs.get(i + 1).start(), what + ": end of one segment = start of the next at " + i);
    }
  }

  /** Footage of a trigger window: contiguous from at most one GOP after at - pre (and not more than a GOP before) to until + post. */
  static void assertWindow(String what, List<RecordingSegment> all, Instant at, Instant until, String trigger, String type) {
    Instant from = at.minus(PRE), to = until.plus(POST);
    List<RecordingSegment> w = query(all, from.minus(GOP).minusSeconds(60), to.plus(GOP).plusSeconds(60));
    assertContiguous(what + " window at " + hours(at), w);
    Instant first = w.get(0).start(), last = w.get(w.size() - 1).end();
    assertTrue(!first.isAfter(from.plus(GOP)), what + ": pre-roll from the key frame at or before t - pre: starts " + hours(first));
    assertTrue(!first.isBefore(from.minus(GOP).minusSeconds(60)), what + ": not earlier than one GOP before: " + hours(first));
    assertTrue(!last.isBefore(to), what + ": post-roll to until + post: ends " + hours(last));
    assertTrue(!last.isAfter(to.plus(GOP).plusSeconds(60)), what + ": closed at the next key frame: " + hours(last));
    for (RecordingSegment s : w) {
      assertEquals(trigger, s.trigger());
      assertEquals(type, s.eventType());
    }
  }

  static String hours(Instant t) {
    return String.format("h%.2f", Duration.between(S, t).toMillis() / 3_600_000.0);
  }

  /** ffprobe: the camera's codec and size, first packet a key frame, container duration = (end - start) / scale. */
  static void probe(RecordingSegment s, String size) throws Exception {
    assertTrue(Files.isRegularFile(s.path()), s.path().toString());
    assertEquals(s.stream(), s.path().getParent().getParent().getFileName().toString(), "layout <camera>/<stream>/<day>/<start>.mp4");
    assertEquals(s.cameraId(), s.path().getParent().getParent().getParent().getFileName().toString());
    Process p = new ProcessBuilder("/usr/bin/ffprobe", "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_entries",
        "stream=codec_name,width,height:format=duration:packet=flags", "-of", "json", s.path().toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    JsonObject j = new JsonObject(out);
    JsonObject st = j.getJsonArray("streams").getJsonObject(0);
    assertEquals("h264", st.getString("codec_name"));
    assertEquals(size, st.getInteger("width") + "x" + st.getInteger("height"));
    JsonArray pk = j.getJsonArray("packets");
    assertTrue(pk.getJsonObject(0).getString("flags").startsWith("K"), "first packet a key frame: " + s.path());
    double dur = Double.parseDouble(j.getJsonObject("format").getString("duration"));
    double expected = Duration.between(s.start(), s.end()).toMillis() / 1000.0 / SCALE;
    assertTrue(Math.abs(dur - expected) < 0.2, s.path() + ": file " + dur + " s, record " + expected + " s");
  }
}
