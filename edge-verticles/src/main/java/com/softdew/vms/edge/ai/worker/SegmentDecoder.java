package com.softdew.vms.edge.ai.worker;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;

import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.segment.SegmentStore;
import com.softdew.vms.model.VideoJob;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

/**
 * Decodes a job's segment (inline bytes, or the claim-check file resolved by {@link SegmentStore#resolve})
 * into packed RGB24 {@link FrameView}s: index = frame number in the segment, ptsMs = the job's timestamp
 * (capture time of the segment's first frame, epoch ms) + the frame's timestamp in the segment. Blocking
 * (JNI): call it on a worker pool only.
 */
public final class SegmentDecoder {
  /** Refuses segments with more frames than this (a 10 s segment at 60 fps is 600). */
  public static final int MAX_FRAMES = 1800;

  private final SegmentStore store;

  public SegmentDecoder(SegmentStore store) {
    this.store = store;
  }

  public List<FrameView> decode(VideoJob job) throws IOException {
    long t0 = job.timestamp().toEpochMilli();
    if (job.videoSegment() != null) {
      byte[] b = job.videoSegment();
      try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(new ByteArrayInputStream(b), b.length)) {
        return read(g, t0, "job " + job.jobId() + " (inline)");
      }
    }
    Path p = store.resolve(URI.create(job.segmentUri()));
    if (!Files.isRegularFile(p)) throw new IOException("segment " + job.segmentUri() + " not found at " + p);
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(p.toFile())) {
      return read(g, t0, "job " + job.jobId() + " (" + p + ")");
    }
  }

  /** Decodes a whole file (tests, tools): ptsMs from {@code t0EpochMs}. */
  public static List<FrameView> decodeFile(Path file, long t0EpochMs) throws IOException {
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
      return read(g, t0EpochMs, file.toString());
    }
  }

  private static List<FrameView> read(FFmpegFrameGrabber g, long t0, String what) throws IOException {
    List<FrameView> out = new ArrayList<>();
    boolean ok = false;
    try {
      g.setPixelFormat(AV_PIX_FMT_RGB24);
      g.setVideoOption("threads", "1");
      g.start();
      long firstTs = Long.MIN_VALUE;
      long lastPts = Long.MIN_VALUE;
      Frame f;
      while ((f = g.grabImage()) != null) {
        if (out.size() >= MAX_FRAMES) throw new IOException(what + ": more than " + MAX_FRAMES + " frames");
        if (firstTs == Long.MIN_VALUE) firstTs = f.timestamp;
        int w = f.imageWidth, h = f.imageHeight;
        byte[] rgb = packed(f, w, h);
        long pts = t0 + Math.round((f.timestamp - firstTs) / 1000.0);
        if (pts <= lastPts) pts = lastPts + 1; // keep strictly increasing (rounding, odd containers)
        lastPts = pts;
        out.add(new FrameView(out.size(), pts, w, h, rgb));
      }
      g.stop();
      ok = true;
      return out;
    } catch (FFmpegFrameGrabber.Exception e) {
      throw new IOException(what + ": " + e.getMessage(), e);
    } finally {
      if (!ok) out.forEach(FrameView::close);
    }
  }

  private static byte[] packed(Frame f, int w, int h) {
    ByteBuffer src = (ByteBuffer) f.image[0];
    int stride = f.imageStride; // bytes per row (3 channels of bytes)
    byte[] rgb = new byte[w * h * 3];
    if (stride == w * 3) {
      src.duplicate().position(0).get(rgb, 0, rgb.length);
    } else {
      ByteBuffer s = src.duplicate();
      for (int y = 0; y < h; y++) {
        s.position(y * stride);
        s.get(rgb, y * w * 3, w * 3);
      }
    }
    return rgb;
  }
}
