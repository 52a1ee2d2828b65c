package com.softdew.vms.edge.ai.perception;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;

import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Perception;
import com.softdew.vms.edge.ai.Zone;
import com.softdew.vms.edge.ai.models.people.AbnormalBehaviorModel;
import com.softdew.vms.edge.ai.models.people.CrowdModel;
import com.softdew.vms.edge.ai.models.people.FallenModel;
import com.softdew.vms.edge.ai.models.people.IntrusionModel;
import com.softdew.vms.edge.ai.models.people.TailgatingModel;
import com.softdew.vms.edge.ai.scenes.PeopleScenes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

/**
 * Benchmark (scripts/bench/people.sh, never a test): HOG on 640x480 frames of vtest.avi at upscale 1.0
 * and 1.5, the whole perception (gate + HOG + tracker), and each people model's own cost per frame on
 * the annotated frames (plus the fight scene, where abnormalBehavior computes optical flow).
 * Args: path-to-vtest.avi [frames (default 40)]. Prints a Markdown table.
 */
public final class PeopleBenchmark {
  private PeopleBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path video = Path.of(args[0]);
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    List<FrameView> frames = read(video, n);
    StringBuilder md = new StringBuilder("| what | ms/frame |\n|---|---|\n");
    for (double u : new double[] {1.0, 1.5}) {
      try (HogDetector hog = new HogDetector(HogDetector.Options.defaults().withUpscale(u))) {
        hog.detect(frames.subList(0, 2)); // warm-up
        long t0 = System.nanoTime();
        int found = 0;
        for (FrameView f : frames) found += hog.detect(List.of(f)).get(0).size();
        row(md, String.format(Locale.ROOT, "HOG 640x480, upscale %.1f (%.1f people/frame)", u, found / (double) n), t0, n);
      }
    }
    CameraContext cam = new CameraContext("bench", "vtest", List.of(), new JsonObject(), FrameGeometry.identity(640, 480), 10);
    try (DefaultPerception p = new DefaultPerception(new HogDetector(), DefaultPerception.Options.defaults(), new SimpleMeterRegistry())) {
      long t0 = System.nanoTime();
      p.annotate(List.of(new Perception.CameraFrames(cam, frames)));
      row(md, "perception: motion gate + HOG x1.5 + tracker (every vtest frame has motion)", t0, n);
    }
    Zone road = Zone.parse("road=150,215;300,215;300,300;150,300");
    List<AnalyticsModel> models = List.of(new IntrusionModel(), new CrowdModel(), new FallenModel(), new TailgatingModel(), new AbnormalBehaviorModel());
    for (AnalyticsModel m : models) {
      CameraContext c = new CameraContext("bench", "vtest", List.of(road), m.params().defaults(), FrameGeometry.identity(640, 480), 10);
      try (ModelSession s = m.open(c)) {
        long t0 = System.nanoTime();
        s.analyze(frames);
        row(md, m.id() + " on annotated vtest frames (model only)", t0, n);
      }
    }
    PeopleScenes.Scene fight = PeopleScenes.fighting(true);
    List<FrameView> ff = fight.clip().views();
    CameraContext fc = new CameraContext("bench", "fight", List.of(), new AbnormalBehaviorModel().params().defaults(),
        FrameGeometry.identity(PeopleScenes.W, PeopleScenes.H), PeopleScenes.FPS);
    try (DefaultPerception p = new DefaultPerception(new FixedBoxes(fight), DefaultPerception.Options.defaults(), new SimpleMeterRegistry());
        ModelSession s = new AbnormalBehaviorModel().open(fc)) {
      p.annotate(List.of(new Perception.CameraFrames(fc, ff)));
      long t0 = System.nanoTime();
      s.analyze(ff);
      row(md, "abnormalBehavior with two people close (optical flow every frame, fight scene, boxes 70 px)", t0, ff.size());
    }
    ff.forEach(FrameView::close);
    frames.forEach(FrameView::close);
    System.out.print(md);
  }

  /** The scene's own boxes as the detector (the benchmark measures the model, not the detector). */
  private record FixedBoxes(PeopleScenes.Scene scene) implements ObjectDetector {
    @Override
    public List<List<com.softdew.vms.edge.ai.Detection>> detect(List<FrameView> frames) {
      List<List<com.softdew.vms.edge.ai.Detection>> out = new ArrayList<>();
      for (FrameView f : frames) out.add(f.index() < scene.truth().size() ? scene.truth().get((int) f.index()) : List.of());
      return out;
    }

    @Override
    public String describe() {
      return "scene-boxes";
    }
  }

  private static void row(StringBuilder md, String what, long t0, int n) {
    md.append(String.format(Locale.ROOT, "| %s | %.2f |%n", what, (System.nanoTime() - t0) / 1e6 / n));
  }

  private static List<FrameView> read(Path video, int n) throws Exception {
    List<FrameView> out = new ArrayList<>();
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(video.toFile())) {
      g.setImageWidth(640);
      g.setImageHeight(480);
      g.setPixelFormat(AV_PIX_FMT_RGB24);
      g.start();
      Frame fr;
      int i = 0;
      while (out.size() < n && (fr = g.grabImage()) != null) {
        ByteBuffer buf = (ByteBuffer) fr.image[0];
        byte[] rgb = new byte[640 * 480 * 3];
        for (int y = 0; y < 480; y++) {
          buf.position(y * fr.imageStride);
          buf.get(rgb, y * 640 * 3, 640 * 3);
        }
        out.add(new FrameView(i, i * 100L, 640, 480, rgb));
        i++;
      }
      g.stop();
    }
    return out;
  }
}
