package com.softdew.vms.edge.record.playback;

import java.io.IOException;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Shared JavaCV helpers of the playback primitives (package-private). */
final class MediaFiles {
  private static final Logger log = LoggerFactory.getLogger(MediaFiles.class);

  static {
    try {
      FFmpegFrameGrabber.tryLoad();
      org.bytedeco.javacv.FFmpegFrameRecorder.tryLoad();
      avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    } catch (Throwable t) {
      log.error("cannot load FFmpeg natives (JavaCV): {}", t.toString());
    }
  }

  private MediaFiles() {}

  /** A started grabber on a local file (its decoder is opened by JavaCV but fed only when frames are grabbed). */
  static FFmpegFrameGrabber open(Path file, int threads) throws IOException {
    return open(file, threads, -1);
  }

  /** As {@link #open(Path, int)}, with the pixel format grabbed images are converted to (-1: BGR24, JavaCV's). */
  static FFmpegFrameGrabber open(Path file, int threads, int pixelFormat) throws IOException {
    FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toString());
    g.setVideoOption("threads", String.valueOf(threads));
    if (pixelFormat >= 0) g.setPixelFormat(pixelFormat);
    try {
      g.start();
    } catch (Throwable e) {
      close(g);
      throw new IOException("cannot open " + file + ": " + e.getMessage(), e);
    }
    return g;
  }

  static int videoIndex(AVFormatContext ic) throws IOException {
    int i = com.softdew.vms.edge.record.Fmp4Segments.videoStream(ic);
    if (i < 0) throw new IOException("no video stream");
    return i;
  }

  static void close(FFmpegFrameGrabber g) {
    if (g == null) return;
    try {
      g.close();
    } catch (Throwable e) {
      log.debug("closing grabber: {}", e.toString());
    }
  }
}
