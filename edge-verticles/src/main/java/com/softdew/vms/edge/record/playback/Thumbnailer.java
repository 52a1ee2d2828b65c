package com.softdew.vms.edge.record.playback;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;

/**
 * Thumbnails of recorded segments: the key frame at or before an instant, decoded (one frame: the file is first
 * walked packet by packet without decoding to find the key frame, then the grabber seeks to it), scaled by
 * FFmpeg's swscale to the asked width (height keeps the aspect ratio, even) and encoded as JPEG by the JDK's
 * ImageIO. Blocking: call from a worker thread.
 */
public final class Thumbnailer {
  public static final int MIN_WIDTH = 16, MAX_WIDTH = 1920;
  private static final AVRational MICROS = new AVRational().num(1).den(1_000_000);

  private Thumbnailer() {}

  /** A thumbnail: JPEG bytes, and the offset in the file of the key frame it shows. */
  public record Thumb(byte[] jpeg, int width, int height, Duration keyFrameOffset) {}

  /** One point of a timeline: the instant asked, and the file + offset that shows it (null file: a gap). */
  public record Point(Instant at, RangeExporter.Source source, Duration offset) {}

  /** JPEG of the key frame at or before {@code offset} (from the file's start) of {@code file}. */
  public static Thumb keyFrame(Path file, Duration offset, int width, float quality) throws IOException {
    if (width < MIN_WIDTH || width > MAX_WIDTH) throw new IllegalArgumentException("width must be in [" + MIN_WIDTH + ", " + MAX_WIDTH + "]");
    FFmpegFrameGrabber g = MediaFiles.open(file, 1);
    try {
      AVFormatContext ic = g.getFormatContext();
      int v = MediaFiles.videoIndex(ic);
      AVRational tb = ic.streams(v).time_base();
      long target = avutil.av_rescale_q(offset.toNanos() / 1000, MICROS, tb);
      long key = Long.MIN_VALUE;
      for (AVPacket pkt; (pkt = g.grabPacket()) != null; ) {
        try {
          if (pkt.stream_index() != v || (pkt.flags() & avcodec.AV_PKT_FLAG_KEY) == 0) continue;
          long pts = pkt.pts() == avutil.AV_NOPTS_VALUE ? pkt.dts() : pkt.pts();
          if (pts <= target || key == Long.MIN_VALUE) key = pts;
          if (pts > target) break;
        } finally {
          avcodec.av_packet_unref(pkt);
        }
      }
      if (key == Long.MIN_VALUE) throw new IOException("no key frame in " + file);
      long keyMicros = avutil.av_rescale_q(key, tb, MICROS);
      int w0 = g.getImageWidth(), h0 = g.getImageHeight();
      int h = Math.max(2, (int) Math.round((double) width * h0 / w0 / 2) * 2);
      g.setImageWidth(width);
      g.setImageHeight(h);
      g.setTimestamp(keyMicros, true); // seeks back to the key frame; decodes up to it (it is the first frame)
      Frame f = g.grabImage();
      if (f == null || f.image == null) throw new IOException("no frame decoded at " + offset + " in " + file);
      BufferedImage img;
      try (Java2DFrameConverter c = new Java2DFrameConverter()) {
        img = copy(c.getBufferedImage(f));
      }
      return new Thumb(jpeg(img, quality), img.getWidth(), img.getHeight(), RangeExporter.micros(key, tb));
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("thumbnail of " + file + " at " + offset + " failed: " + e.getMessage(), e);
    } finally {
      MediaFiles.close(g);
    }
  }

  /**
   * {@code count} evenly spaced instants of [from, to) (the middle of each slot), each with the file that covers
   * it (sources ordered by start), or a null source in a gap.
   */
  public static List<Point> timeline(List<RangeExporter.Source> sources, Instant from, Instant to, int count) {
    if (count < 1) throw new IllegalArgumentException("count must be at least 1");
    if (!to.isAfter(from)) throw new IllegalArgumentException("to must be after from");
    long span = Duration.between(from, to).toNanos();
    List<Point> out = new ArrayList<>(count);
    for (int k = 0; k < count; k++) {
      Instant t = from.plusNanos((long) (span * ((k + 0.5) / count)));
      RangeExporter.Source hit = null;
      for (RangeExporter.Source s : sources) {
        if (!s.start().isAfter(t) && s.end().isAfter(t)) {
          hit = s;
          break;
        }
      }
      out.add(new Point(t, hit, hit == null ? null : Duration.between(hit.start(), t)));
    }
    return out;
  }

  /** The converter's image shares the frame's buffer: copy it before the grabber is closed. */
  private static BufferedImage copy(BufferedImage src) {
    BufferedImage dst = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    dst.getGraphics().drawImage(src, 0, 0, null);
    return dst;
  }

  static byte[] jpeg(BufferedImage img, float quality) throws IOException {
    ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
    try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      w.setOutput(ios);
      ImageWriteParam p = w.getDefaultWriteParam();
      p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(quality);
      w.write(null, new IIOImage(img, null, null), p);
    } finally {
      w.dispose();
    }
    return out.toByteArray();
  }
}
