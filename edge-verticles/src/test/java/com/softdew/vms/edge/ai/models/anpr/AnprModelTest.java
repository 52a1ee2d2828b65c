package com.softdew.vms.edge.ai.models.anpr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.Alarm;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.edge.ai.ModelCatalog;
import com.softdew.vms.edge.ai.ModelEnvironment;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.scenes.PlateScenes;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ANPR model on real PP-OCRv4 networks and rendered scenes. Needs the npm models
 * (scripts/fetch-models.sh, run by scripts/test.sh); skipped, saying why, only when they are absent.
 */
class AnprModelTest {
  private static AnprModel model;
  private static String skipReason;

  @BeforeAll
  static void load() throws Exception {
    OcrModelFiles files = OcrModelFiles.find(new JsonObject(), System.getenv());
    if (files == null) {
      skipReason = "ANPR models not installed (looked in " + OcrModelFiles.candidates(new JsonObject(), System.getenv())
          + "): run scripts/fetch-models.sh; skipping the ANPR model tests";
      System.out.println(skipReason);
      return;
    }
    model = (AnprModel) ModelCatalog.load().get("anpr");
    assertNotNull(model, "anpr is registered in META-INF/services");
    model.init(new ModelEnvironment(new JsonObject().put("anpr.modelDir", files.dir().toString()).put("threads", 2), Path.of("target"),
        InferenceDevice.CPU));
  }

  @BeforeEach
  void needsModels() {
    Assumptions.assumeTrue(skipReason == null, skipReason);
  }

  @AfterAll
  static void close() {
    if (model != null) model.close();
  }

  @Test
  void ocrReadsRenderedPlatesExactly() throws Exception {
    for (String text : List.of("AB123CD", "KX 4821", "7TRZ905")) {
      try (Mat plate = PlateScenes.renderPlate(text, 240)) {
        List<PlateOcr.Read> reads = model.ocr().read(List.of(plate), PlateOcr.Options.DEFAULT).get(0);
        assertEquals(1, reads.size(), text + ": " + reads);
        assertEquals(PlateScenes.normalised(text), reads.get(0).text(), "read " + reads.get(0).raw());
        assertTrue(reads.get(0).confidence() > 0.8, "confidence " + reads.get(0).confidence());
      }
    }
  }

  @Test
  void vehicleBoxesLimitTheSearch() throws Exception {
    SyntheticClip clip = PlateScenes.positive("7TRZ905", 21);
    List<FrameView> views = clip.views();
    try {
      Mat frame = views.get(22).bgr(); // the car is near the centre
      List<PlateOcr.Read> whole = model.ocr().read(List.of(frame), PlateOcr.Options.DEFAULT).get(0);
      assertEquals(1, whole.size(), whole.toString());
      assertEquals("7TRZ905", whole.get(0).text());
      com.softdew.vms.edge.ai.Box plate = whole.get(0).box().bounds();
      // a vehicle box around the plate: found again, in frame coordinates
      com.softdew.vms.edge.ai.Box car = new com.softdew.vms.edge.ai.Box(plate.x() - 80, plate.y() - 120, plate.w() + 160, plate.h() + 170);
      List<PlateOcr.Read> inCar = model.ocr().read(List.of(frame), List.of(List.of(car)), PlateOcr.Options.DEFAULT).get(0);
      assertEquals(1, inCar.size(), inCar.toString());
      assertEquals("7TRZ905", inCar.get(0).text());
      assertTrue(inCar.get(0).box().bounds().iou(plate) > 0.6, inCar.get(0).box().bounds() + " vs " + plate);
      // a vehicle box elsewhere: the plate is not searched for
      com.softdew.vms.edge.ai.Box elsewhere = new com.softdew.vms.edge.ai.Box(0, 0, 160, 120);
      assertTrue(model.ocr().read(List.of(frame), List.of(List.of(elsewhere)), PlateOcr.Options.DEFAULT).get(0).isEmpty());
    } finally {
      views.forEach(FrameView::close);
    }
  }

  @Test
  void firesOnceWithThePlateOnAPositiveClip() {
    SyntheticClip clip = PlateScenes.positive("AB 123 CD", 3);
    SyntheticClip.Label label = clip.labels().get(0);
    assertEquals("AB123CD", label.zone());
    List<FrameResult> results = run(clip, new JsonObject(), 20, 5);
    List<Alarm> alarms = new ArrayList<>();
    List<Detection> plates = new ArrayList<>();
    long alarmFrame = -1;
    for (FrameResult r : results) {
      alarms.addAll(r.alarms());
      plates.addAll(r.detections());
      if (!r.alarms().isEmpty()) alarmFrame = r.frameIndex();
    }
    assertEquals(1, alarms.size(), "one alarm per passage: " + alarms);
    Alarm a = alarms.get(0);
    assertEquals("anpr", a.type());
    assertEquals("AB123CD", a.key());
    assertEquals(1, plates.size());
    JsonObject attrs = plates.get(0).attributes();
    assertEquals("AB123CD", attrs.getString("plate"));
    assertTrue(attrs.getInteger("votes") >= 3, attrs.encode());
    assertTrue(attrs.getDouble("ocrConfidence") >= 0.8, attrs.encode());
    assertEquals("t1", attrs.getString("tenantId"));
    // decided when the plate left the picture: after the label's first frame, within a second of its end
    assertTrue(alarmFrame > label.startFrame() && alarmFrame <= label.endFrame() + 20, "alarm at frame " + alarmFrame + ", label " + label);
    System.out.println("ANPR positive clip: " + a.reason() + " " + attrs.encode() + " at frame " + alarmFrame + ", label " + label.toJson()
        + "; det " + String.format("%.1f", model.ocr().detMsPerImage()) + " ms/frame, rec " + String.format("%.1f", model.ocr().recMsPerCrop())
        + " ms/crop (machine shared, indicative only)");
  }

  @Test
  void staysQuietWithoutAPlateOrWithABlankOne() {
    for (SyntheticClip clip : List.of(PlateScenes.render("", PlateScenes.PlateKind.NONE, 5, 640, 480, 15, 2.0),
        PlateScenes.render("", PlateScenes.PlateKind.BLANK, 6, 640, 480, 15, 2.0))) {
      assertTrue(clip.negative());
      for (FrameResult r : run(clip, new JsonObject(), 30, 0)) {
        assertTrue(r.alarms().isEmpty(), clip.name() + " frame " + r.frameIndex() + ": " + r.toJson());
        assertTrue(r.detections().isEmpty(), clip.name() + " frame " + r.frameIndex() + ": " + r.toJson());
      }
    }
  }

  @Test
  void watchListFiltersAlarmsButKeepsTheRead() {
    SyntheticClip clip = PlateScenes.render("KX 4821", PlateScenes.PlateKind.TEXT, 11, 640, 480, 15, 2.0);
    assertEquals("KX4821", clip.labels().get(0).zone());
    // not listed: the plate is read (a detection) but raises no alarm
    List<FrameResult> other = run(clip, new JsonObject().put("watchList", "XY 999 ZZ"), 40, 0);
    List<Detection> dets = other.stream().flatMap(r -> r.detections().stream()).toList();
    assertEquals(1, dets.size(), dets.toString());
    assertEquals("KX4821", dets.get(0).attributes().getString("plate"));
    assertFalse(dets.get(0).attributes().getBoolean("watchListed"));
    assertTrue(other.stream().allMatch(r -> r.alarms().isEmpty()));
    // listed (written with a dash and lower case): one alarm
    List<FrameResult> listed = run(clip, new JsonObject().put("watchList", "XY999ZZ, kx-4821"), 40, 0);
    List<Alarm> alarms = listed.stream().flatMap(r -> r.alarms().stream()).toList();
    assertEquals(1, alarms.size(), alarms.toString());
    assertEquals("KX4821", alarms.get(0).key());
    assertTrue(alarms.get(0).reason().contains("watch list"), alarms.get(0).reason());
  }

  @Test
  void badParamsAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.open(camera(new JsonObject().put("plateRegex", "[A-Z"))));
    assertTrue(e.getMessage().contains("models.anpr.params.plateRegex"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> model.open(camera(new JsonObject().put("minVotes", 5).put("maxVotes", 2))));
    assertTrue(e.getMessage().contains("maxVotes"), e.getMessage());
  }

  /**
   * Test settings on top of the overrides: every 2nd frame (keeps the tests short on a shared 2-core
   * machine) and a passage ends 400 ms after its plate was last seen.
   */
  private static JsonObject lean(JsonObject overrides) {
    return new JsonObject().put("minIntervalMs", 120).put("trackGapMs", 400).mergeIn(overrides);
  }

  private static CameraContext camera(JsonObject overrides) {
    return new CameraContext("t1", "cam1", List.of(), model.params().resolve(overrides), FrameGeometry.identity(640, 480), 15);
  }

  /**
   * Feeds the clip in segments of {@code segment} frames, each starting {@code overlap} frames before
   * the previous one ended (as segment jobs do), plus half a second of the last picture (an empty road)
   * so that the last passage ends; returns one result per distinct frame (the first one seen).
   */
  private static List<FrameResult> run(SyntheticClip clip, JsonObject params, int segment, int overlap) {
    List<FrameView> views = clip.views();
    try (ModelSession s = model.open(camera(lean(params)))) {
      List<FrameResult> out = new ArrayList<>();
      int start = 0;
      while (start < views.size()) {
        int end = Math.min(views.size(), start + segment);
        for (FrameResult r : s.analyze(views.subList(start, end))) {
          if (r.frameIndex() >= out.size()) out.add(r);
          else assertTrue(r.skipped() && r.alarms().isEmpty(), "an overlap frame is not counted twice: " + r.toJson());
        }
        if (end == views.size()) break;
        start = end - overlap;
      }
      // half a second more of the empty road so that the tracker sees the car has gone
      byte[] last = clip.frames().get(clip.frames().size() - 1);
      List<FrameView> tail = new ArrayList<>();
      for (int i = 0; i < (int) clip.fps() / 2; i++) {
        long idx = views.size() + i;
        tail.add(new FrameView(idx, Math.round(idx * 1000 / clip.fps()), clip.width(), clip.height(), last));
      }
      out.addAll(s.analyze(tail));
      tail.forEach(FrameView::close);
      return out;
    } finally {
      views.forEach(FrameView::close);
    }
  }
}
