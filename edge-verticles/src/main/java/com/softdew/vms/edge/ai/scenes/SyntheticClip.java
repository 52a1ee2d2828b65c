package com.softdew.vms.edge.ai.scenes;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import com.softdew.vms.edge.ai.FrameView;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A labelled test clip rendered with OpenCV: frames (packed RGB24) plus the ground truth a model should
 * report. Used by unit tests (frames straight into a model session), by the accuracy suite (written to
 * an H.264 MP4 and read back through the analyze command) and by the inference benchmark.
 *
 * <p>Scene generators live beside this class ({@code *Scenes}); each is deterministic for a seed, so a
 * failure reproduces.
 *
 * @param name   what the clip shows ("fire-growing-seed3")
 * @param labels ground truth: the events a model must report (empty for a negative clip)
 * @param counts per-frame expected count (e.g. people in zones for crowd), or empty when not labelled
 * @param zones  zones the clip was designed with, in the clip's pixels, as NAME=x1,y1;x2,y2;... specs
 */
public record SyntheticClip(String name, int width, int height, double fps, List<byte[]> frames, List<Label> labels,
    List<Integer> counts, List<String> zones) {
  public SyntheticClip {
    Objects.requireNonNull(name, "name");
    frames = List.copyOf(frames);
    labels = List.copyOf(labels);
    counts = List.copyOf(counts);
    zones = List.copyOf(zones);
    for (byte[] f : frames) if (f.length != width * height * 3) throw new IllegalArgumentException("frame size mismatch in " + name);
  }

  /**
   * One expected event.
   *
   * @param eventType model/event type ("fire", "intrusion"...)
   * @param zone      zone name or null
   * @param startFrame first frame where the condition holds (inclusive)
   * @param endFrame   last frame where it holds (inclusive)
   */
  public record Label(String eventType, String zone, long startFrame, long endFrame) {
    public JsonObject toJson() {
      return new JsonObject().put("event", eventType).put("zone", zone).put("startFrame", startFrame).put("endFrame", endFrame);
    }
  }

  /** True when the clip expects no event (a negative). */
  public boolean negative() {
    return labels.isEmpty();
  }

  /** Frames as views with ptsMs from the clip start; the caller closes them. */
  public List<FrameView> views() {
    List<FrameView> out = new ArrayList<>(frames.size());
    for (int i = 0; i < frames.size(); i++) out.add(new FrameView(i, Math.round(i * 1000 / fps), width, height, frames.get(i)));
    return out;
  }

  /** Converts an OpenCV BGR canvas to the packed RGB24 a clip holds. */
  public static byte[] rgbOf(Mat bgr) {
    try (Mat rgb = new Mat()) {
      cvtColor(bgr, rgb, COLOR_BGR2RGB);
      byte[] out = new byte[(int) (rgb.total() * rgb.channels())];
      rgb.data().get(out);
      return out;
    }
  }

  /** Writes the clip as H.264 MP4 (libopenh264, LGPL ffmpeg) plus a {@code .labels.json} beside it. */
  public void writeMp4(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toFile(), width, height, 0);
        OpenCVFrameConverter.ToMat conv = new OpenCVFrameConverter.ToMat()) {
      r.setFormat("mp4");
      r.setVideoCodecName("libopenh264");
      r.setVideoCodec(AV_CODEC_ID_H264);
      r.setPixelFormat(AV_PIX_FMT_YUV420P);
      r.setFrameRate(fps);
      r.setVideoBitrate(Math.max(500_000, width * height * 4));
      r.setGopSize((int) Math.max(1, Math.round(fps)));
      r.start();
      for (byte[] f : frames) {
        try (Mat rgb = new Mat(height, width, CV_8UC3); Mat bgr = new Mat()) {
          rgb.data().put(f);
          cvtColor(rgb, bgr, COLOR_BGR2RGB); // the swap is symmetric
          Frame frame = conv.convert(bgr);
          r.record(frame);
        }
      }
      r.stop();
    }
    JsonArray l = new JsonArray();
    labels.forEach(x -> l.add(x.toJson()));
    JsonObject meta = new JsonObject().put("name", name).put("width", width).put("height", height).put("fps", fps)
        .put("frames", frames.size()).put("labels", l).put("counts", new JsonArray(new ArrayList<>(counts)))
        .put("zones", new JsonArray(new ArrayList<>(zones)));
    Files.writeString(file.resolveSibling(file.getFileName() + ".labels.json"), meta.encodePrettily());
  }
}
