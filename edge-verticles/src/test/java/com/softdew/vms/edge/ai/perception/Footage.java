package com.softdew.vms.edge.ai.perception;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.softdew.vms.edge.ai.FrameView;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

/**
 * Real footage from Debian's opencv-doc package, fetched by scripts/fetch-footage.sh (scripts/test.sh
 * runs it) into ${VMS_FOOTAGE_DIR:-~/.cache/vms-footage}/opencv-doc. Tests skip when it is absent.
 */
public final class Footage {
  private Footage() {}

  public static Path dir() {
    String env = System.getenv("VMS_FOOTAGE_DIR");
    Path base = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "vms-footage");
    return base.resolve("opencv-doc");
  }

  /** The file, or the test is skipped (run scripts/fetch-footage.sh). */
  public static Path require(String name) {
    Path p = dir().resolve(name);
    assumeTrue(Files.isReadable(p), p + " missing: run scripts/fetch-footage.sh");
    return p;
  }

  /**
   * Frames {@code from} (inclusive) .. {@code from + count} of a video, scaled to width x height RGB24
   * (vtest.avi is 768x576 at 10 fps: 640x480 keeps its aspect), ptsMs from the file's start.
   */
  public static List<FrameView> frames(Path video, int from, int count, int width, int height) throws Exception {
    List<FrameView> out = new ArrayList<>();
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(video.toFile())) {
      g.setImageWidth(width);
      g.setImageHeight(height);
      g.setPixelFormat(AV_PIX_FMT_RGB24);
      g.start();
      double fps = g.getFrameRate();
      int i = 0;
      Frame fr;
      while (out.size() < count && (fr = g.grabImage()) != null) {
        if (i >= from) {
          ByteBuffer buf = (ByteBuffer) fr.image[0];
          int stride = fr.imageStride;
          byte[] rgb = new byte[width * height * 3];
          for (int y = 0; y < height; y++) {
            buf.position(y * stride);
            buf.get(rgb, y * width * 3, width * 3);
          }
          out.add(new FrameView(i, Math.round(i * 1000 / fps), width, height, rgb));
        }
        i++;
      }
      g.stop();
    }
    return out;
  }
}
