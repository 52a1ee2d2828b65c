package com.softdew.vms.edge.record;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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
 * Records one camera stream (main or sub) by <b>remux</b>: packets are read with {@link FFmpegFrameGrabber#grabPacket()}
 * (never decoded) and written with {@link FFmpegFrameRecorder#start(AVFormatContext)} + {@link
 * FFmpegFrameRecorder#recordPacket(AVPacket)} (codec parameters copied, no encoder opened) into fragmented MP4
 * segments of a fixed length cut at key frames, on its own platform thread {@code record-<tenant>/<camera>[/sub]}.
 *
 * <ul>
 *   <li>Modes: a {@link ModeGate} decides per packet time whether the stream is wanted (continuous, schedule,
 *       motion/event trigger windows from {@link RecordingTriggers}); while it is not, packets go to a bounded
 *       {@link PreRollBuffer}, flushed into a new segment (from a key frame) as soon as any buffered time is wanted;
 *       a segment closes at the first key frame at or after the end of the wanted time.
 *   <li>Files: {@code dataDir/recordings/<tenant>/<camera>/<stream>/<yyyy-MM-dd UTC>/<startEpochMs>.mp4}, written as
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
  /** Default allowance for the lateness of AI triggers (segment length + queue + inference; see docs/recording.md). */
  public static final Duration DEFAULT_TRIGGER_LATENCY = Duration.ofSeconds(20);
  /** Default byte bound of a stream's pre-roll buffer. */
  public static final long DEFAULT_PREROLL_MAX_BYTES = 64L << 20;
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
    String stream = "main";
    RecordingModes modes = RecordingModes.CONTINUOUS;
    java.time.Clock clock = java.time.Clock.systemUTC();
    Duration triggerLatency = DEFAULT_TRIGGER_LATENCY;
    long preRollMaxBytes = DEFAULT_PREROLL_MAX_BYTES;

    public Options tenantId(String v) { tenantId = v; return this; }
    public Options cameraId(String v) { cameraId = v; return this; }
    /** rtsp://… of the main stream (any FFmpeg input works: a file path is read as fast as it can be). */
    public Options url(String v) { url = v; return this; }
    public Options credentials(String u, String p) { user = u; password = p; return this; }
    public Options transport(String v) { transport = v.toLowerCase(Locale.ROOT); return this; }
    /** Recordings go under {@code dataDir/recordings}. */
    public Options dataDir(Path v) { dataDir = v; return this; }
    /** Segment length in clock time (= stream time, except under a {@link ScaledClock}). */
    public Options segmentLength(Duration v) { segmentLength = v; return this; }
    /** No packet for this long = drop (RTSP socket timeout). */
    public Options readTimeout(Duration v) { readTimeout = v; return this; }
    public Options backoff(Duration initial, Duration max) { backoffInitial = initial; backoffMax = max; return this; }
    public Options jitter(double v) { jitter = v; return this; }
    public Options option(String k, String v) { extraOptions.put(k, v); return this; }
    /** Which camera stream this is: "main" (default) or "sub"; part of the path, the records and the metric tags. */
    public Options stream(String v) {
      if (!"main".equals(v) && !"sub".equals(v)) throw new IllegalArgumentException("stream must be main or sub, got " + v);
      stream = v;
      return this;
    }
    /** When to record (default continuous). */
    public Options modes(RecordingModes v) { modes = Objects.requireNonNull(v, "modes"); return this; }
    /** Receive clock (default system UTC); a {@link ScaledClock} also stretches stream time (simulations). */
    public Options clock(java.time.Clock v) { clock = Objects.requireNonNull(v, "clock"); return this; }
    /** How late a trigger may arrive after its {@code at} and still get its whole pre-roll (default 20 s). */
    public Options triggerLatency(Duration v) { triggerLatency = v; return this; }
    /** Byte bound of the pre-roll buffer (default 64 MiB). */
    public Options preRollMaxBytes(long v) { preRollMaxBytes = v; return this; }
  }

  /** Numbers for tests and health pages. */
  public record Stats(long sessions, long segments, long packetsWritten, long packetsDropped, long writeErrors, long gaps,
      long decodedFrames, boolean encoderOpened, String lastRecorderCodec, String lastError, long packetsSkipped, long preRollOverflowGops,
      long preRollBytes, long triggersAccepted, long triggersIgnored) {}

  private final Vertx vertx;
  private final Options o;
  private final RecordingListener listener;
  private final String label;
  private final Thread thread;
  private volatile boolean running;
  private final Counter segmentsC, bytesC, writeErrorsC, droppedC, gapsC, dropsC, skippedC, overflowC;
  private final AtomicLong sessions = new AtomicLong(), segments = new AtomicLong(), written = new AtomicLong(),
      dropped = new AtomicLong(), writeErrors = new AtomicLong(), gaps = new AtomicLong(), decodedFrames = new AtomicLong(),
      skipped = new AtomicLong(), overflow = new AtomicLong();
  private final AtomicLong bufferBytes;
  /** Gauge state per registry and stream: a restarted recorder of the same stream reports through the same gauge. */
  private static final Map<MeterRegistry, Map<String, AtomicLong>> BUFFER_GAUGES =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
  private final ModeGate gate;
  private final PreRollBuffer buffer;
  private final double rate;
  private AutoCloseable triggerRegistration;
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
  private Instant gapStart;          // set when a session that delivered packets ended
  private String gapReason;
  private Instant lastSeenEnd;       // capture time of the end of the last packet of this session, recorded or not
  private String segTrigger = "continuous", segEventType = "";

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
    this.label = o.tenantId + "/" + o.cameraId + ("main".equals(o.stream) ? "" : "/" + o.stream);
    this.gate = new ModeGate(o.modes, o.triggerLatency);
    this.buffer = new PreRollBuffer(o.preRollMaxBytes);
    this.rate = ScaledClock.rateOf(o.clock);
    Tags tags = Tags.of("tenant", o.tenantId, "camera", o.cameraId, "stream", o.stream);
    segmentsC = Counter.builder("vms.recording.segments").description("closed recording segments").tags(tags).register(registry);
    bytesC = Counter.builder("vms.recording.bytes").description("bytes of closed recording segments").tags(tags).register(registry);
    writeErrorsC = Counter.builder("vms.recording.write.errors").description("recording file open/write/close failures").tags(tags)
        .register(registry);
    droppedC = Counter.builder("vms.recording.packets.dropped").description("main-stream packets not recorded (no open segment)")
        .tags(tags).register(registry);
    gapsC = Counter.builder("vms.recording.gaps").tags(tags).register(registry);
    dropsC = Counter.builder("vms.recording.drops").description("main-stream sessions that ended").tags(tags).register(registry);
    skippedC = Counter.builder("vms.recording.packets.skipped").description("packets not recorded because no mode wanted them")
        .tags(tags).register(registry);
    overflowC = Counter.builder("vms.recording.preroll.overflow").description("GOPs dropped from the pre-roll buffer at its byte bound")
        .tags(tags).register(registry);
    bufferBytes = BUFFER_GAUGES.computeIfAbsent(registry, r -> new java.util.concurrent.ConcurrentHashMap<>()).computeIfAbsent(label, k -> {
      AtomicLong v = new AtomicLong();
      io.micrometer.core.instrument.Gauge.builder("vms.recording.preroll.bytes", v, AtomicLong::get)
          .description("bytes held in the pre-roll buffer").tags(tags).register(registry);
      return v;
    });
    thread = new Thread(this::run, "record-" + label);
    thread.setDaemon(true);
  }

  public MainStreamRecorder start() {
    running = true;
    if (vertx != null && o.modes.triggered()) triggerRegistration = RecordingTriggers.of(vertx).register(o.tenantId, o.cameraId, gate);
    thread.start();
    return this;
  }

  public Stats stats() {
    return new Stats(sessions.get(), segments.get(), written.get(), dropped.get(), writeErrors.get(), gaps.get(), decodedFrames.get(),
        encoderOpened, lastRecorderCodec, lastError, skipped.get(), overflow.get(), bufferBytes.get(), gate.accepted(), gate.ignored());
  }

  /** The mode gate (triggers can also be offered directly). */
  public ModeGate gate() {
    return gate;
  }

  /** "main" or "sub". */
  public String stream() {
    return o.stream;
  }

  /** Directory of this stream's recordings: {@code cameraDir()/<stream>}. */
  public Path streamDir() {
    return cameraDir().resolve(o.stream);
  }

  /**
   * Where a segment of a stream starting at {@code start} is written:
   * {@code dataDir/recordings/<tenant>/<camera>/<stream>/<yyyy-MM-dd UTC>/<startEpochMs>.mp4}.
   */
  public static Path segmentPath(Path dataDir, String tenantId, String cameraId, String stream, Instant start) {
    return dataDir.toAbsolutePath().normalize().resolve("recordings").resolve(tenantId).resolve(cameraId).resolve(stream)
        .resolve(DAY.format(start)).resolve(start.toEpochMilli() + ".mp4");
  }

  /** Directory of this camera's recordings. */
  public Path cameraDir() {
    return o.dataDir.toAbsolutePath().normalize().resolve("recordings").resolve(o.tenantId).resolve(o.cameraId);
  }

  /** Stops the thread; the open segment is closed and reported. Blocks up to read timeout + 3 s: call from a worker. */
  @Override
  public void close() {
    running = false; // no interrupt: it would close the file channels of the segment being finished
    if (triggerRegistration != null) {
      try {
        triggerRegistration.close();
      } catch (Exception ignored) {
        // a map removal
      }
    }
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
        wasRecording = rec != null;
        closeSegment(); // the partial segment stays valid
        dropBuffer();
        try {
          g.close();
        } catch (Throwable e) {
          log.debug("camera {}: closing grabber: {}", label, e.toString());
        }
      }
      if (delivered) {
        dropsC.increment();
        Instant end = wasRecording && lastPacketEnd != null ? lastPacketEnd : lastSeenEnd;
        if (end != null) {
          gapStart = end;
          gapReason = why;
        }
        backoff = o.backoffInitial.toMillis();
        log.warn("camera {}: {} stream recording interrupted ({})", label, o.stream, why);
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

  private boolean wasRecording;

  private String session(FFmpegFrameGrabber g, long[] packets) throws Exception {
    long t0 = System.nanoTime();
    g.start();
    log.debug("camera {}: {} stream session open in {} ms", label, o.stream, (System.nanoTime() - t0) / 1_000_000);
    AVFormatContext ic = g.getFormatContext();
    int video = Fmp4Segments.videoStream(ic);
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
    lastSeenEnd = null;
    // the length is clock time: under a ScaledClock one second of stream covers `rate` seconds of the calendar
    long segLenTs = avutil.av_rescale_q(Math.max(1, Math.round(o.segmentLength.toMillis() / rate)), MILLIS, tb);
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

  /**
   * One video packet with known input timestamps. With a segment open it is written (cut at key frames: the window is
   * over → close, the length is reached → next segment). Without one it goes to the pre-roll buffer, which is then
   * flushed into a new segment as soon as the gate wants any of its time.
   */
  private void write(FFmpegFrameGrabber g, int video, AVPacket pkt, long pts, long dts, long frameDur, long segLenTs, AVRational tb,
      String codec, String resolution) {
    if (anchorWall == null) {
      anchorWall = o.clock.instant();
      anchorTs = dts;
    }
    lastInputDts = Math.max(dts, lastInputDts == avutil.AV_NOPTS_VALUE ? dts : lastInputDts);
    boolean key = (pkt.flags() & avcodec.AV_PKT_FLAG_KEY) != 0;
    long dur = pkt.duration() > 0 ? pkt.duration() : frameDur;
    Instant wall = wallOf(dts, tb);
    Instant seenEnd = wallOf(Math.max(pts, dts) + dur, tb);
    if (lastSeenEnd == null || seenEnd.isAfter(lastSeenEnd)) lastSeenEnd = seenEnd;
    if (rec != null && recordOne(g, video, pkt, pts, dts, wall, key, frameDur, segLenTs, tb, codec, resolution)) return;
    // no segment open (or it just closed at this key frame because no mode wants it any more)
    if (!buffer.add(pkt, pts, dts, wall, key, gate.bufferHorizon())) {
      if (gate.at(wall).wanted()) countDropped(); else countSkipped(1); // before the first key frame
    } else {
      pump(g, video, wall, frameDur, segLenTs, tb, codec, resolution);
    }
    syncBufferStats();
    if (gapStart != null && rec == null && !gate.at(wall).wanted()) reportGapWithin(gapStart, wall);
  }

  /**
   * With a segment open: at a key frame closes it when the gate no longer wants this instant (returns false, the
   * packet is not written: it starts the buffer), or cuts to a new segment once the length is reached; then writes.
   */
  private boolean recordOne(FFmpegFrameGrabber g, int video, AVPacket pkt, long pts, long dts, Instant wall, boolean key, long frameDur,
      long segLenTs, AVRational tb, String codec, String resolution) {
    if (key) {
      ModeGate.Decision d = gate.at(wall);
      if (!d.wanted()) {
        closeSegment(); // closes at the first key frame at or after the end of the wanted time
        return false;
      }
      if (dts - segBaseTs >= segLenTs) {
        closeSegment();
        openSegment(g, video, wall, dts, codec, resolution, d);
        if (rec == null) {
          countDropped();
          return true;
        }
      }
    }
    writePacket(pkt, pts, dts, frameDur, tb);
    return true;
  }

  /** Flushes the buffer into segments while the gate wants any of its time (from the last key frame at or before it). */
  private void pump(FFmpegFrameGrabber g, int video, Instant now, long frameDur, long segLenTs, AVRational tb, String codec, String resolution) {
    while (rec == null && !buffer.isEmpty()) {
      int partial = buffer.dropLeadingNonKey(); // only after a write failure in the middle of a flush
      if (partial > 0) {
        dropped.addAndGet(partial);
        droppedC.increment(partial);
        if (buffer.isEmpty()) return;
      }
      ModeGate.Decision first = gate.firstWanted(buffer.peek().wall(), now);
      if (first == null) return;
      countSkipped(buffer.dropBefore(first.at()));
      PreRollBuffer.Item head = buffer.poll();
      try {
        openSegment(g, video, head.wall(), head.dts(), codec, resolution, first);
        if (rec == null) { // cannot write: the buffered packets are lost, counted
          int n = 1 + buffer.packets();
          buffer.clear();
          dropped.addAndGet(n);
          droppedC.increment(n);
          return;
        }
        writePacket(head.packet(), head.pts(), head.dts(), frameDur, tb);
      } finally {
        avcodec.av_packet_free(head.packet());
      }
      while (rec != null && !buffer.isEmpty()) {
        PreRollBuffer.Item it = buffer.peek();
        if (it.key()) {
          ModeGate.Decision d = gate.at(it.wall());
          if (!d.wanted()) {
            closeSegment();
            break;
          }
          if (it.dts() - segBaseTs >= segLenTs) {
            closeSegment();
            openSegment(g, video, it.wall(), it.dts(), codec, resolution, d);
            if (rec == null) {
              int n = buffer.packets();
              buffer.clear();
              dropped.addAndGet(n);
              droppedC.increment(n);
              return;
            }
          }
        }
        buffer.poll();
        try {
          writePacket(it.packet(), it.pts(), it.dts(), frameDur, tb);
        } finally {
          avcodec.av_packet_free(it.packet());
        }
      }
    }
  }

  /** Shifts the packet into the open segment's time line and writes it. */
  private void writePacket(AVPacket pkt, long pts, long dts, long frameDur, AVRational tb) {
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
    lastPacketEnd = wallOf(segBaseTs + lastEndTs, tb);
  }

  /** Capture time of an input timestamp: the session's anchor plus the stream time since (stretched by a ScaledClock). */
  private Instant wallOf(long ts, AVRational tb) {
    return anchorWall.plus(scaled(ts - anchorTs, tb));
  }

  private Duration scaled(long ts, AVRational tb) {
    long us = avutil.av_rescale_q(ts, tb, MICROS);
    return rate == 1.0 ? Duration.ofNanos(us * 1000) : Duration.ofNanos(Math.round(us * 1000 * rate));
  }

  private void countSkipped(long n) {
    if (n <= 0) return;
    skipped.addAndGet(n);
    skippedC.increment(n);
  }

  private long overflowSeen;

  private void syncBufferStats() {
    bufferBytes.set(buffer.bytes());
    long ov = buffer.overflowGops();
    if (ov > overflowSeen) {
      long n = ov - overflowSeen;
      overflowSeen = ov;
      overflow.addAndGet(n);
      overflowC.increment(n);
      long total = overflow.get();
      if (total == n || total / 100 != (total - n) / 100) {
        log.warn("camera {}: pre-roll buffer full ({} MiB): oldest GOP dropped ({} so far); the pre-roll is shorter than configured", label,
            o.preRollMaxBytes >> 20, total);
      }
    }
    countSkipped(buffer.expiredPackets() - expiredSeen);
    expiredSeen = buffer.expiredPackets();
  }

  private long expiredSeen;

  /** Frees the buffer at the end of a session (its timestamps belong to it). */
  private void dropBuffer() {
    countSkipped(buffer.packets());
    buffer.clear();
    bufferBytes.set(0);
  }

  /** Reports the first wanted span of [from, to] as a gap (the stream was down while a mode wanted it). */
  private void reportGapWithin(Instant from, Instant to) {
    gapStart = null;
    if (!to.isAfter(from)) return;
    ModeGate.Decision d = gate.firstWanted(from, to);
    if (d == null) return;
    Instant end = gate.wantedUntil(d.at(), to);
    if (end.isAfter(d.at())) reportGap(new RecordingGap(o.tenantId, o.cameraId, o.stream, d.at(), end, gapReason));
  }

  private void countDropped() {
    dropped.incrementAndGet();
    droppedC.increment();
  }

  private String codecName, resolutionName;

  private void openSegment(FFmpegFrameGrabber g, int video, Instant start, long baseTs, String codec, String resolution,
      ModeGate.Decision why) {
    Path file = segmentPath(o.dataDir, o.tenantId, o.cameraId, o.stream, start);
    Path dir = file.getParent();
    part = file.resolveSibling(file.getFileName() + ".part");
    try {
      FFmpegFrameRecorder r = Fmp4Segments.openRemux(part, g, video);
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
    segTrigger = why.trigger();
    segEventType = why.eventType();
    if (gapStart != null) reportGapWithin(gapStart, start);
  }

  /** Remux check: the recorder's codec context was never opened (no encoder); the grabber's decoder got no packet. */
  private void checkNoCodecOpened(FFmpegFrameGrabber g, FFmpegFrameRecorder r) {
    if (Fmp4Segments.encoderOpened(r)) {
      encoderOpened = true;
      log.error("camera {}: the recorder opened an encoder: not a remux", label);
    }
    lastRecorderCodec = avcodec.avcodec_get_name(r.getVideoCodec()).getString();
    AVCodecContext dec = Fmp4Segments.field(g, "video_c");
    if (dec != null && !dec.isNull()) decodedFrames.set(Math.max(decodedFrames.get(), dec.frame_num()));
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
    try {
      r.stop();
      r.release();
      Fmp4Segments.Closed c = Fmp4Segments.finish(part);
      Path file = c.file();
      long bytes = c.bytes();
      String sha = c.sha256();
      Instant end = wallOf(segBaseTs + lastEndTs, tbOfLast());
      RecordingSegment s = new RecordingSegment(o.tenantId, o.cameraId, o.stream, segStart, end, bytes, codecName, resolutionName, sha, file,
          "rtsp", segTrigger, segEventType);
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
    return Fmp4Segments.sha256(p);
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
    return Fmp4Segments.withCredentials(o.url, o.user, o.password);
  }

  private static void safeId(String id) {
    if (id.isEmpty() || id.equals(".") || id.equals("..") || !id.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("id not usable as a directory name: " + id);
    }
  }
}
