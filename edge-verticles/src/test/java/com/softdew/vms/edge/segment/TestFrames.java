package com.softdew.vms.edge.segment;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_8;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

import com.softdew.vms.edge.normalize.NormalizedFrame;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;

/** Real moving test-pattern frames drawn with OpenCV, and ffprobe / decoder helpers to check the files. */
public final class TestFrames {
  public static final int W = 640;
  public static final int H = 480;

  private TestFrames() {}

  /** Frame {@code i} at {@code fps}: scrolling vertical stripes, a moving box and the frame number as text. */
  public static byte[] pattern(int i) {
    try (Mat m = new Mat(H, W, CV_8UC3, new Scalar(30, 30, 60, 0))) {
      int shift = (i * 4) % 64;
      for (int x = -64; x < W; x += 64) {
        rectangle(m, new Point(x + shift, 300), new Point(x + shift + 31, H - 1), new Scalar(200, 200, 200, 0), FILLED, LINE_8, 0);
      }
      int bx = (i * 9) % (W - 120);
      rectangle(m, new Point(bx, 120), new Point(bx + 120, 260), new Scalar(230, 60, 20, 0), FILLED, LINE_8, 0);
      putText(m, "frame " + i, new Point(20, 70), FONT_HERSHEY_SIMPLEX, 1.6, new Scalar(255, 255, 255, 0), 3, LINE_8, false);
      byte[] b = new byte[W * H * 3];
      m.data().get(b);
      return b;
    }
  }

  /** Frame i of a camera at fps, captured at {@code t0 + i/fps} (exact nanoseconds). */
  public static NormalizedFrame frame(String tenant, String camera, int i, Instant t0, int fps) {
    return new NormalizedFrame(tenant, camera, i, t0.plusNanos(i * 1_000_000_000L / fps), "rtcp", W, H, pattern(i));
  }

  /** ffprobe of the first video stream with counted frames, as JSON. */
  public static JsonObject ffprobe(Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
        "stream=codec_name,width,height,nb_frames,nb_read_frames,avg_frame_rate,pix_fmt:format=duration,format_name",
        "-of", "json", file.toString()).redirectErrorStream(true).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("ffprobe failed on " + file + ": " + out);
    return new JsonObject(out);
  }

  /** Every frame of a video file decoded to packed RGB24. */
  public static List<byte[]> decode(Path file) throws Exception {
    List<byte[]> frames = new ArrayList<>();
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
      g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
      g.start();
      Frame f;
      while ((f = g.grabImage()) != null) {
        ByteBuffer buf = (ByteBuffer) f.image[0];
        byte[] rgb = new byte[f.imageWidth * f.imageHeight * 3];
        int row = f.imageWidth * 3;
        for (int y = 0; y < f.imageHeight; y++) {
          buf.position(y * f.imageStride);
          buf.get(rgb, y * row, row);
        }
        frames.add(rgb);
      }
      g.stop();
    }
    return frames;
  }

  /** Mean absolute difference per byte of two RGB images. */
  public static double mad(byte[] a, byte[] b) {
    long s = 0;
    for (int i = 0; i < a.length; i++) s += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
    return (double) s / a.length;
  }

  /** Top-level MP4 box types in file order (to see that faststart put moov before mdat). */
  public static List<String> mp4Boxes(byte[] file) {
    List<String> boxes = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(file);
    while (b.remaining() >= 8) {
      int start = b.position();
      long size = b.getInt() & 0xffffffffL;
      byte[] type = new byte[4];
      b.get(type);
      if (size == 1) size = b.getLong();
      boxes.add(new String(type, StandardCharsets.US_ASCII));
      if (size < 8 || start + size > file.length) break;
      b.position((int) (start + size));
    }
    return boxes;
  }
}
