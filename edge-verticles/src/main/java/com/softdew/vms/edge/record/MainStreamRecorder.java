package com.softdew.vms.edge.record;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records one camera's main stream by <b>remux</b>: packets are read with {@link FFmpegFrameGrabber#grabPacket()}
 * (never decoded) and written with {@link FFmpegFrameRecorder#start(AVFormatContext)} + {@link
 * FFmpegFrameRecorder#recordPacket(AVPacket)} (codec parameters copied, no encoder opened) into fragmented MP4
 * segments of a fixed length cut at key frames, on its own platform thread {@code record-<tenant>/<camera>}.
 *
 * <ul>
 *   <li>Files: {@code dataDir/recordings/<tenant>/<camera>/<yyyy-MM-dd UTC>/<startEpochMs>.mp4}, written as
 *       {@code .mp4.part}, fsynced and renamed atomically on close; each closed file is reported ({@link
 *       RecordingSegment}) to the listener and published on {@link #SEGMENT_ADDRESS}.
 *   <li>Cut: a segment closes at the first key frame at or after {@code segmentLength} of stream time; that key
 *       frame opens the next one. Timestamps are shifted so that each file starts at dts 0, kept strictly
 *       monotonic (B-frames: dts ≤ pts kept).
 *   <li>Drop (read error, socket timeout, end of stream): the open segment is closed (a shorter, valid file),
 *       the grabber closed, and the loop reconnects after a capped exponential backoff with jitter (as {@code
 *       CameraIngestLoop}: 0.5 s doubling to 3 s, ±20 %, reset after a session delivered a packet). When packets
 *       flow again a {@link RecordingGap} (end of the last packet → start of the new segment) is reported and
 *       published on {@link #GAP_ADDRESS}.
 *   <li>Disk failure (open, write, close): counted ({@code vms.recording.write.errors}) and logged; the segment is
 *       abandoned and packets are dropped (counted, {@code vms.recording.packets.dropped}) until the next key frame
 *       opens a new file. Nothing is buffered beyond FFmpeg's own muxer (one fragment, ≤ 1 s).
 * </ul>
 */
public final class MainStreamRecorder implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MainStreamRecorder.class);
  /** Bus address of closed segments ({@link RecordingSegment#toJson()}). */
  public static final String SEGMENT_ADDRESS = com.softdew.vms.codec.Addresses.RECORDING_SEGMENT;
  /** Bus address of gaps ({@link RecordingGap#toJson()}). */
  public static final String GAP_ADDRESS = com.softdew.vms.codec.Addresses.RECORDING_GAP;
  /** Fragmented MP4: a moof+mdat at every key frame and at most every second after an empty moov. */
  public static final String MOVFLAGS = "+frag_keyframe+empty_moov+default_base_moof";
  private static final AVRational MICROS = new AVRational().num(1).den(1_000_000);
  private static final AVRational MILLIS = new AVRational().num(1).den(1000);
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

  static {
    try {
      FFmpegFrameGrabber.tryLoad();
      FFmpegFrameRecorder.tryLoad();
    } catch (Throwable t) {
      log.error("cannot load FFmpeg natives (JavaCV): {}", t.toString());
    }
  }

  /** Per-camera settings (fluent). */
  public static final class Options {
    String tenantId;
    String cameraId;
    String url;
    String user;
    String password;
    String transport = "tcp";
    Path dataDir = Path.of("data");
    Duration segmentLength = Duration.ofSeconds(10);
    Duration readTimeout = Duration.ofSeconds(5);
    Duration backoffInitial = Duration.ofMillis(500);
    Duration backoffMax = Duration.ofSeconds(3);
    double jitter = 0.2;
    Map<String, String> extraOptions = new LinkedHashMap<>();

    public Options tenantId(String v) { tenantId = v; return this; }
    public Options cameraId(String v) { cameraId = v; return this; }
    /** rtsp://… of the main stream (any FFmpeg input works: a file path is read as fast as it can be). */
    public Options url(String v) { url = v; return this; }
    public Options credentials(String u, String p) { user = u; password = p; return this; }
    public Options transport(String v) { transport = v.toLowerCase(Locale.ROOT); return this; }
    /** Recordings go under {@code dataDir/recordings}. */
    public Options dataDir(Path v) { dataDir = v; return this; }
    public Options segmentLength(Duration v) { segmentLength = v; return this; }
    /** No packet for this long = drop (RTSP socket timeout). */
    public Options readTimeout(Duration v) { readTimeout = v; return this; }
    public Options backoff(Duration initial, Duration max) { backoffInitial = initial; backoffMax = max; return this; }
    public Options jitter(double v) { jitter = v; return this; }
    public Options option(String k, String v) { extraOptions.put(k, v); return this; }
  }

  /** Numbers for tests and health pages. */
  public record Stats(long sessions, long segments, long packetsWritten, long packetsDropped, long writeErrors, long gaps,
      long decodedFrames, boolean encoderOpened, String lastRecorderCodec, String lastError) {}

  private final Vertx vertx;
  private final Options o;
  private final RecordingListener listener;
  private final String label;
  private final Thread thread;
  private volatile boolean running;
  private final Counter segmentsC, bytesC, writeErrorsC, droppedC, gapsC, dropsC;
  private final AtomicLong sessions = new AtomicLong(), segments = new AtomicLong(), written = new AtomicLong(),
      dropped = new AtomicLong(), writeErrors = new AtomicLong(), gaps = new AtomicLong(), decodedFrames = new AtomicLong();
  private volatile boolean encoderOpened;
  private volatile String lastRecorderCodec;
  private volatile String lastError;

  // segment state (recorder thread only)
  private FFmpegFrameRecorder rec;
  private Path part;
  private Instant segStart;
  private long segBaseTs;            // input tb: dts (or pts) of the segment's first packet
  private long lastDts, lastEndTs;   // input tb, relative to segBaseTs
  private Instant lastPacketEnd;     // wall time covered so far in this session
  private Instant gapStart;          // set when a session that recorded something ended
  private String gapReason;

  /**
   * @param vertx    optional: when set, segments and gaps are also published on the bus
   * @param listener optional
   */
  public MainStreamRecorder(Vertx vertx, MeterRegistry registry, Options options, RecordingListener listener) {
    this.vertx = vertx;
    this.o = options;
    Objects.requireNonNull(o.tenantId, "tenantId");
    Objects.requireNonNull(o.cameraId, "cameraId");
    Objects.requireNonNull(o.url, "url");
    safeId(o.tenantId);
    safeId(o.cameraId);
    this.listener = listener;
    this.label = o.tenantId + "/" + o.cameraId;
    Tags tags = Tags.of("tenant", o.tenantId, "camera", o.cameraId);
    segmentsC = Counter.builder("vms.recording.segments").description("closed recording segments").tags(tags).register(registry);
    bytesC = Counter.builder("vms.recording.bytes").description("bytes of closed recording segments").tags(tags).register(registry);
    writeErrorsC = Counter.builder("vms.recording.write.errors").description("recording file open/write/close failures").tags(tags)
        .register(registry);
    droppedC = Counter.builder("vms.recording.packets.dropped").description("main-stream packets not recorded (no open segment)")
        .tags(tags).register(registry);
    gapsC = Counter.builder("vms.recording.gaps").tags(tags).register(registry);
    dropsC = Counter.builder("vms.recording.drops").description("main-stream sessions that ended").tags(tags).register(registry);
    thread = new Thread(this::run, "record-" + label);
    thread.setDaemon(true);
  }

  public MainStreamRecorder start() {
    running = true;
    thread.start();
    return this;
  }

  public Stats stats() {
    return new Stats(sessions.get(), segments.get(), written.get(), dropped.get(), writeErrors.get(), gaps.get(), decodedFrames.get(),
        encoderOpened, lastRecorderCodec, lastError);
  }

  /** Directory of this camera's recordings. */
  public Path cameraDir() {
    return o.dataDir.toAbsolutePath().normalize().resolve("recordings").resolve(o.tenantId).resolve(o.cameraId);
  }

  /** Stops the thread; the open segment is closed and reported. Blocks up to read timeout + 3 s: call from a worker. */
  @Override
  public void close() {
    running = false; // no interrupt: it would close the file channels of the segment being finished
    try {
      thread.join(o.readTimeout.toMillis() + 3000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) log.warn("camera {}: recorder thread still blocked after close", label);
  }

  // ------------------------------------------------------------------------------------ loop

  private void run() {
    long backoff = o.backoffInitial.toMillis();
    while (running) {
      String why;
      boolean delivered = false;
      FFmpegFrameGrabber g = grabber();
      sessions.incrementAndGet();
      long[] packets = {0};
      try {
        why = session(g, packets);
      } catch (Throwable e) {
        why = e.getMessage() == null ? e.toString() : e.getMessage();
      } finally {
        delivered = packets[0] > 0;
        closeSegment(); // the partial segment stays valid
        try {
          g.close();
        } catch (Throwable e) {
          log.debug("camera {}: closing grabber: {}", label, e.toString());
        }
      }
      if (delivered) {
        dropsC.increment();
        if (lastPacketEnd != null) {
          gapStart = lastPacketEnd;
          gapReason = why;
        }
        backoff = o.backoffInitial.toMillis();
        log.warn("camera {}: main stream recording interrupted ({})", label, why);
      } else {
        log.debug("camera {}: recorder session failed ({})", label, why);
      }
      if (!running) break;
      long delay = Math.round(backoff * (1 + o.jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1)));
      long until = System.nanoTime() + Math.max(0, delay) * 1_000_000;
      while (running && System.nanoTime() < until) {
        try {
          Thread.sleep(Math.min(50, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      backoff = Math.min(backoff * 2, o.backoffMax.toMillis());
    }
  }

  private String session(FFmpegFrameGrabber g, long[] packets) throws Exception {
    g.start();
    AVFormatContext ic = g.getFormatContext();
    int video = -1;
    for (int i = 0; i < ic.nb_streams(); i++) {
      if (ic.streams(i).codecpar().codec_type() == avutil.AVMEDIA_TYPE_VIDEO) {
        video = i;
        break;
      }
    }
    if (video < 0) return "no video stream";
    AVStream st = ic.streams(video);
    AVRational tb = st.time_base();
    lastTb = tb;
    AVRational fr = st.avg_frame_rate().num() > 0 ? st.avg_frame_rate() : st.r_frame_rate();
    long frameDur = fr.num() > 0 && fr.den() > 0 ? avutil.av_rescale_q(1, avutil.av_inv_q(fr), tb) : 0;
    String codec = avcodec.avcodec_get_name(st.codecpar().codec_id()).getString();
    String resolution = st.codecpar().width() + "x" + st.codecpar().height();
    anchorWall = null;
    anchorTs = 0;
    lastInputDts = avutil.AV_NOPTS_VALUE;
    lastPacketEnd = null;
    long segLenTs = avutil.av_rescale_q(o.segmentLength.toMillis(), MILLIS, tb);
    long step = Math.max(1, frameDur);
    AVPacket held = null; // a leading packet without timestamps (RTP: the first one before the clock is known), at most one
    try {
      while (running) {
        AVPacket pkt = g.grabPacket();
        if (pkt == null) return "stream ended or read failed";
        try {
          if (pkt.stream_index() != video || pkt.size() <= 0) continue; // video only (audio is not recorded)
          packets[0]++;
          long pts = pkt.pts(), dts = pkt.dts();
          if (pts == avutil.AV_NOPTS_VALUE && dts == avutil.AV_NOPTS_VALUE) {
            if (lastInputDts != avutil.AV_NOPTS_VALUE) {
              pts = dts = lastInputDts + step; // one frame after the previous packet
            } else if (held == null) {
              held = avcodec.av_packet_clone(pkt); // its time is known once the next packet tells it
              continue;
            } else {
              countDropped();
              continue;
            }
          }
          if (dts == avutil.AV_NOPTS_VALUE) dts = pts;
          if (pts == avutil.AV_NOPTS_VALUE) pts = dts;
          if (held != null) {
            AVPacket h = held;
            held = null;
            try {
              write(g, video, h, dts - step, dts - step, frameDur, segLenTs, tb, codec, resolution);
            } finally {
              avcodec.av_packet_free(h);
            }
          }
          write(g, video, pkt, pts, dts, frameDur, segLenTs, tb, codec, resolution);
        } finally {
          avcodec.av_packet_unref(pkt);
        }
      }
    } finally {
      if (held != null) avcodec.av_packet_free(held);
    }
    return "stopped";
  }

  private Instant anchorWall;
  private long anchorTs, lastInputDts;

  /** One video packet with known input timestamps: cut, open, shift, write. */
  private void write(FFmpegFrameGrabber g, int video, AVPacket pkt, long pts, long dts, long frameDur, long segLenTs, AVRational tb,
      String codec, String resolution) {
    if (anchorWall == null) {
      anchorWall = Instant.now();
      anchorTs = dts;
    }
    lastInputDts = Math.max(dts, lastInputDts == avutil.AV_NOPTS_VALUE ? dts : lastInputDts);
    boolean key = (pkt.flags() & avcodec.AV_PKT_FLAG_KEY) != 0;
    if (key && rec != null && dts - segBaseTs >= segLenTs) closeSegment();
    if (rec == null) {
      if (!key) {
        countDropped();
        return;
      }
      Instant start = anchorWall.plus(micros(dts - anchorTs, tb));
      openSegment(g, video, start, dts, codec, resolution);
      if (rec == null) {
        countDropped();
        return;
      }
      if (gapStart != null) reportGap(new RecordingGap(o.tenantId, o.cameraId, gapStart, start, gapReason));
    }
    long d = dts - segBaseTs, p = pts - segBaseTs;
    if (d <= lastDts) d = lastDts + 1;
    if (p < d) p = d;
    long dur = pkt.duration() > 0 ? pkt.duration() : frameDur;
    pkt.dts(d).pts(p).duration(dur);
    try {
      rec.recordPacket(pkt);
      written.incrementAndGet();
    } catch (Throwable e) {
      writeFailed("write", e);
      return;
    }
    lastDts = d;
    lastEndTs = Math.max(lastEndTs, p + dur);
    lastPacketEnd = segStart.plus(micros(lastEndTs, tb));
  }

  private void countDropped() {
    dropped.incrementAndGet();
    droppedC.increment();
  }

  private static Duration micros(long ts, AVRational tb) {
    return Duration.ofNanos(avutil.av_rescale_q(ts, tb, MICROS) * 1000);
  }

  private String codecName, resolutionName;

  private void openSegment(FFmpegFrameGrabber g, int video, Instant start, long baseTs, String codec, String resolution) {
    Path dir = cameraDir().resolve(DAY.format(start));
    Path file = dir.resolve(start.toEpochMilli() + ".mp4");
    part = file.resolveSibling(file.getFileName() + ".part");
    try {
      Files.createDirectories(dir);
      // a container-specific tag of the source (e.g. MPEG-TS) is not valid in MP4: let the muxer choose
      g.getFormatContext().streams(video).codecpar().codec_tag(0);
      FFmpegFrameRecorder r = new FFmpegFrameRecorder(part.toString(), g.getImageWidth(), g.getImageHeight(), 0);
      r.setFormat("mp4");
      r.setOption("movflags", MOVFLAGS);
      r.setOption("frag_duration", "1000000");
      try {
        r.start(g.getFormatContext());
      } catch (Throwable e) {
        try {
          r.release();
        } catch (Throwable ignored) {
          // reporting the first failure
        }
        throw e;
      }
      rec = r;
      checkNoCodecOpened(g, r);
    } catch (Throwable e) {
      writeFailed("open " + part, e);
      return;
    }
    segStart = start;
    segBaseTs = baseTs;
    lastDts = -1;
    lastEndTs = 0;
    codecName = codec;
    resolutionName = resolution;
  }

  /** Remux check: the recorder's codec context was never opened (no encoder); the grabber's decoder got no packet. */
  private void checkNoCodecOpened(FFmpegFrameGrabber g, FFmpegFrameRecorder r) {
    AVCodecContext enc = field(r, "video_c");
    if (enc != null && !enc.isNull() && avcodec.avcodec_is_open(enc) != 0) {
      encoderOpened = true;
      log.error("camera {}: the recorder opened an encoder ({}): not a remux", label, enc.codec_id());
    }
    lastRecorderCodec = avcodec.avcodec_get_name(r.getVideoCodec()).getString();
    AVCodecContext dec = field(g, "video_c");
    if (dec != null && !dec.isNull()) decodedFrames.set(Math.max(decodedFrames.get(), dec.frame_num()));
  }

  @SuppressWarnings("unchecked")
  private static <T> T field(Object o, String name) {
    try {
      java.lang.reflect.Field f = o.getClass().getDeclaredField(name);
      f.setAccessible(true);
      return (T) f.get(o);
    } catch (Throwable t) {
      return null;
    }
  }

  private void writeFailed(String what, Throwable e) {
    writeErrors.incrementAndGet();
    writeErrorsC.increment();
    lastError = what + ": " + e;
    log.error("camera {}: recording {} failed: {} (segment abandoned, next one at the next key frame)", label, what, e.toString());
    if (rec != null) {
      try {
        rec.close();
      } catch (Throwable ignored) {
        // already failing
      }
    }
    rec = null;
  }

  private void closeSegment() {
    FFmpegFrameRecorder r = rec;
    if (r == null) return;
    rec = null;
    Path file = part.resolveSibling(part.getFileName().toString().replace(".part", ""));
    try {
      r.stop();
      r.release();
      long bytes;
      try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
        ch.force(true);
        bytes = ch.size();
      }
      String sha = sha256(part);
      Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
      Instant end = segStart.plus(micros(lastEndTs, tbOfLast()));
      RecordingSegment s = new RecordingSegment(o.tenantId, o.cameraId, segStart, end, bytes, codecName, resolutionName, sha, file, "rtsp");
      segments.incrementAndGet();
      segmentsC.increment();
      bytesC.increment(bytes);
      log.debug("camera {}: segment {} {} bytes", label, file, bytes);
      if (listener != null) {
        try {
          listener.segment(s);
        } catch (Throwable e) {
          log.warn("camera {}: recording listener failed: {}", label, e.toString());
        }
      }
      if (vertx != null) vertx.eventBus().publish(SEGMENT_ADDRESS, s.toJson());
    } catch (Throwable e) {
      writeFailed("close " + part, e);
    }
  }

  private AVRational lastTb;

  private AVRational tbOfLast() {
    return lastTb;
  }

  private void reportGap(RecordingGap gap) {
    gapStart = null;
    gaps.incrementAndGet();
    gapsC.increment();
    log.info("camera {}: recording gap {} → {} ({} ms, {})", label, gap.start(), gap.end(),
        Duration.between(gap.start(), gap.end()).toMillis(), gap.reason());
    if (listener != null) {
      try {
        listener.gap(gap);
      } catch (Throwable e) {
        log.warn("camera {}: recording listener failed: {}", label, e.toString());
      }
    }
    if (vertx != null) vertx.eventBus().publish(GAP_ADDRESS, gap.toJson());
  }

  static String sha256(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private FFmpegFrameGrabber grabber() {
    FFmpegFrameGrabber g = new FFmpegFrameGrabber(urlWithCredentials());
    boolean rtsp = o.url.startsWith("rtsp");
    if (rtsp) {
      g.setFormat("rtsp");
      g.setOption("rtsp_transport", o.transport);
      g.setOption("timeout", String.valueOf(o.readTimeout.toNanos() / 1000));
      g.setOption("max_delay", "500000");
    }
    g.setOption("analyzeduration", "100000");
    g.setOption("probesize", "32768");
    o.extraOptions.forEach(g::setOption);
    // JavaCV opens a decoder in start(); it is never fed (grabPacket only): one thread, no frame threads
    g.setVideoOption("threads", "1");
    return g;
  }

  private String urlWithCredentials() {
    if (o.user == null || o.user.isEmpty()) return o.url;
    int scheme = o.url.indexOf("://");
    if (scheme < 0) return o.url;
    String rest = o.url.substring(scheme + 3);
    int at = rest.indexOf('@'), slash = rest.indexOf('/');
    if (at >= 0 && (slash < 0 || at < slash)) rest = rest.substring(at + 1);
    return o.url.substring(0, scheme + 3) + enc(o.user) + ":" + enc(o.password == null ? "" : o.password) + "@" + rest;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static void safeId(String id) {
    if (id.isEmpty() || id.equals(".") || id.equals("..") || !id.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("id not usable as a directory name: " + id);
    }
  }
}
