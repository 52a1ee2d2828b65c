package com.softdew.vms.edge.ai.models.anpr;

import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.InferenceDevice;
import com.softdew.vms.edge.ai.scenes.PlateScenes;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * ANPR inference benchmark (scripts/bench/anpr.sh; never part of CI): on the plate crops the detector
 * cuts out of rendered 640x480 scenes, recogniser throughput batched vs one crop per call, and the
 * detector's milliseconds per frame, one frame per call and {@code detBatch} frames per call.
 * Prints {@code RESULT key value} lines.
 *
 * <p>Usage: {@code AnprBenchmark [threads] [repetitions] [recBatch]}, or
 * {@code AnprBenchmark accuracy [clips] [minIntervalMs] [WxH]} for a passage-level accuracy run.
 */
public final class AnprBenchmark {
  private AnprBenchmark() {}

  /**
   * Passages of {@code n} positive clips (random plates, seeds 1..n) and {@code n} negatives (no plate,
   * blank plate alternately) through an {@link AnprModel} session with default parameters but
   * {@code minIntervalMs}: prints the plates read right, read wrong, missed, and false reports.
   */
  static void accuracy(int n, int minIntervalMs, String size) throws Exception {
    int w = Integer.parseInt(size.split("x")[0]), h = Integer.parseInt(size.split("x")[1]);
    int right = 0, wrong = 0, missed = 0, falseReports = 0;
    String letters = "ABCDEFGHJKLMNPRSTUVWXYZ", digits = "0123456789";
    try (AnprModel m = new AnprModel()) {
      m.init(new com.softdew.vms.edge.ai.ModelEnvironment(new JsonObject(), java.nio.file.Path.of("."), InferenceDevice.CPU));
      for (int i = 1; i <= 2 * n; i++) {
        java.util.Random r = new java.util.Random(i);
        boolean positive = i <= n;
        String plate = "";
        if (positive) {
          StringBuilder sb = new StringBuilder();
          for (int k = 0; k < 2; k++) sb.append(letters.charAt(r.nextInt(letters.length())));
          if (r.nextBoolean()) sb.append(' ');
          for (int k = 0; k < 3 + r.nextInt(2); k++) sb.append(digits.charAt(r.nextInt(10)));
          if (r.nextBoolean()) sb.append(' ');
          for (int k = 0; k < r.nextInt(3); k++) sb.append(letters.charAt(r.nextInt(letters.length())));
          plate = sb.toString();
        }
        PlateScenes.PlateKind kind = positive ? PlateScenes.PlateKind.TEXT : i % 2 == 0 ? PlateScenes.PlateKind.NONE : PlateScenes.PlateKind.BLANK;
        SyntheticClip clip = PlateScenes.render(plate, kind, i, w, h, 15, 3.0);
        List<String> reported = new ArrayList<>();
        List<FrameView> views = clip.views();
        var cam = new com.softdew.vms.edge.ai.CameraContext("bench", "cam" + i, List.of(),
            m.params().resolve(new JsonObject().put("minIntervalMs", minIntervalMs)), com.softdew.vms.edge.ai.FrameGeometry.identity(w, h), 15);
        try (var s = m.open(cam)) {
          for (int k = 0; k < views.size(); k += 15) {
            s.analyze(views.subList(k, Math.min(views.size(), k + 15))).forEach(x -> x.alarms().forEach(a -> reported.add(a.key())));
          }
          List<FrameView> tail = new ArrayList<>();
          for (int k = 0; k < 15; k++) {
            long idx = views.size() + k;
            tail.add(new FrameView(idx, Math.round(idx * 1000 / 15.0), w, h, clip.frames().get(clip.frames().size() - 1)));
          }
          s.analyze(tail).forEach(x -> x.alarms().forEach(a -> reported.add(a.key())));
          tail.forEach(FrameView::close);
        } finally {
          views.forEach(FrameView::close);
        }
        String want = positive ? PlateScenes.normalised(plate) : null;
        if (positive) {
          if (reported.contains(want)) right++;
          else if (reported.isEmpty()) missed++;
          else wrong++;
          falseReports += (int) reported.stream().filter(x -> !x.equals(want)).count();
        } else {
          falseReports += reported.size();
        }
        System.out.println("clip " + clip.name() + " reported " + reported);
      }
      System.out.printf(Locale.ROOT, "RESULT accuracy_clips %d positive + %d negative, %s, minIntervalMs %d%n", n, n, size, minIntervalMs);
      System.out.printf(Locale.ROOT, "RESULT right %d wrong %d missed %d false_reports %d%n", right, wrong, missed, falseReports);
      System.out.printf(Locale.ROOT, "RESULT det_ms_per_image %.1f rec_ms_per_crop %.1f%n", m.ocr().detMsPerImage(), m.ocr().recMsPerCrop());
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("accuracy")) {
      accuracy(args.length > 1 ? Integer.parseInt(args[1]) : 6, args.length > 2 ? Integer.parseInt(args[2]) : 0,
          args.length > 3 ? args[3] : "640x480");
      return;
    }
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int recBatch = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    OcrModelFiles files = OcrModelFiles.locate(new JsonObject(), System.getenv());
    List<FrameView> views = new ArrayList<>();
    for (String plate : List.of("AB123CD", "KX 4821", "7TRZ905")) views.addAll(PlateScenes.positive(plate, plate.hashCode()).views());
    List<Mat> frames = new ArrayList<>();
    for (FrameView v : views) frames.add(v.bgr());
    List<Mat> crops = new ArrayList<>();
    try (PlateOcr ocr = PlateOcr.load(files, threads, InferenceDevice.CPU)) {
      PlateOcr.Options o = PlateOcr.Options.DEFAULT;
      // detector, one frame per call (also collects the crops)
      List<Mat> warm = frames.subList(0, 4);
      ocr.detectPlates(warm, null, o);
      long t0 = System.nanoTime();
      for (Mat f : frames) {
        for (TextBox b : ocr.detectPlates(List.of(f), null, o).get(0)) crops.add(PlateOcr.crop(f, b));
      }
      double detSingle = (System.nanoTime() - t0) / 1e6 / frames.size();
      t0 = System.nanoTime();
      ocr.detectPlates(frames, null, o);
      double detBatched = (System.nanoTime() - t0) / 1e6 / frames.size();
      // recogniser
      ocr.recognize(crops.subList(0, Math.min(4, crops.size())), 4);
      long single = 0, batched = 0;
      int agree = 0;
      for (int r = 0; r < reps; r++) {
        t0 = System.nanoTime();
        List<CtcGreedyDecoder.Text> one = new ArrayList<>();
        for (Mat c : crops) one.addAll(ocr.recognize(List.of(c), 1));
        single += System.nanoTime() - t0;
        t0 = System.nanoTime();
        List<CtcGreedyDecoder.Text> many = ocr.recognize(crops, recBatch);
        batched += System.nanoTime() - t0;
        for (int i = 0; i < crops.size(); i++) if (one.get(i).text().equals(many.get(i).text())) agree++;
      }
      double n = (double) crops.size() * reps;
      double singleRate = n / (single / 1e9), batchedRate = n / (batched / 1e9);
      System.out.printf(Locale.ROOT, "RESULT threads %d%n", threads);
      System.out.printf(Locale.ROOT, "RESULT frames %d%n", frames.size());
      System.out.printf(Locale.ROOT, "RESULT det_ms_per_frame_single %.1f%n", detSingle);
      System.out.printf(Locale.ROOT, "RESULT det_ms_per_frame_batch%d %.1f%n", o.detBatch(), detBatched);
      System.out.printf(Locale.ROOT, "RESULT crops %d%n", crops.size());
      System.out.printf(Locale.ROOT, "RESULT rec_crops_per_s_single %.1f%n", singleRate);
      System.out.printf(Locale.ROOT, "RESULT rec_crops_per_s_batch%d %.1f%n", recBatch, batchedRate);
      System.out.printf(Locale.ROOT, "RESULT rec_batched_over_single %.2f%n", batchedRate / singleRate);
      System.out.printf(Locale.ROOT, "RESULT rec_same_text_batched_vs_single %.3f%n", agree / n);
    } finally {
      for (Mat c : crops) c.close();
      for (FrameView v : views) v.close();
    }
  }
}
