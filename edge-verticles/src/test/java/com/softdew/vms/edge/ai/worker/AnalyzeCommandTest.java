package com.softdew.vms.edge.ai.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The analyze command on a real H.264 clip (480x270, 30 fps: letterboxed with bars, rate-converted to 15 fps). */
class AnalyzeCommandTest {
  @TempDir
  static Path dir;
  static Path clip;
  /** Source pixels: the white box's left edge on frame n (BlobFrames scaled by 480/640). */
  static double x(long n) { return 0.75 * (20 + 4 * n); }

  @BeforeAll
  static void writeClip() throws Exception {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < 60; i++) frames.add(BlobFrames.frame(i, 480, 270));
    clip = dir.resolve("blobs.mp4");
    new SyntheticClip("blobs", 480, 270, 30, frames, List.of(), List.of(), List.of()).writeMp4(clip);
  }

  record Run(int code, List<JsonObject> lines, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    int code = new AnalyzeCommand(null, null).run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    List<JsonObject> lines = new ArrayList<>();
    for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) if (!l.isBlank()) lines.add(new JsonObject(l));
    return new Run(code, lines, err.toString(StandardCharsets.UTF_8));
  }

  static final String ZONE = "door=0,0;152,0;152,270;0,270"; // source pixels: the box centre 45+3n is inside for n <= 35

  @Test
  void everyFrameWritesOneRecordPerFrameAndModelWithSourceBoxesAndTheEvent() throws Exception {
    Path out = dir.resolve("every.jsonl");
    Run r = run("--input", clip.toString(), "--models", "test-bright,test-dark", "--zone", ZONE, "--every-frame", "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    List<JsonObject> lines = new ArrayList<>();
    for (String l : Files.readAllLines(out)) lines.add(new JsonObject(l));
    List<JsonObject> bright = lines.stream().filter(j -> "test-bright".equals(j.getString("model"))).toList();
    List<JsonObject> dark = lines.stream().filter(j -> "test-dark".equals(j.getString("model"))).toList();
    assertEquals(60, bright.size());
    assertEquals(60, dark.size());
    for (JsonObject j : bright) {
      assertEquals(Set.of("frame", "ptsMs", "model", "count", "detections"), j.fieldNames());
      long n = j.getLong("frame");
      assertEquals(n * 1000.0 / 30, j.getLong("ptsMs"), 1.0);
      assertEquals(1, j.getInteger("count"), j.encode());
      JsonObject d = j.getJsonArray("detections").getJsonObject(0);
      JsonArray box = d.getJsonArray("box");
      assertEquals(x(n), box.getInteger(0), 2.0, "x in source pixels, frame " + n + ": " + box);
      assertEquals(75, box.getInteger(1), 2.0, "y in source pixels (the 60 px letterbox bar removed): " + box);
      assertEquals(60, box.getInteger(2), 3.0);
      assertEquals(45, box.getInteger(3), 3.0);
      assertEquals("bright", d.getString("class"));
      assertEquals(n <= 35 ? "door" : null, d.getString("zone"), "frame " + n);
    }
    // the black box, plus the letterbox bars (black too: a real dark-blob detector sees them; they map to y < 0 / y >= 270)
    JsonArray darkBoxes = dark.get(0).getJsonArray("detections");
    JsonArray darkBox = darkBoxes.stream().map(o -> ((JsonObject) o).getJsonArray("box")).filter(b -> b.getInteger(1) >= 0
        && b.getInteger(1) < 270).findFirst().orElseThrow();
    assertEquals(300, darkBox.getInteger(0), 2.0);
    assertEquals(187.5, darkBox.getInteger(1), 2.0);
    assertEquals(3, darkBoxes.size(), "the black box and two bars: " + darkBoxes);
    List<JsonObject> events = lines.stream().filter(j -> j.containsKey("event")).toList();
    assertEquals(1, events.size(), events.toString());
    JsonObject ev = events.get(0);
    assertEquals(Set.of("event", "zone", "startFrame", "endFrame", "confidence"), ev.fieldNames());
    assertEquals("test-bright", ev.getString("event"));
    assertEquals("door", ev.getString("zone"));
    assertEquals(0, ev.getLong("startFrame"));
    assertEquals(35, ev.getLong("endFrame"));
    assertEquals(0.9, ev.getDouble("confidence"), 1e-9);
  }

  @Test
  void defaultRateIs15FpsWithSourceFrameNumbers() {
    Run r = run("--input", clip.toString(), "--models", "test-bright", "--zone=" + ZONE);
    assertEquals(0, r.code(), r.err());
    List<JsonObject> frames = r.lines().stream().filter(j -> j.containsKey("frame")).toList();
    assertEquals(30, frames.size(), 1.0, "2 s at 15 fps");
    long prevPts = -1, prevN = -1;
    for (JsonObject j : frames) {
      long n = j.getLong("frame");
      assertTrue(n > prevN && j.getLong("ptsMs") > prevPts, "increasing: " + j.encode());
      prevN = n;
      prevPts = j.getLong("ptsMs");
      assertEquals(x(n), j.getJsonArray("detections").getJsonObject(0).getJsonArray("box").getInteger(0), 2.0,
          "the box is where source frame " + n + " has it");
    }
    assertTrue(frames.get(1).getLong("frame") - frames.get(0).getLong("frame") == 2, "every second source frame");
    List<JsonObject> events = r.lines().stream().filter(j -> j.containsKey("event")).toList();
    assertEquals(1, events.size());
    assertTrue(events.get(0).getLong("startFrame") <= 1);
    long lastInZone = frames.stream().mapToLong(j -> j.getLong("frame")).filter(n -> n <= 35).max().orElseThrow();
    assertEquals(lastInZone, events.get(0).getLong("endFrame"), "the last analysed source frame with the box in the zone");
  }

  @Test
  void badArgumentsExitWith2AndNameTheArgument() {
    Run bad = run("--input", clip.toString(), "--models", "test-bright", "--zone", "door=1,2;3");
    assertEquals(2, bad.code());
    assertTrue(bad.err().startsWith("analyze: --zone 'door=1,2;3'"), bad.err());
    assertEquals(1, bad.err().strip().lines().count(), bad.err());
    assertTrue(bad.lines().isEmpty());
    Run unknown = run("--input", clip.toString(), "--models", "nope");
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().contains("--models: unknown model 'nope'"), unknown.err());
    Run noInput = run("--models", "test-bright");
    assertEquals(2, noInput.code());
    assertTrue(noInput.err().contains("--input is required"), noInput.err());
    Run missing = run("--input", dir.resolve("none.mp4").toString(), "--models", "test-bright");
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("--input") && missing.err().contains("no such file"), missing.err());
    Run stray = run("--input", clip.toString(), "--models", "test-bright", "--fast");
    assertEquals(2, stray.code());
    assertTrue(stray.err().startsWith("analyze: --fast: unknown argument"), stray.err());
  }
}
