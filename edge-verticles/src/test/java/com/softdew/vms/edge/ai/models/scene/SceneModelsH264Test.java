package com.softdew.vms.edge.ai.models.scene;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.softdew.vms.edge.ai.scenes.FireScenes;
import com.softdew.vms.edge.ai.scenes.ObjectScenes;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import com.softdew.vms.edge.ai.scenes.TamperScenes;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The models on clips that went through H.264 (libopenh264 encode, FFmpeg decode) as camera video
 * does: compression blurs the sensor noise and adds block artefacts.
 */
class SceneModelsH264Test {
  @TempDir Path dir;

  private SyntheticClip roundTrip(SyntheticClip clip) throws Exception {
    Path mp4 = dir.resolve(clip.name() + ".mp4");
    clip.writeMp4(mp4);
    List<byte[]> frames = new ArrayList<>();
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(mp4.toFile()); OpenCVFrameConverter.ToMat conv = new OpenCVFrameConverter.ToMat()) {
      g.start();
      Frame f;
      while ((f = g.grabImage()) != null) {
        Mat bgr = conv.convert(f);
        frames.add(SyntheticClip.rgbOf(bgr));
      }
      g.stop();
    }
    assertEquals(clip.frames().size(), frames.size(), "every frame decoded");
    Files.deleteIfExists(mp4);
    return new SyntheticClip(clip.name() + "-h264", clip.width(), clip.height(), clip.fps(), frames, clip.labels(), clip.counts(), clip.zones());
  }

  @Test
  void fireAndNegativeSurviveH264() throws Exception {
    SyntheticClip flame = roundTrip(FireScenes.growingFlame(7, 320, 240));
    SceneRun.run(new FireModel(), flame, new JsonObject()).assertDetected(flame, null);
    SyntheticClip box = roundTrip(FireScenes.staticOrangeBox(8, 320, 240));
    SceneRun.run(new FireModel(), box, new JsonObject()).assertNone(box, "fire", "smoke");
  }

  @Test
  void smokeSurvivesH264() throws Exception {
    SyntheticClip smoke = roundTrip(FireScenes.risingSmoke(9, 320, 240));
    SceneRun.run(new FireModel(), smoke, new JsonObject()).assertDetected(smoke, null);
  }

  @Test
  void tamperAndObjectsSurviveH264() throws Exception {
    SyntheticClip defocus = roundTrip(TamperScenes.defocused(10, 320, 240));
    SceneRun.run(new TamperingModel(), defocus, new JsonObject()).assertDetected(defocus, "defocused");
    JsonObject fast = new JsonObject().put("missingSeconds", 2.0).put("abandonedSeconds", 2.0);
    SyntheticClip removed = roundTrip(ObjectScenes.objectRemoved(11, 320, 240));
    SceneRun.run(new MissingObjectModel(), removed, fast).assertDetected(removed, null);
    SyntheticClip abandoned = roundTrip(ObjectScenes.boxAbandoned(12, 320, 240));
    SceneRun.run(new MissingObjectModel(), abandoned, fast).assertDetected(abandoned, null);
  }
}
