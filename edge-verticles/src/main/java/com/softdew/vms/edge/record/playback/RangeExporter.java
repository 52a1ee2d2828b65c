package com.softdew.vms.edge.record.playback;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;

/**
 * Exports a time range of recorded segment files into one MP4 by <b>remux</b> (no decode, no encode): packets
 * from {@link FFmpegFrameGrabber#grabPacket()} go to {@link FFmpegFrameRecorder#recordPacket(AVPacket)} of a
 * recorder started with the first file's format context (codec parameters copied), as the recorder does.
 *
 * <ul>
 *   <li>Starts at the key frame at or before {@code from} (a player needs one to decode the first frame), so the
 *       file begins up to one GOP early; ends with the last packet that starts before {@code to}.
 *   <li>Timestamps are continuous across files: each file continues where the previous one's last packet ended.
 *       A gap between files is collapsed (the MP4 has no frozen stretch) and reported in {@link Result#holes()}.
 *   <li>A file whose codec or size differs from the first one ends the export there ({@code partial}).
 *   <li>{@code movflags +faststart}: the moov index is moved to the front when the file is closed.
 * </ul>
 *
 * <p>Blocking (JNI and file I/O): call from a worker thread. Memory: one packet at a time.
 */
public final class RangeExporter {
  /** Holes shorter than this between consecutive files are not gaps (recorder segments share their boundary). */
  public static final Duration TOLERANCE = Duration.ofMillis(200);

  private RangeExporter() {}

  /** One recorded file and the wall-clock span it covers (from the index). */
  public record Source(Path path, Instant start, Instant end) {
    public Source {
      Objects.requireNonNull(path, "path");
    }
  }

  /** A span without footage inside the asked range. */
  public record Hole(Instant start, Instant end) {}

  /**
   * @param start   wall time of the first frame written (the key frame at or before the asked start)
   * @param end     wall time where the last frame written ends
   * @param partial the asked range is not fully covered (gaps, footage missing at either end, codec change)
   */
  public record Result(Path file, Instant start, Instant end, long packets, long bytes, String codec, String resolution,
      boolean partial, List<Hole> holes, int files) {
    public Duration duration() {
      return Duration.between(start, end);
    }
  }

  private static final AVRational MICROS = new AVRational().num(1).den(1_000_000);

  /**
   * Writes the packets of {@code sources} (ordered by start, overlapping [from, to)) that fall in the range to
   * {@code out} (written as {@code out.part}, renamed when complete).
   */
  public static Result export(List<Source> sources, Instant from, Instant to, Path out) throws IOException {
    if (!to.isAfter(from)) throw new IllegalArgumentException("to must be after from");
    List<Source> srcs = sources.stream().filter(s -> s.end().isAfter(from) && s.start().isBefore(to)).toList();
    if (srcs.isEmpty()) throw new IOException("no footage in [" + from + ", " + to + ")");
    List<Hole> holes = new ArrayList<>();
    if (Duration.between(from, srcs.get(0).start()).compareTo(TOLERANCE) > 0) holes.add(new Hole(from, srcs.get(0).start()));
    Path part = out.resolveSibling(out.getFileName() + ".part");
    FFmpegFrameGrabber first = null;
    FFmpegFrameRecorder rec = null;
    boolean partial = false;
    long packets = 0;
    Instant actualStart = null, actualEnd = null;
    String codec, resolution;
    int files = 0;
    try {
      Source s0 = srcs.get(0);
      long keyPts = keyFrameAtOrBefore(s0, from);
      first = MediaFiles.open(s0.path(), 1);
      AVFormatContext ic0 = first.getFormatContext();
      int v0 = MediaFiles.videoIndex(ic0);
      AVRational tb0 = ic0.streams(v0).time_base();
      AVCodecParameters par0 = ic0.streams(v0).codecpar();
      codec = avcodec.avcodec_get_name(par0.codec_id()).getString();
      resolution = par0.width() + "x" + par0.height();
      par0.codec_tag(0);
      Files.createDirectories(out.toAbsolutePath().getParent());
      rec = new FFmpegFrameRecorder(part.toString(), par0.width(), par0.height(), 0);
      rec.setFormat("mp4");
      rec.setOption("movflags", "+faststart");
      rec.start(ic0);
      long written = 0; // output time (tb0) where the next file continues
      long lastDts = Long.MIN_VALUE;
      Instant prevEnd = null;
      for (int i = 0; i < srcs.size(); i++) {
        Source s = srcs.get(i);
        if (prevEnd != null && Duration.between(prevEnd, s.start()).compareTo(TOLERANCE) > 0) holes.add(new Hole(prevEnd, s.start()));
        FFmpegFrameGrabber g = i == 0 ? first : MediaFiles.open(s.path(), 1);
        try {
          AVFormatContext ic = g.getFormatContext();
          int v = MediaFiles.videoIndex(ic);
          AVRational tb = ic.streams(v).time_base();
          AVCodecParameters par = ic.streams(v).codecpar();
          if (par.codec_id() != par0.codec_id() || par.width() != par0.width() || par.height() != par0.height()) {
            partial = true; // the camera changed codec or size: one MP4 cannot hold both
            break;
          }
          long toTs = avutil.av_rescale_q(Duration.between(s.start(), to).toNanos() / 1000, MICROS, tb);
          long base = i == 0 ? keyPts : Long.MIN_VALUE; // input ts mapped to output `written`
          long fileEnd = written;
          boolean started = false;
          files++;
          for (AVPacket pkt; (pkt = g.grabPacket()) != null; ) {
            try {
              if (pkt.stream_index() != v || pkt.size() <= 0) continue;
              long pts = pkt.pts(), dts = pkt.dts();
              if (dts == avutil.AV_NOPTS_VALUE) dts = pts;
              if (pts == avutil.AV_NOPTS_VALUE) pts = dts;
              if (!started) {
                if (i == 0 && pts < keyPts) continue; // before the key frame that opens the export
                if ((pkt.flags() & avcodec.AV_PKT_FLAG_KEY) == 0) continue; // a file starts with a key frame; be safe
                if (base == Long.MIN_VALUE) base = dts;
                else base = Math.min(base, dts);
                started = true;
                if (actualStart == null) actualStart = s.start().plus(micros(pts, tb));
              }
              if (dts >= toTs && pts >= toTs) break; // the range ends
              long dur = Math.max(0, pkt.duration());
              long d = avutil.av_rescale_q(dts - base, tb, tb0) + written;
              long p = avutil.av_rescale_q(pts - base, tb, tb0) + written;
              if (d <= lastDts) d = lastDts + 1;
              if (p < d) p = d;
              long dur0 = avutil.av_rescale_q(dur, tb, tb0);
              pkt.stream_index(v0).dts(d).pts(p).duration(dur0).pos(-1);
              rec.recordPacket(pkt);
              packets++;
              lastDts = d;
              fileEnd = Math.max(fileEnd, p + dur0);
              actualEnd = s.start().plus(micros(pts + dur, tb));
            } finally {
              avcodec.av_packet_unref(pkt);
            }
          }
          written = fileEnd;
        } finally {
          if (i != 0) MediaFiles.close(g);
        }
        prevEnd = s.end();
      }
      rec.stop();
      rec.release();
      rec = null;
      if (packets == 0) throw new IOException("no packet in [" + from + ", " + to + ")");
      if (Duration.between(srcs.get(srcs.size() - 1).end(), to).compareTo(TOLERANCE) > 0 && !partial) {
        holes.add(new Hole(srcs.get(srcs.size() - 1).end(), to));
      }
      Files.move(part, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new Result(out, actualStart, actualEnd, packets, Files.size(out), codec, resolution, partial || !holes.isEmpty(),
          List.copyOf(holes), files);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("export failed: " + e.getMessage(), e);
    } finally {
      if (rec != null) {
        try {
          rec.release();
        } catch (Throwable ignored) {
          // already failing
        }
      }
      MediaFiles.close(first);
      Files.deleteIfExists(part);
    }
  }

  /** pts (file time base) of the last key frame at or before {@code at} in the file (its first one if none). */
  static long keyFrameAtOrBefore(Source s, Instant at) throws IOException {
    FFmpegFrameGrabber g = MediaFiles.open(s.path(), 1);
    try {
      AVFormatContext ic = g.getFormatContext();
      int v = MediaFiles.videoIndex(ic);
      AVRational tb = ic.streams(v).time_base();
      long target = avutil.av_rescale_q(Duration.between(s.start(), at).toNanos() / 1000, MICROS, tb);
      long key = Long.MIN_VALUE;
      for (AVPacket pkt; (pkt = g.grabPacket()) != null; ) {
        try {
          if (pkt.stream_index() != v) continue;
          long pts = pkt.pts() == avutil.AV_NOPTS_VALUE ? pkt.dts() : pkt.pts();
          if ((pkt.flags() & avcodec.AV_PKT_FLAG_KEY) != 0) {
            if (pts <= target || key == Long.MIN_VALUE) key = pts;
            if (pts > target) break;
          }
        } finally {
          avcodec.av_packet_unref(pkt);
        }
      }
      if (key == Long.MIN_VALUE) throw new IOException("no key frame in " + s.path());
      return key;
    } catch (Exception e) {
      throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
    } finally {
      MediaFiles.close(g);
    }
  }

  static Duration micros(long ts, AVRational tb) {
    return Duration.ofNanos(avutil.av_rescale_q(ts, tb, MICROS) * 1000);
  }
}
