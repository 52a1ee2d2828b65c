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
 * <p>Usage: {@code AnprBenchmark [threads] [repetitions] [recBatch]}
 */
public final class AnprBenchmark {
  private AnprBenchmark() {}

  public static void main(String[] args) throws Exception {
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
