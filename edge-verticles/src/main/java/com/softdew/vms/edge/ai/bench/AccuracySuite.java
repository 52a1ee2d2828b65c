package com.softdew.vms.edge.ai.bench;

import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelEnvironment;
import com.softdew.vms.edge.ai.Perception;
import com.softdew.vms.edge.ai.perception.DefaultPerception;
import com.softdew.vms.edge.ai.perception.ObjectDetector;
import com.softdew.vms.edge.ai.scenes.FireScenes;
import com.softdew.vms.edge.ai.scenes.MotionScenes;
import com.softdew.vms.edge.ai.scenes.ObjectScenes;
import com.softdew.vms.edge.ai.scenes.PeopleScenes;
import com.softdew.vms.edge.ai.scenes.PlateScenes;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import com.softdew.vms.edge.ai.scenes.TamperScenes;
import com.softdew.vms.edge.ai.worker.AnalyzeCommand;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The accuracy suite (issue 7): labelled clips → H.264 MP4 → the {@code analyze} command (the same model
 * code the workers run) → events compared with the labels. Prints precision and recall per model and
 * the count error of crowd, and writes a JSON summary. Not a unit test and not part of CI:
 * {@code scripts/bench/accuracy.sh} runs it and renders {@code docs/benchmarks/accuracy.md}.
 *
 * <p>Where the clips come from: every clip is rendered by the scene generators in
 * {@code com.softdew.vms.edge.ai.scenes} with seeds that the unit tests do not use, and labelled by
 * construction (the generator knows when the flame starts, when the cover slides in, who is where).
 * The people clips are drawn figures that OpenCV's HOG detector does not recognise as people, so the
 * people models are scored with an <b>oracle detector</b> that returns the scene's true boxes: their
 * score measures the models' logic (zones, dwell, tracking, timing) after H.264, not person detection.
 * HOG on real pedestrians (Debian's vtest.avi) is covered by the unit tests, not scored here.
 *
 * <p>Matching: an event matches a label of the same type when their frame ranges overlap (the label's
 * range extended by {@code slackSeconds} after its end, since a model may confirm late); precision =
 * matching events / events, recall = matched labels / labels.
 */
public final class AccuracySuite {
  /**
   * One clip for one model; {@code truth} non-null = scored with the oracle detector; {@code params} =
   * the model parameters the scene was designed for (passed as {@code --param}), e.g. a 2 s dwell in a
   * 7 s clip where the default is 5 s.
   */
  record Case(String model, SyntheticClip clip, List<List<Detection>> truth, Map<String, String> params) {
    Case(String model, SyntheticClip clip, List<List<Detection>> truth) {
      this(model, clip, truth, Map.of());
    }
  }

  record Score(String model, int clips, int labels, int matchedLabels, int events, int matchingEvents, double meanDelaySeconds,
      double countMae, int countFrames, long ms) {
    double precision() { return events == 0 ? (labels == 0 ? 1 : 0) : matchingEvents / (double) events; }
    double recall() { return labels == 0 ? 1 : matchedLabels / (double) labels; }
  }

  private static final double SLACK_SECONDS = 3;

  public static void main(String[] argv) throws Exception {
    Path work = Path.of(argv.length > 0 ? argv[0] : "target/accuracy");
    int seeds = argv.length > 1 ? Integer.parseInt(argv[1]) : 3;
    Files.createDirectories(work);
    List<Case> cases = cases(seeds);
    Map<String, List<Case>> byModel = new LinkedHashMap<>();
    for (Case c : cases) byModel.computeIfAbsent(c.model(), k -> new ArrayList<>()).add(c);
    List<Score> scores = new ArrayList<>();
    for (Map.Entry<String, List<Case>> e : byModel.entrySet()) scores.add(score(e.getKey(), e.getValue(), work));
    System.out.println();
    System.out.printf(Locale.ROOT, "%-17s %5s %6s %7s %9s %7s %9s %10s%n", "model", "clips", "labels", "events", "precision", "recall",
        "delay s", "count MAE");
    io.vertx.core.json.JsonArray out = new io.vertx.core.json.JsonArray();
    for (Score s : scores) {
      System.out.printf(Locale.ROOT, "%-17s %5d %6d %7d %9.2f %7.2f %9.2f %10s%n", s.model(), s.clips(), s.labels(), s.events(), s.precision(),
          s.recall(), s.meanDelaySeconds(), s.countFrames() == 0 ? "-" : String.format(Locale.ROOT, "%.2f", s.countMae()));
      out.add(new JsonObject().put("model", s.model()).put("clips", s.clips()).put("labels", s.labels()).put("matchedLabels", s.matchedLabels())
          .put("events", s.events()).put("matchingEvents", s.matchingEvents()).put("precision", s.precision()).put("recall", s.recall())
          .put("meanDelaySeconds", s.meanDelaySeconds()).put("countMae", s.countFrames() == 0 ? null : s.countMae())
          .put("oracle", byModel.get(s.model()).get(0).truth() != null).put("ms", s.ms()));
    }
    Files.writeString(work.resolve("accuracy.json"), out.encodePrettily());
    System.out.println("summary: " + work.resolve("accuracy.json"));
  }

  /** The labelled clips, {@code seeds} variants of each scene where the generator takes a seed. */
  static List<Case> cases(int seeds) {
    List<Case> c = new ArrayList<>();
    int w = 320, h = 240;
    for (int i = 0; i < seeds; i++) {
      long s = 1000 + i;
      c.add(new Case("motion", MotionScenes.walker(s, w, h), null));
      c.add(new Case("motion", MotionScenes.walkerThroughZone(s, w, h), null));
      c.add(new Case("motion", MotionScenes.walkerOutsideZone(s, w, h), null));
      c.add(new Case("motion", MotionScenes.lightChanges(s, w, h), null));
      c.add(new Case("motion", MotionScenes.dimming(s, w, h), null));
      c.add(new Case("tampering", TamperScenes.covered(s, w, h), null));
      c.add(new Case("tampering", TamperScenes.defocused(s, w, h), null));
      c.add(new Case("tampering", TamperScenes.moved(s, w, h), null));
      c.add(new Case("tampering", TamperScenes.lightChange(s, w, h), null));
      c.add(new Case("tampering", TamperScenes.untouched(s, w, h), null));
      c.add(new Case("fire", FireScenes.growingFlame(s, w, h), null));
      c.add(new Case("fire", FireScenes.risingSmoke(s, w, h), null));
      c.add(new Case("fire", FireScenes.staticOrangeBox(s, w, h), null));
      c.add(new Case("fire", FireScenes.orangeWall(s, w, h), null));
      Map<String, String> fast = Map.of("missingSeconds", "2", "abandonedSeconds", "2"); // 7 s clips; defaults are 5 s
      c.add(new Case("missingObject", ObjectScenes.objectRemoved(s, w, h), null, fast));
      c.add(new Case("missingObject", ObjectScenes.objectStays(s, w, h), null, fast));
      c.add(new Case("missingObject", ObjectScenes.boxAbandoned(s, w, h), null, fast));
      c.add(new Case("missingObject", ObjectScenes.boxPassing(s, w, h), null, fast));
    }
    // people scenes are parametric, not seeded: vary the parameters instead (params = what the scene was drawn for)
    addPeople(c, "intrusion", Map.of("minDwellSeconds", "1"), PeopleScenes.intrusion(true, 1.0), PeopleScenes.intrusion(false, 1.0));
    addPeople(c, "crowd", Map.of("maxPeople", "6", "minSeconds", "1"), PeopleScenes.crowd(8, 6, 1.0), PeopleScenes.crowd(4, 6, 1.0));
    addPeople(c, "crowd", Map.of("maxPeople", "5", "minSeconds", "1"), PeopleScenes.crowd(7, 5, 1.0), PeopleScenes.crowd(3, 5, 1.0));
    addPeople(c, "fallen", Map.of("minDownSeconds", "2"), PeopleScenes.fallen(true, 2.0), PeopleScenes.fallen(false, 2.0));
    addPeople(c, "tailgating", Map.of("windowSeconds", "3", "doorZone", "door"), PeopleScenes.tailgating(1.0, 3.0),
        PeopleScenes.tailgating(5.0, 3.0), PeopleScenes.tailgating(1.5, 3.0));
    addPeople(c, "abnormalBehavior", Map.of(), PeopleScenes.running(3.0), PeopleScenes.running(0.6), PeopleScenes.fighting(true),
        PeopleScenes.fighting(false));
    addPeople(c, "abnormalBehavior", Map.of("loiterSeconds", "8"), PeopleScenes.loitering(true, 8.0), PeopleScenes.loitering(false, 8.0));
    addPlates(c);
    return c;
  }

  private static void addPeople(List<Case> c, String model, Map<String, String> params, PeopleScenes.Scene... scenes) {
    for (PeopleScenes.Scene s : scenes) c.add(new Case(model, s.clip(), s.truth(), params));
  }

  /** ANPR clips (label zone = plate text); skipped with a line when the OCR networks are not installed. */
  private static void addPlates(List<Case> c) {
    try {
      new com.softdew.vms.edge.ai.models.anpr.AnprModel().init(new ModelEnvironment(new JsonObject(), Path.of("target"),
          com.softdew.vms.edge.ai.InferenceDevice.CPU));
    } catch (Exception e) {
      System.out.println("anpr: skipped, OCR models not available (" + e.getMessage() + "); run scripts/fetch-models.sh");
      return;
    }
    String[] plates = {"AB123CD", "KX4821", "7TRZ905", "MH12DE1433", "B4DGER"};
    for (int i = 0; i < plates.length; i++) c.add(new Case("anpr", PlateScenes.positive(plates[i], 2000 + i), null));
    for (int i = 0; i < 3; i++) {
      c.add(new Case("anpr", PlateScenes.noPlate(3000 + i), null));
      c.add(new Case("anpr", PlateScenes.blankPlate(4000 + i), null));
    }
  }

  private static Score score(String model, List<Case> cases, Path work) throws Exception {
    int labels = 0, matchedLabels = 0, events = 0, matchingEvents = 0, countFrames = 0;
    double delaySum = 0, countErr = 0;
    int delayN = 0;
    long t0 = System.currentTimeMillis();
    int k = 0;
    for (Case c : cases) {
      Path mp4 = work.resolve(model + "-" + (k++) + "-" + c.clip().name().replaceAll("[^A-Za-z0-9_.-]", "_") + ".mp4");
      c.clip().writeMp4(mp4);
      Path out = work.resolve(mp4.getFileName() + ".jsonl");
      List<String> args = new ArrayList<>(List.of("--input", mp4.toString(), "--models", model, "--every-frame", "--out", out.toString()));
      c.params().forEach((name, v) -> {
        args.add("--param");
        args.add(model + "." + name + "=" + v);
      });
      for (String z : c.clip().zones()) {
        args.add("--zone");
        args.add(z);
      }
      Function<ModelEnvironment, Perception> perception = c.truth() == null ? null : env -> oracle(c);
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int rc = new AnalyzeCommand(perception, null).run(args.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream()),
          new PrintStream(err, true, StandardCharsets.UTF_8));
      if (rc != 0) throw new IllegalStateException("analyze failed on " + mp4 + ": " + err.toString(StandardCharsets.UTF_8));
      List<JsonObject> evs = new ArrayList<>();
      Map<Long, Integer> counts = new LinkedHashMap<>();
      for (String line : Files.readAllLines(out)) {
        if (line.isBlank()) continue;
        JsonObject j = new JsonObject(line);
        if (j.containsKey("event")) evs.add(j);
        else if (model.equals(j.getString("model"))) counts.merge(j.getLong("frame"), j.getInteger("count", 0), Math::max);
      }
      long slack = Math.round(SLACK_SECONDS * c.clip().fps());
      boolean[] eventMatches = new boolean[evs.size()];
      for (SyntheticClip.Label l : c.clip().labels()) {
        labels++;
        long firstMatch = Long.MAX_VALUE;
        for (int i = 0; i < evs.size(); i++) {
          JsonObject e = evs.get(i);
          if (!typeMatches(model, l, e)) continue;
          long s = e.getLong("startFrame"), en = e.getLong("endFrame");
          if (s <= l.endFrame() + slack && en >= l.startFrame()) {
            eventMatches[i] = true;
            firstMatch = Math.min(firstMatch, s);
          }
        }
        if (firstMatch != Long.MAX_VALUE) {
          matchedLabels++;
          delaySum += Math.max(0, firstMatch - l.startFrame()) / c.clip().fps();
          delayN++;
        }
      }
      events += evs.size();
      for (boolean b : eventMatches) if (b) matchingEvents++;
      if ("crowd".equals(model) && !c.clip().counts().isEmpty()) {
        for (Map.Entry<Long, Integer> e : counts.entrySet()) {
          int f = (int) (long) e.getKey();
          if (f < c.clip().counts().size()) {
            countErr += Math.abs(e.getValue() - c.clip().counts().get(f));
            countFrames++;
          }
        }
      }
      System.out.printf(Locale.ROOT, "%-17s %-40s labels %d events %d%n", model, c.clip().name(), c.clip().labels().size(), evs.size());
    }
    return new Score(model, cases.size(), labels, matchedLabels, events, matchingEvents, delayN == 0 ? 0 : delaySum / delayN,
        countFrames == 0 ? 0 : countErr / countFrames, countFrames, System.currentTimeMillis() - t0);
  }

  /** Same event type; for ANPR the label's zone carries the plate text, which must be the event's key. */
  private static boolean typeMatches(String model, SyntheticClip.Label l, JsonObject e) {
    String type = e.getString("event");
    if (!l.eventType().equals(type)) return false;
    if ("anpr".equals(model) && l.zone() != null) return l.zone().equals(e.getString("key"));
    return true;
  }

  /** The shared perception with a detector that returns the scene's true boxes, mapped into the analysed frame. */
  private static Perception oracle(Case c) {
    FrameGeometry g = FrameGeometry.letterbox(c.clip().width(), c.clip().height(), 640, 480);
    ObjectDetector truth = new ObjectDetector() {
      @Override
      public List<List<Detection>> detect(List<FrameView> frames) {
        List<List<Detection>> out = new ArrayList<>();
        for (FrameView f : frames) {
          List<Detection> ds = new ArrayList<>();
          if (f.index() < c.truth().size()) {
            for (Detection d : c.truth().get((int) f.index())) {
              com.softdew.vms.edge.ai.Box b = d.box();
              ds.add(d.withBox(new com.softdew.vms.edge.ai.Box(b.x() * g.scale() + g.offX(), b.y() * g.scale() + g.offY(),
                  b.w() * g.scale(), b.h() * g.scale())));
            }
          }
          out.add(ds);
        }
        return out;
      }

      @Override
      public String describe() {
        return "oracle (scene truth)";
      }
    };
    return new DefaultPerception(truth, DefaultPerception.Options.defaults().withMotionGating(false), null);
  }
}
