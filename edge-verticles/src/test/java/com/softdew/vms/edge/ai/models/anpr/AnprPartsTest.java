package com.softdew.vms.edge.ai.models.anpr;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.Box;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hand-written parts of ANPR, without the networks. */
class AnprPartsTest {
  @Test
  void ctcGreedyMergesRepeatsAndDropsBlanks() {
    CtcGreedyDecoder d = new CtcGreedyDecoder(List.of("A", "B", "1"));
    assertEquals(5, d.classCount());
    // steps: A A blank A B B 1 space  -> "AAB1 "
    int[] best = {1, 1, 0, 1, 2, 2, 3, 4};
    float[] p = new float[best.length * 5];
    for (int t = 0; t < best.length; t++) {
      for (int k = 0; k < 5; k++) p[t * 5 + k] = 0.05f;
      p[t * 5 + best[t]] = t == 6 ? 0.6f : 0.8f;
    }
    CtcGreedyDecoder.Text x = d.decode(p, 0, best.length);
    assertEquals("AAB1 ", x.text());
    assertEquals((0.8 * 4 + 0.6) / 5, x.confidence(), 1e-6);
    assertEquals(0, d.decode(new float[] {0.9f, 0.1f, 0, 0, 0}, 0, 1).confidence());
  }

  @Test
  void dbPostProcessingFindsAndUnclipsATextKernel() {
    // a 40x10 "kernel" of probability 0.9 at (20,30) on a 128x96 map; the image is twice the map size
    try (Mat prob = new Mat(96, 128, CV_32F)) {
      float[] v = new float[96 * 128];
      for (int y = 30; y < 40; y++) for (int x = 20; x < 60; x++) v[y * 128 + x] = 0.9f;
      v[80 * 128 + 100] = 0.95f; // a lone pixel: below min size
      new FloatPointer(prob.data()).put(v);
      List<TextBox> boxes = DbPostProcessor.boxes(prob, 2, 2, 256, 192, DbPostProcessor.Params.PADDLE);
      assertEquals(1, boxes.size(), boxes.toString());
      TextBox b = boxes.get(0);
      assertEquals(0.9, b.score(), 0.02);
      // minAreaRect of the pixel block is ~39x9 (pixel centres) -> d = 39*9*1.5/(2*48) = 5.5 -> ~50x20 map px -> x2 in the image
      assertEquals(100, b.width(), 6);
      assertEquals(40, b.height(), 6);
      assertEquals(80, b.bounds().cx(), 2);
      assertEquals(69, b.bounds().cy(), 2);
    }
  }

  @Test
  void unclipGrowsEverySideByAreaTimesRatioOverPerimeter() {
    double[] r = DbPostProcessor.unclip(new double[] {0, 0, 100, 0, 100, 20, 0, 20}, 1.5);
    double d = 100 * 20 * 1.5 / 240;
    assertEquals(-d, r[0], 1e-9);
    assertEquals(-d, r[1], 1e-9);
    assertEquals(100 + d, r[4], 1e-9);
    assertEquals(20 + d, r[5], 1e-9);
  }

  @Test
  void wordsOfOneLineAreJoined() {
    TextBox kx = new TextBox(new double[] {10, 10, 40, 10, 40, 30, 10, 30}, 0.9);
    TextBox num = new TextBox(new double[] {55, 11, 120, 11, 120, 31, 55, 31}, 0.8);
    TextBox below = new TextBox(new double[] {10, 80, 120, 80, 120, 100, 10, 100}, 0.9);
    List<TextBox> m = PlateOcr.mergeLine(List.of(kx, num, below));
    assertEquals(2, m.size());
    assertEquals(110, m.get(0).width(), 1e-9);
    assertEquals(21, m.get(0).height(), 1e-9);
  }

  @Test
  void plateTextIsNormalised() {
    assertEquals("AB123CD", PlateText.normalize("ab-123 cd"));
    assertEquals("KX4821", PlateText.normalize("ＫＸ·４８２１"));
    assertEquals("", PlateText.normalize("京·-"));
    assertTrue(PlateText.format(PlateText.DEFAULT_REGEX, "p").matcher("AB123CD").matches());
    assertTrue(!PlateText.format(PlateText.DEFAULT_REGEX, "p").matcher("STOP").matches());
  }

  @Test
  void trackerVotesOncePerPassage() {
    PlateTracker t = new PlateTracker(3, 30, 500, 10_000, 8, 1.5);
    String[] reads = {"AB123CD", "AB123C0", "AB123CD", null, "AB123CD", "A8123CD"};
    int decided = 0;
    for (int i = 0; i < reads.length; i++) {
      Box b = new Box(100 + 10 * i, 200, 120, 26);
      decided += t.update(i, i * 66L, List.of(new PlateTracker.Sighting(b, reads[i], 0.9))).size();
    }
    assertEquals(0, decided, "still in view");
    List<PlateTracker.Decision> d = t.update(20, 20 * 66L, List.of());
    assertEquals(1, d.size());
    assertEquals("AB123CD", d.get(0).plate());
    assertEquals(3, d.get(0).votes());
    assertEquals(5, d.get(0).validReads());
    assertEquals(6, d.get(0).sightings());
    // the same plate right after (a split passage): not reported again; much later: reported
    for (int i = 21; i < 25; i++) t.update(i, i * 66L, List.of(new PlateTracker.Sighting(new Box(300, 200, 120, 26), "AB123CD", 0.9)));
    assertTrue(t.update(40, 40 * 66L, List.of()).isEmpty());
    for (int i = 400; i < 404; i++) t.update(i, i * 66L, List.of(new PlateTracker.Sighting(new Box(300, 200, 120, 26), "AB123CD", 0.9)));
    assertEquals(1, t.update(420, 420 * 66L, List.of()).size());
  }

  @Test
  void trackerNeedsMinVotesAndIsBounded() {
    PlateTracker t = new PlateTracker(3, 4, 500, 0, 2, 1.5);
    // two disagreeing reads only: nothing
    t.update(0, 0, List.of(new PlateTracker.Sighting(new Box(0, 0, 100, 25), "AAA111", 0.9)));
    t.update(1, 66, List.of(new PlateTracker.Sighting(new Box(5, 0, 100, 25), "BBB222", 0.9)));
    assertTrue(t.update(30, 2000, List.of()).isEmpty());
    // a parked car: decided at maxVotes while still in view, once
    int decided = 0;
    for (int i = 0; i < 20; i++) decided += t.update(100 + i, 10_000 + i * 66L, List.of(new PlateTracker.Sighting(new Box(0, 0, 100, 25), "PARK42", 0.9))).size();
    assertEquals(1, decided);
    // three plates far apart with maxTracks 2: the oldest is dropped and counted
    t.update(200, 20_000, List.of(new PlateTracker.Sighting(new Box(0, 0, 50, 12), "X1", 0.9),
        new PlateTracker.Sighting(new Box(300, 0, 50, 12), "X2", 0.9), new PlateTracker.Sighting(new Box(0, 300, 50, 12), "X3", 0.9)));
    assertEquals(2, t.openTracks());
    assertTrue(t.dropped() >= 1);
  }

  @Test
  void missingModelsNameTheDirectoryAndTheScript(@TempDir Path dir) throws Exception {
    JsonObject settings = new JsonObject().put("anpr.modelDir", dir.toString());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> OcrModelFiles.locate(settings, Map.of()));
    assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("scripts/fetch-models.sh"), e.getMessage());
    assertNull(OcrModelFiles.find(settings, Map.of()));
    // VMS_MODELS_DIR with the npm layout below it
    Path assets = dir.resolve(OcrModelFiles.NPM_ASSETS);
    Files.createDirectories(assets);
    for (String f : List.of(OcrModelFiles.DET, OcrModelFiles.REC, OcrModelFiles.KEYS)) Files.writeString(assets.resolve(f), "x");
    assertEquals(assets, OcrModelFiles.locate(new JsonObject(), Map.of("VMS_MODELS_DIR", dir.toString())).dir());
    // and the init of the model says the same
    AnprModel m = new AnprModel();
    IllegalStateException init = assertThrows(IllegalStateException.class,
        () -> m.init(new com.softdew.vms.edge.ai.ModelEnvironment(settings, dir, com.softdew.vms.edge.ai.InferenceDevice.CPU)));
    assertTrue(init.getMessage().contains("scripts/fetch-models.sh"), init.getMessage());
  }

  @Test
  void paramsHaveDefaultsAndThreadsSetting() {
    JsonObject d = new AnprModel().params().defaults();
    assertEquals(3, d.getInteger("minVotes"));
    assertEquals(PlateText.DEFAULT_REGEX, d.getString("plateRegex"));
    assertEquals(2, AnprModel.threads(new JsonObject()));
    assertEquals(4, AnprModel.threads(new JsonObject().put("threads", 4)));
    assertEquals(List.of("AB123CD"), List.copyOf(AnprModel.watchList(List.of("ab 123-cd", " "))));
  }
}
