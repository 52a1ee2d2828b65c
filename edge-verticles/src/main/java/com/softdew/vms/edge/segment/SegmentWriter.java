package com.softdew.vms.edge.segment;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

import com.softdew.vms.edge.normalize.NormalizedFrame;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts the normalised frames of one camera into overlapping segments and encodes each as H.264 into
 * the {@link SegmentStore}.
 *
 * <p><b>Timing.</b> Frame time is the capture time minus the capture time of the first frame the
 * writer saw. Segment {@code k} covers {@code [k*(L-O), k*(L-O)+L)}, so consecutive segments share
 * {@code O} seconds of frames. A frame that falls in two (or more, when {@code O > L/2}) windows is
 * encoded into each of them: every segment is a self-contained file starting with an IDR frame, and
 * each is encoded exactly once, while it is open. A segment closes when the first frame at or after
 * its end arrives (or on {@link #close()}); windows that receive no frame (camera gap) produce no file.
 * Numbering continues after the highest segment already in the store, so a restarted writer never
 * overwrites one.
 *
 * <p><b>Overlap per model.</b> The writer takes one overlap. The caller passes the <em>largest</em>
 * overlap any enabled model of the camera needs (see {@code ModelRequirements.effectiveOverlap}): one
 * stream of segments then satisfies every model, at the cost of re-encoding a little more for the
 * models that need less. Cutting one stream per distinct overlap would multiply the encoding work.
 *
 * <p><b>Container.</b> MP4 with {@code movflags=+faststart}: a segment is published only once complete
 * (temporary name, then atomic rename), so the streaming property of MPEG-TS buys nothing, while the
 * MP4 index gives consumers exact frame count and duration, random access to key frames (one per
 * second) without scanning, less overhead than 188-byte TS packets, and playback in browsers; faststart
 * puts the index first so a consumer reading the inline bytes or an HTTP range can start at once.
 *
 * <p><b>Threads.</b> One dedicated daemon thread per camera takes frames from a bounded queue and
 * runs the encoder (JNI, never on an event loop). {@link #offer} never blocks and counts a frame it
 * has to drop; {@link #put} waits (for sources that can, such as a recording replay). Closed segments
 * are handed to the listener on the writer thread: hop to a Vert.x context there.
 */
public final class SegmentWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentWriter.class);
  /** The only H.264 encoder in the LGPL ffmpeg of JavaCV; asking for libx264 silently yields mpeg4. */
  public static final String ENCODER = "libopenh264";
  private static final NormalizedFrame POISON = new NormalizedFrame("-", "-", -1, Instant.EPOCH, "-", 0, 0, new byte[0]);

  /**
   * Settings of a writer.
   *
   * @param lengthSeconds  L, 1-10 (seed), default 5
   * @param overlapSeconds O, 0-5 and below L, default 1
   * @param fps            nominal frame rate of the normalised frames (time base of the file)
   * @param videoBitrate   target bitrate of the encoder, bits/s
   * @param queueFrames    bound of the input queue (a 640x480 RGB frame is 900 KiB)
   */
  public record Options(int lengthSeconds, double overlapSeconds, double fps, int videoBitrate, int queueFrames) {
    public Options {
      if (lengthSeconds < 1 || lengthSeconds > 10) throw new IllegalArgumentException("segment length must be 1-10 s, got " + lengthSeconds);
      if (overlapSeconds < 0 || overlapSeconds > 5) throw new IllegalArgumentException("overlap must be 0-5 s, got " + overlapSeconds);
      if (overlapSeconds >= lengthSeconds) {
        throw new IllegalArgumentException("overlap (" + overlapSeconds + " s) must be shorter than the segment (" + lengthSeconds + " s)");
      }
      if (fps <= 0 || fps > 120) throw new IllegalArgumentException("fps must be in (0, 120], got " + fps);
      if (videoBitrate < 50_000) throw new IllegalArgumentException("videoBitrate must be >= 50000, got " + videoBitrate);
      if (queueFrames < 1) throw new IllegalArgumentException("queueFrames must be >= 1");
    }

    /** L = 5 s, O = 1 s, 15 fps, 1 Mbit/s, 30 queued frames (2 s, ~27 MiB). */
    public static Options defaults() {
      return new Options(5, 1.0, 15, 1_000_000, 30);
    }

    public Options withLength(int l, double o) {
      return new Options(l, o, fps, videoBitrate, queueFrames);
    }

    public Options withQueueFrames(int q) {
      return new Options(lengthSeconds, overlapSeconds, fps, videoBitrate, q);
    }
  }

  private final String tenantId;
  private final String cameraId;
  private final Options opt;
  private final SegmentStore store;
  private final Consumer<SegmentInfo> listener;
  private final BlockingQueue<NormalizedFrame> queue;
  private final Thread thread;
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private final long lengthUs;
  private final long stepUs;
  private final Counter dropped;
  private final Counter late;
  private final Counter failed;
  private final Timer encodeTimer;
  private final Counter segmentsClosed;
  private final Counter bytesWritten;

  // writer-thread state
  private final ArrayDeque<Open> open = new ArrayDeque<>();
  private ByteBuffer pixels;
  private Instant origin;
  private long nextSeq;
  private long lastIndex = -1;
  private long lastFrameUs = Long.MIN_VALUE;
  private volatile boolean closing;

  private SegmentWriter(String tenantId, String cameraId, Options opt, SegmentStore store, Consumer<SegmentInfo> listener,
      MeterRegistry registry) throws IOException {
    this.tenantId = tenantId;
    this.cameraId = cameraId;
    this.opt = opt;
    this.store = store;
    this.listener = listener;
    this.queue = new ArrayBlockingQueue<>(opt.queueFrames());
    this.lengthUs = opt.lengthSeconds() * 1_000_000L;
    this.stepUs = lengthUs - Math.round(opt.overlapSeconds() * 1_000_000);
    this.nextSeq = store.lastSequence(tenantId, cameraId) + 1;
    MeterRegistry r = registry == null ? new SimpleMeterRegistry() : registry;
    Tags tags = Tags.of("tenant", tenantId, "camera", cameraId);
    this.dropped = r.counter("vms.segment.frames.dropped", tags.and("reason", "queue-full"));
    this.late = r.counter("vms.segment.frames.dropped", tags.and("reason", "out-of-order"));
    this.failed = r.counter("vms.segment.failed", tags);
    this.segmentsClosed = r.counter("vms.segment.closed", tags);
    this.bytesWritten = r.counter("vms.segment.bytes", tags);
    this.encodeTimer = Timer.builder("vms.segment.encode").description("encoder time spent on one segment (frames + close)")
        .tags(tags).publishPercentiles(0.5, 0.95).register(r);
    Gauge.builder("vms.segment.queue.depth", queue, BlockingQueue::size).tags(tags).register(r);
    this.thread = new Thread(this::run, "segment-writer-" + cameraId);
    this.thread.setDaemon(true);
  }

  /**
   * Starts a writer (and its thread) for one camera. Fails at once when this ffmpeg build has no
   * {@value #ENCODER}. Blocking (reads the store and loads ffmpeg on first use): call it from a worker.
   */
  public static SegmentWriter start(String tenantId, String cameraId, Options options, SegmentStore store,
      Consumer<SegmentInfo> listener, MeterRegistry registry) throws IOException {
    requireEncoder();
    SegmentWriter w = new SegmentWriter(Objects.requireNonNull(tenantId), Objects.requireNonNull(cameraId),
        Objects.requireNonNull(options), Objects.requireNonNull(store), Objects.requireNonNull(listener), registry);
    w.thread.start();
    return w;
  }

  /** Throws when ffmpeg cannot find {@value #ENCODER}: JavaCV would silently fall back to another codec. */
  public static void requireEncoder() {
    AVCodec c = avcodec.avcodec_find_encoder_by_name(ENCODER);
    if (c == null || c.isNull() || c.id() != AV_CODEC_ID_H264) {
      throw new IllegalStateException(ENCODER + " is missing from this ffmpeg build: segments cannot be encoded as H.264");
    }
  }

  /** Queues a frame without blocking; false (and counted) when the queue is full or the writer closed. */
  public boolean offer(NormalizedFrame frame) {
    check(frame);
    if (closing || !queue.offer(frame)) {
      dropped.increment();
      return false;
    }
    return true;
  }

  /** Queues a frame, waiting while the queue is full (back-pressure for replayed sources). */
  public void put(NormalizedFrame frame) throws InterruptedException {
    check(frame);
    if (closing) throw new IllegalStateException("writer closed");
    queue.put(frame);
  }

  private void check(NormalizedFrame f) {
    if (!tenantId.equals(f.tenantId()) || !cameraId.equals(f.cameraId())) {
      throw new IllegalArgumentException("frame of " + f.tenantId() + "/" + f.cameraId() + " given to the writer of " + tenantId + "/" + cameraId);
    }
  }

  /** Frames dropped because the queue was full. */
  public long droppedFrames() {
    return (long) dropped.count();
  }

  public Options options() {
    return opt;
  }

  /** Encodes the queued frames, closes the open segments (they may be shorter than L) and stops the thread. */
  public CompletableFuture<Void> closeAsync() {
    if (!closing) {
      closing = true;
      try {
        queue.put(POISON);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        thread.interrupt();
      }
    }
    return stopped;
  }

  /** As {@link #closeAsync()}, waiting up to 30 s. */
  @Override
  public void close() {
    try {
      closeAsync().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("[{}/{}] segment writer did not stop cleanly: {}", tenantId, cameraId, e.toString());
    }
  }

  // ---------------------------------------------------------------- writer thread

  private void run() {
    try {
      while (true) {
        NormalizedFrame f = queue.take();
        if (f == POISON) break;
        try {
          accept(f);
        } catch (RuntimeException e) {
          LOG.error("[{}/{}] frame {} not segmented", tenantId, cameraId, f.seq(), e);
        }
      }
      while (!open.isEmpty()) finish(open.pollFirst());
      stopped.complete(null);
    } catch (InterruptedException e) {
      for (Open o : open) o.abort();
      stopped.completeExceptionally(e);
    } catch (Throwable t) {
      for (Open o : open) o.abort();
      stopped.completeExceptionally(t);
    }
  }

  private void accept(NormalizedFrame f) {
    if (origin == null) origin = f.captureTime();
    long t = Duration.between(origin, f.captureTime()).toNanos() / 1_000;
    if (t < 0 || t <= lastFrameUs) {
      late.increment();
      return;
    }
    lastFrameUs = t;
    // close every segment that ends at or before this frame
    for (Iterator<Open> it = open.iterator(); it.hasNext(); ) {
      Open o = it.next();
      if (t >= o.windowStartUs + lengthUs) {
        it.remove();
        finish(o);
      }
    }
    // open the windows this frame belongs to that are not open yet: k*step <= t < k*step + L
    long kMax = t / stepUs;
    long kMin = Math.max(0, Math.floorDiv(t - lengthUs, stepUs) + 1);
    for (long k = Math.max(kMin, lastIndex + 1); k <= kMax; k++) {
      Open o = openSegment(k, f);
      if (o != null) open.addLast(o);
      lastIndex = k;
    }
    if (open.isEmpty()) return;
    if (pixels == null || pixels.capacity() != f.rgb().length) pixels = ByteBuffer.allocateDirect(f.rgb().length);
    pixels.clear();
    pixels.put(f.rgb()).flip();
    for (Iterator<Open> it = open.iterator(); it.hasNext(); ) {
      Open o = it.next();
      if (!o.write(f, t, pixels)) {
        it.remove();
        o.abort();
      }
    }
  }

  private Open openSegment(long k, NormalizedFrame first) {
    long seq = nextSeq++;
    Path target = store.path(tenantId, cameraId, first.captureTime(), seq);
    Path tmp = target.resolveSibling("." + seq + ".mp4.part");
    long t0 = System.nanoTime();
    FFmpegFrameRecorder r = null;
    try {
      Files.createDirectories(target.getParent());
      r = new FFmpegFrameRecorder(tmp.toFile(), first.width(), first.height(), 0);
      r.setFormat("mp4");
      r.setVideoCodecName(ENCODER);
      r.setVideoCodec(AV_CODEC_ID_H264);
      r.setPixelFormat(AV_PIX_FMT_YUV420P);
      r.setFrameRate(opt.fps());
      r.setVideoBitrate(opt.videoBitrate());
      r.setGopSize((int) Math.max(1, Math.round(opt.fps()))); // one key frame per second: consumers can skip the overlap
      r.setVideoOption("threads", "1");                         // one core per camera; cameras run in parallel
      r.setVideoOption("allow_skip_frames", "0");               // every frame in, every frame out (nb_frames is a contract)
      r.setOption("movflags", "+faststart");
      r.start();
      String got = encoderName(r);
      if (got != null && !ENCODER.equals(got)) throw new IllegalStateException("ffmpeg opened " + got + " instead of " + ENCODER);
      return new Open(k, k * stepUs, seq, r, tmp, target, System.nanoTime() - t0);
    } catch (Exception e) {
      failed.increment();
      LOG.error("[{}/{}] cannot start segment {} in {}", tenantId, cameraId, seq, target, e);
      if (r != null) releaseQuietly(r);
      deleteQuietly(tmp);
      return null;
    }
  }

  private void finish(Open o) {
    if (o.frames == 0) {
      o.abort();
      return;
    }
    long t0 = System.nanoTime();
    try {
      o.recorder.stop();
      o.recorder.release();
      Files.move(o.tmp, o.target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (Exception e) {
      failed.increment();
      LOG.error("[{}/{}] cannot close segment {}", tenantId, cameraId, o.seq, e);
      releaseQuietly(o.recorder);
      deleteQuietly(o.tmp);
      return;
    }
    o.encodeNanos += System.nanoTime() - t0;
    long bytes;
    try {
      bytes = Files.size(o.target);
    } catch (IOException e) {
      bytes = -1;
    }
    Instant start = o.firstCapture;
    Instant end = o.lastCapture.plusNanos(Math.round(1e9 / opt.fps()));
    long durUs = Math.max(1, Duration.between(start, end).toNanos() / 1_000);
    long bitrate = bytes <= 0 ? 0 : bytes * 8 * 1_000_000 / durUs;
    encodeTimer.record(o.encodeNanos, TimeUnit.NANOSECONDS);
    segmentsClosed.increment();
    bytesWritten.increment(Math.max(0, bytes));
    SegmentInfo info = new SegmentInfo(tenantId, cameraId, o.seq, start, end, o.frames, o.target, bytes, bitrate,
        o.width + "x" + o.height, Instant.now());
    LOG.debug("[{}/{}] segment {} closed: {} frames, {} B, {} bit/s, encoded in {} ms", tenantId, cameraId, o.seq, o.frames,
        bytes, bitrate, o.encodeNanos / 1_000_000);
    try {
      listener.accept(info);
    } catch (RuntimeException e) {
      LOG.error("[{}/{}] segment listener failed on {}", tenantId, cameraId, o.seq, e);
    }
  }

  /** The encoder ffmpeg really opened (JavaCV keeps it private), or null when it cannot be read. */
  static String encoderName(FFmpegFrameRecorder r) {
    try {
      Field f = FFmpegFrameRecorder.class.getDeclaredField("video_codec");
      f.setAccessible(true);
      AVCodec c = (AVCodec) f.get(r);
      return c == null || c.isNull() ? null : c.name().getString();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static void releaseQuietly(FFmpegFrameRecorder r) {
    try {
      r.release();
    } catch (Exception ignored) {
      // already failing
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort
    }
  }

  /** A segment being encoded. */
  private final class Open {
    final long index;
    final long windowStartUs;
    final long seq;
    final FFmpegFrameRecorder recorder;
    final Path tmp;
    final Path target;
    long encodeNanos;
    long firstUs;
    int frames;
    int width;
    int height;
    Instant firstCapture;
    Instant lastCapture;

    Open(long index, long windowStartUs, long seq, FFmpegFrameRecorder recorder, Path tmp, Path target, long setupNanos) {
      this.index = index;
      this.windowStartUs = windowStartUs;
      this.seq = seq;
      this.recorder = recorder;
      this.tmp = tmp;
      this.target = target;
      this.encodeNanos = setupNanos;
    }

    boolean write(NormalizedFrame f, long tUs, ByteBuffer rgb) {
      long t0 = System.nanoTime();
      try {
        // pts in frames of the nominal rate, from the capture time; strictly increasing even with jitter
        if (frames == 0) firstUs = tUs;
        long pts = frames == 0 ? 0 : Math.max(Math.round((tUs - firstUs) * opt.fps() / 1_000_000), recorder.getFrameNumber());
        recorder.setFrameNumber((int) pts);
        rgb.rewind();
        recorder.recordImage(f.width(), f.height(), Frame.DEPTH_UBYTE, 3, f.width() * 3, AV_PIX_FMT_RGB24, rgb);
        if (frames == 0) {
          firstCapture = f.captureTime();
          width = f.width();
          height = f.height();
        }
        lastCapture = f.captureTime();
        frames++;
        return true;
      } catch (Exception e) {
        failed.increment();
        LOG.error("[{}/{}] encoding frame {} into segment {} failed; segment dropped", tenantId, cameraId, f.seq(), seq, e);
        return false;
      } finally {
        encodeNanos += System.nanoTime() - t0;
      }
    }

    void abort() {
      releaseQuietly(recorder);
      deleteQuietly(tmp);
    }
  }

  /** Segments currently open (for tests and diagnostics; racy outside the writer thread). */
  List<Long> openSequences() {
    List<Long> l = new ArrayList<>();
    for (Open o : open) l.add(o.seq);
    return l;
  }
}
