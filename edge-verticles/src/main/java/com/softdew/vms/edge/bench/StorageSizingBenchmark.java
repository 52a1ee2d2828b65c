package com.softdew.vms.edge.bench;

import com.softdew.vms.edge.record.Fmp4Segments;
import com.softdew.vms.edge.record.MainStreamRecorder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;

/**
 * Not a test, not in CI ({@code scripts/bench/storage.sh}): bytes our recorder's container (fragmented MP4 with
 * the recorder's movflags and 1 s fragments, cut into segments at the first key frame after the segment length, as
 * {@link MainStreamRecorder} writes them) takes for one encoded stream, so that the storage sizing table
 * (GB per camera-day) comes from our own files. The script compares it with MPEG-TS and the raw elementary
 * stream written by the ffmpeg CLI from the same input.
 *
 * <p>Arguments: {@code <input file> <output dir> <segment seconds>}. Prints
 * {@code RESULT <bytes> <seconds> <segments>}.
 */
public final class StorageSizingBenchmark {
  private StorageSizingBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path in = Path.of(args[0]);
    Path out = Path.of(args[1]);
    double segSeconds = Double.parseDouble(args[2]);
    Files.createDirectories(out);
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(in.toFile())) {
      g.setVideoOption("threads", "1");
      g.start();
      var ic = g.getFormatContext();
      int video = Fmp4Segments.videoStream(ic);
      if (video < 0) throw new IllegalArgumentException("no video stream in " + in);
      var st = ic.streams(video);
      st.codecpar().codec_tag(0);
      double tb = avutil.av_q2d(st.time_base());
      FFmpegFrameRecorder rec = null;
      long base = 0, lastDts = -1, firstDts = Long.MIN_VALUE, endTs = 0;
      int segments = 0;
      for (AVPacket p; (p = g.grabPacket()) != null; ) {
        try {
          if (p.stream_index() != video) continue;
          long dts = p.dts() == avutil.AV_NOPTS_VALUE ? p.pts() : p.dts();
          if (firstDts == Long.MIN_VALUE) firstDts = dts;
          boolean key = (p.flags() & avcodec.AV_PKT_FLAG_KEY) != 0;
          if (key && (rec == null || (dts - base) * tb >= segSeconds)) {
            if (rec != null) {
              rec.stop();
              rec.release();
            }
            rec = new FFmpegFrameRecorder(out.resolve(String.format("%05d.mp4", segments++)).toString(),
                g.getImageWidth(), g.getImageHeight(), 0);
            rec.setFormat("mp4");
            rec.setOption("movflags", MainStreamRecorder.MOVFLAGS);
            rec.setOption("frag_duration", "1000000");
            rec.start(ic);
            base = dts;
            lastDts = -1;
          }
          if (rec == null) continue;
          long d = Math.max(dts - base, lastDts + 1);
          long pts = p.pts() == avutil.AV_NOPTS_VALUE ? dts : p.pts();
          p.dts(d).pts(Math.max(pts - base, d));
          rec.recordPacket(p);
          lastDts = d;
          endTs = Math.max(endTs, dts + Math.max(p.duration(), 0));
        } finally {
          avcodec.av_packet_unref(p);
        }
      }
      if (rec != null) {
        rec.stop();
        rec.release();
      }
      long bytes;
      try (Stream<Path> files = Files.list(out)) {
        bytes = files.mapToLong(f -> f.toFile().length()).sum();
      }
      System.out.printf("RESULT %d %.3f %d%n", bytes, (endTs - firstDts) * tb, segments);
    }
  }
}
