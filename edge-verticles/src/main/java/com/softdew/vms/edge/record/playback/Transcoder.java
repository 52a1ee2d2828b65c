package com.softdew.vms.edge.record.playback;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * H.265 (or any decodable) segment → H.264 fragmented MP4 for browsers, cached on disk.
 *
 * <ul>
 *   <li>Encoder: {@code libopenh264}, the H.264 encoder in JavaCV's LGPL FFmpeg build (no libx264 there). Same
 *       size (or scaled down to {@code maxHeight}) and frame rate as the source, a key frame every second, bitrate 1.5x the source's (OpenH264 at
 *       the same bitrate as an HEVC source loses detail). Output layout = the recorder's: {@code
 *       +frag_keyframe+empty_moov+default_base_moof}, 1 s fragments, timestamps from 0.
 *   <li>Cache: {@code cacheDir/<tenant>/<key>.h264.mp4}, bounded by {@code maxBytes}: after each new file the
 *       least recently used files (modification time, touched on every hit) are deleted until the total is
 *       under the bound (evictions counted, {@code vms.playback.transcode.evictions}).
 *   <li>One transcode per segment at a time: concurrent callers for the same key wait for the same run. The
 *       number of different segments transcoded at once is bounded by the caller's worker pool.
 * </ul>
 *
 * <p>Blocking: call from a worker thread.
 */
public final class Transcoder {
  private static final Logger log = LoggerFactory.getLogger(Transcoder.class);
  public static final String ENCODER = "libopenh264";
  private static final String SAFE = "[A-Za-z0-9._-]+";
  /** Decoder and encoder threads of one transcode (the number of transcodes at once is the caller's pool). */
  static final int THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

  private final Path cacheDir;
  private final long maxBytes;
  private final int maxHeight;
  private final ConcurrentHashMap<Path, CompletableFuture<Path>> running = new ConcurrentHashMap<>();
  private final Counter transcodes, hits, evictions, failures;
  private final Timer timer;
  private final AtomicLong evicted = new AtomicLong();

  public Transcoder(Path cacheDir, long maxBytes, MeterRegistry registry) {
    this(cacheDir, maxBytes, 0, registry);
  }

  /**
   * @param maxHeight a taller source is scaled down to this height (aspect kept, even width; swscale in the
   *                  grabber), e.g. 1080 so that a 4K camera is transcoded at 1080p; 0 keeps the source size
   */
  public Transcoder(Path cacheDir, long maxBytes, int maxHeight, MeterRegistry registry) {
    this.cacheDir = cacheDir.toAbsolutePath().normalize();
    this.maxBytes = maxBytes;
    this.maxHeight = Math.max(0, maxHeight);
    MeterRegistry r = registry == null ? new SimpleMeterRegistry() : registry;
    transcodes = Counter.builder("vms.playback.transcodes").description("segments transcoded to H.264").register(r);
    hits = Counter.builder("vms.playback.transcode.cache.hits").register(r);
    evictions = Counter.builder("vms.playback.transcode.evictions").description("cached transcodes deleted by the size bound").register(r);
    failures = Counter.builder("vms.playback.transcode.failures").register(r);
    timer = Timer.builder("vms.playback.transcode.time").register(r);
  }

  /** Whether the FFmpeg build has the H.264 encoder. */
  public static boolean available() {
    AVCodec c = avcodec.avcodec_find_encoder_by_name(ENCODER);
    return c != null && !c.isNull();
  }

  public Path cacheDir() {
    return cacheDir;
  }

  public long evicted() {
    return evicted.get();
  }

  /** The cached H.264 version of {@code source} (tenant-scoped key), transcoding it first when absent. */
  public Path h264(String tenantId, String key, Path source) throws IOException {
    if (!tenantId.matches(SAFE) || !key.matches(SAFE)) throw new IllegalArgumentException("tenant/key must match " + SAFE);
    Path target = cacheDir.resolve(tenantId).resolve(key + (maxHeight > 0 ? ".max" + maxHeight : "") + ".h264.mp4");
    if (Files.isRegularFile(target)) {
      hits.increment();
      touch(target);
      return target;
    }
    CompletableFuture<Path> mine = new CompletableFuture<>();
    CompletableFuture<Path> f = running.putIfAbsent(target, mine);
    if (f == null) {
      try {
        if (!Files.isRegularFile(target)) transcode(source, target);
        mine.complete(target);
      } catch (Throwable e) {
        failures.increment();
        mine.completeExceptionally(e);
      } finally {
        running.remove(target);
      }
      f = mine;
    }
    try {
      Path p = f.get();
      touch(p);
      return p;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private void transcode(Path source, Path target) throws IOException {
    long t0 = System.nanoTime();
    Files.createDirectories(target.getParent());
    Path part = target.resolveSibling(target.getFileName() + ".part");
    FFmpegFrameGrabber g = null;
    FFmpegFrameRecorder r = null;
    try {
      g = MediaFiles.open(source, THREADS, avutil.AV_PIX_FMT_YUV420P); // the decoder's own format: no colour conversion
      double fps = g.getFrameRate() > 0 ? g.getFrameRate() : 15;
      long bytes = Files.size(source);
      double seconds = g.getLengthInTime() > 0 ? g.getLengthInTime() / 1e6 : 10;
      int bitrate = (int) Math.min(20_000_000, Math.max(300_000, bytes * 8 / Math.max(0.5, seconds) * 1.5));
      int w = g.getImageWidth(), h = g.getImageHeight();
      if (maxHeight > 0 && h > maxHeight) {
        w = Math.max(2, (int) Math.round((double) w * maxHeight / h / 2) * 2);
        h = maxHeight - maxHeight % 2;
        g.setImageWidth(w);
        g.setImageHeight(h);
      }
      r = new FFmpegFrameRecorder(part.toString(), w, h, 0);
      r.setFormat("mp4");
      r.setVideoCodecName(ENCODER);
      r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
      r.setFrameRate(fps);
      r.setGopSize((int) Math.max(1, Math.round(fps)));
      r.setVideoBitrate(bitrate);
      r.setVideoOption("threads", String.valueOf(THREADS)); // OpenH264 slices encoded in parallel (iMultipleThreadIdc)
      r.setOption("movflags", "+frag_keyframe+empty_moov+default_base_moof");
      r.setOption("frag_duration", "1000000");
      r.start();
      long frames = 0;
      for (Frame f; (f = g.grabImage()) != null; ) {
        r.record(f, avutil.AV_PIX_FMT_YUV420P);
        frames++;
      }
      r.stop();
      r.release();
      r = null;
      if (frames == 0) throw new IOException("no frame decoded from " + source);
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
      transcodes.increment();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      timer.record(Duration.ofMillis(ms));
      log.info("transcoded {} → {} ({} frames, {} ms)", source.getFileName(), target, frames, ms);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("transcode of " + source + " failed: " + e.getMessage(), e);
    } finally {
      if (r != null) {
        try {
          r.release();
        } catch (Throwable ignored) {
          // already failing
        }
      }
      MediaFiles.close(g);
      Files.deleteIfExists(part);
    }
    evict(target);
  }

  private static void touch(Path p) {
    try {
      Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis()));
    } catch (IOException e) {
      // evicted meanwhile: the caller already holds the path; fine for LRU
    }
  }

  /** Deletes least recently used files until the cache is under its bound; never the file just made. */
  private synchronized void evict(Path keep) {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.walk(cacheDir)) {
      s.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".h264.mp4")).forEach(files::add);
    } catch (IOException e) {
      log.warn("transcode cache {} not readable: {}", cacheDir, e.toString());
      return;
    }
    long total = 0;
    for (Path p : files) total += sizeOf(p);
    if (total <= maxBytes) return;
    files.sort(Comparator.comparingLong(Transcoder::mtime));
    for (Path p : files) {
      if (total <= maxBytes) break;
      if (p.equals(keep) || running.containsKey(p)) continue;
      long sz = sizeOf(p);
      try {
        Files.deleteIfExists(p);
        total -= sz;
        evicted.incrementAndGet();
        evictions.increment();
      } catch (IOException e) {
        log.warn("cannot evict {}: {}", p, e.toString());
      }
    }
    if (total > maxBytes) log.warn("transcode cache {} still {} bytes over its bound (files in use)", cacheDir, total - maxBytes);
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  private static long mtime(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }
}
