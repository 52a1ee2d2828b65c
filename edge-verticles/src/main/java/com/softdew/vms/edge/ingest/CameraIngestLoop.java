package com.softdew.vms.edge.ingest;

import com.softdew.vms.codec.Addresses;
import com.softdew.vms.edge.normalize.FrameNormalizer;
import com.softdew.vms.edge.normalize.FrameRing;
import com.softdew.vms.edge.normalize.NormalizedFrame;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls one camera stream over RTSP, decodes it (JavaCV {@link FFmpegFrameGrabber}, FFmpeg LGPL build),
 * normalises the frames ({@link FrameNormalizer}) and pushes them into the camera's {@link FrameRing}
 * (plus an optional listener), on its <b>own platform thread</b> (named {@code ingest-<tenant>/<camera>}):
 * grabbing blocks in native code and must never run on a Vert.x event loop.
 *
 * <h2>Connection life cycle</h2>
 * <ul>
 *   <li>Open with credentials in the URL (percent-encoded), {@code rtsp_transport} tcp or udp, the RTSP
 *       demuxer's socket {@code timeout} set to the stall timeout + 2 s (so neither a dead host nor a silent
 *       stream blocks a read for longer), low-delay demuxing (short probe: {@code analyzeduration} 0.1 s,
 *       {@code probesize} 32 KB; {@code max_delay}) and decoding ({@code flags
 *       low_delay}, {@code threads}, default 1 per camera: frame threading would add a frame of latency
 *       per thread and an edge box runs many cameras on few cores).
 *   <li>Any failure (open refused or timed out, 401, read error, end of stream, stall) closes the
 *       grabber and retries after a capped exponential backoff with jitter (default 0.5 s doubling to
 *       3 s, ±20 %); the backoff resets when a session delivers its first frame. The cap is 3 s rather
 *       than 10 s so that a camera that comes back after a long outage streams again within ~5 s (next
 *       probe ≤ 3.6 s + open ≈ 0.3-1 s); a probe is one TCP connect, cheap even for hundreds of cameras.
 *   <li>Stall: a watchdog (one shared daemon thread, every 200 ms) declares the camera DOWN when no
 *       frame came for {@code stallTimeout} (default 5 s) and makes the loop reconnect; the socket
 *       timeout (2 s longer) makes the blocked read return soon after.
 *   <li>Every state change (UNKNOWN→UP/DOWN, UP→DOWN, DOWN→UP, and DOWN on {@link #close()}) is published
 *       once on {@link Addresses#INGEST_CAMERA_STATUS} as {@code {tenantId, cameraId, state: UP|DOWN,
 *       reason, at}}, logged in one line and counted ({@code vms.ingest.drops}, gauge {@code vms.ingest.up}).
 *       Repeated failed reconnects while DOWN publish nothing more (debug log only).
 * </ul>
 *
 * <h2>Capture clock</h2>
 * libavformat's RTSP demuxer turns the first RTCP sender report into {@code
 * AVFormatContext.start_time_realtime} (microseconds since the Unix epoch of pts 0; for a single stream
 * packet pts count from the first RTP timestamp). When set, capture time = {@code start_time_realtime +
 * pts} ({@code clock = "rtcp"}: the camera's clock, the same for every viewer); before the first sender
 * report, or for a camera that sends none, the time the frame left the decoder ({@code clock =
 * "receive"}). Later sender reports (clock drift) are not followed: libavformat keeps the first mapping.
 *
 * <h2>Hardware decoding</h2>
 * Option {@code hwaccel} (start-up key {@code ingest.hwDecode}: {@code auto|none|vaapi|cuda|qsv}, see
 * {@link HwDecode}): {@code cuda} and {@code qsv} decode with FFmpeg's {@code <codec>_cuvid} /
 * {@code <codec>_qsv} decoders chosen by name once the stream's codec is known (the first connection of a
 * loop learns the codec in {@link HwFrameGrabber}'s pre-open hook and reconnects at once with the right
 * decoder; later connections name it up front); {@code vaapi} attaches a VAAPI device
 * ({@code hw_device_ctx}) to FFmpeg's native decoder and downloads each surface with
 * {@code av_hwframe_transfer_data}; {@code auto} uses the first device type that opens (vaapi, cuda, qsv).
 * When the hardware decoder cannot be opened, fails while decoding, or delivers no frame in two
 * connections in a row, that camera falls back to software for the rest of the loop's life: one WARN line
 * names the decoder tried and the error, and the decoder ({@code decoder}: {@code software},
 * {@code h264_cuvid}, {@code hevc_qsv}, {@code vaapi-h264} ...) and the reason ({@code decoderReason}) are
 * carried by every status event and by the gauge {@code vms.ingest.decoder{tenant,camera,decoder}} (1 for
 * the decoder in use, 0 for one given up).
 *
 * <h2>Measured source quality</h2>
 * {@link #measuredQuality()}: resolution and codec of the decoded stream, fps and bitrate over the last
 * window of 5 s (the first after 2 s). Bytes are the sizes of the compressed video packets the grabber
 * read (its packet, read after each frame; a packet that yields no frame, e.g. while the decoder
 * fills, is not counted).
 *
 * <h2>Metrics</h2> (tags tenant, camera) {@code vms.ingest.drops}, {@code vms.ingest.up}, {@code
 * vms.ingest.frames.received} (frames the stream timestamps say the camera sent, including frames lost
 * in transit or undecodable: FFmpegFrameGrabber does not expose packets), {@code
 * vms.ingest.frames.decoded}, {@code vms.ingest.frames.normalized}, {@code vms.ingest.frames.dropped}
 * (tag reason: {@code rate} = dropped by the fps conversion, {@code lost} = timestamp gaps), fps gauges
 * {@code vms.ingest.fps.received|decoded|normalized} (last second), timer {@code vms.ingest.latency}
 * (capture time → normalised frame ready), and the ring's {@code vms.ingest.ring.overflow}.
 */
public final class CameraIngestLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CameraIngestLoop.class);
  private static final Pattern AV_ERROR = Pattern.compile("error (-\\d+)");

  public enum State { UNKNOWN, UP, DOWN }

  /** Per-camera configuration (fluent setters). */
  public static final class Options {
    String tenantId;
    String cameraId;
    String url;
    String user;
    String password;
    String transport = "tcp";
    Duration stallTimeout = Duration.ofSeconds(5);
    Duration backoffInitial = Duration.ofMillis(500);
    Duration backoffMax = Duration.ofSeconds(3);
    double jitter = 0.2;
    String hwaccel;
    int decoderThreads = 1;
    FrameNormalizer.Config normalize = FrameNormalizer.Config.DEFAULT;
    int ringCapacity = FrameRing.DEFAULT_CAPACITY;
    Map<String, String> extraOptions = new LinkedHashMap<>();
    /** Tests only: decode in software through the packet loop hardware sessions use. */
    boolean packetLoop;

    public Options tenantId(String v) { tenantId = v; return this; }
    public Options cameraId(String v) { cameraId = v; return this; }
    /** rtsp://host:port/path without credentials (credentials already in the URL are kept if user is null). */
    public Options url(String v) { url = v; return this; }
    public Options credentials(String u, String p) { user = u; password = p; return this; }
    /** "tcp" (default, interleaved) or "udp". */
    public Options transport(String v) { transport = v.toLowerCase(Locale.ROOT); return this; }
    public Options stallTimeout(Duration v) { stallTimeout = v; return this; }
    public Options backoff(Duration initial, Duration max) { backoffInitial = initial; backoffMax = max; return this; }
    /** Fraction of random spread around each backoff delay (0.2 = ±20 %). */
    public Options jitter(double v) { jitter = v; return this; }
    /** Hardware decode wish (start-up key ingest.hwDecode): none/null, auto, cuda, vaapi, qsv ... (probed, software fallback). */
    public Options hwaccel(String v) { hwaccel = v; return this; }
    /** Decoder threads (0 = FFmpeg's choice). */
    public Options decoderThreads(int v) { decoderThreads = v; return this; }
    public Options normalize(FrameNormalizer.Config v) { normalize = v; return this; }
    public Options ringCapacity(int v) { ringCapacity = v; return this; }
    /** Any other avformat option (overrides the defaults above), e.g. {@code reorder_queue_size}. */
    public Options option(String k, String v) { extraOptions.put(k, v); return this; }
  }

  /** Numbers for tests and health pages. */
  public record Stats(State state, String reason, String clock, String decoder, String codec, String sourceSize,
      long sessions, long drops, long framesDecoded, long framesReceived, long framesNormalized, long droppedByRate,
      long lost, double receivedFps, double decodedFps, double normalizedFps,
      long lastTimeToFirstFrameMillis, long lastReconnectMillis) {}

  private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ingest-watchdog");
    t.setDaemon(true);
    return t;
  });

  static {
    String level = System.getProperty("vms.ffmpeg.loglevel", "fatal");
    try {
      FFmpegFrameGrabber.tryLoad();
      avutil.av_log_set_level(switch (level) {
        case "quiet" -> avutil.AV_LOG_QUIET;
        case "error" -> avutil.AV_LOG_ERROR;
        case "warning" -> avutil.AV_LOG_WARNING;
        case "info" -> avutil.AV_LOG_INFO;
        case "debug" -> avutil.AV_LOG_DEBUG;
        default -> avutil.AV_LOG_FATAL;
      });
    } catch (Throwable t) {
      log.error("cannot load FFmpeg natives (JavaCV): {}", t.toString());
    }
  }

  private final Vertx vertx;
  private final MeterRegistry registry;
  private final Options o;
  private final String label;
  private final FrameRing ring;
  private final FrameNormalizer normalizer;
  private final Consumer<NormalizedFrame> listener;
  private final Thread thread;
  private volatile boolean running;
  private ScheduledFuture<?> watchdogTask;

  // state
  private State state = State.UNKNOWN;
  private String reason = "starting";
  private long downSinceNanos = System.nanoTime();
  private volatile long lastFrameNanos;
  private volatile boolean streaming;
  private volatile boolean stalled;
  private volatile String clock = "receive";
  private volatile String decoder = "software";
  private volatile String decoderReason = "hardware decode not requested";
  // hardware decode: family (cuda|qsv|vaapi, null = software), codec learned from the stream, decoder being tried
  private String hwType;
  private int hwCodecId = -1;
  private String hwTrying;
  private int hwSessionsWithoutFrames;
  private final org.bytedeco.ffmpeg.avutil.AVFrame swFrame = org.bytedeco.ffmpeg.global.avutil.av_frame_alloc();
  private static final Map<String, AtomicInteger> DECODER_IN_USE = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile AtomicInteger decoderInUse;
  private volatile long qualityBitrate;
  private volatile double qualityFps;
  private long winStartNanos, winBytes, winFrames;
  private long lastPktPts = Long.MIN_VALUE, lastPktDts = Long.MIN_VALUE;
  private int lastPktSize = -1;
  private volatile String codec;
  private volatile long ttffMillis = -1, reconnectMillis = -1;
  private final AtomicLong sessions = new AtomicLong();

  // metrics
  private final AtomicInteger upGauge = new AtomicInteger();
  private final Counter drops, received, decoded, normalized, droppedRate, lostCounter;
  private final Timer latency;
  private final AtomicLong decodedN = new AtomicLong(), receivedN = new AtomicLong(), normalizedN = new AtomicLong(),
      rateDroppedN = new AtomicLong(), lostN = new AtomicLong(), dropsN = new AtomicLong();
  private volatile double receivedFps, decodedFps, normalizedFps;
  private long fpsAtNanos = System.nanoTime(), fpsRecv, fpsDec, fpsNorm;

  public CameraIngestLoop(Vertx vertx, MeterRegistry registry, Options options) {
    this(vertx, registry, options, null);
  }

  /** @param listener optional: called on the ingest thread with every normalised frame, after the ring push; must not block */
  public CameraIngestLoop(Vertx vertx, MeterRegistry registry, Options options, Consumer<NormalizedFrame> listener) {
    this.vertx = Objects.requireNonNull(vertx);
    this.registry = Objects.requireNonNull(registry);
    this.o = options;
    Objects.requireNonNull(o.tenantId, "tenantId");
    Objects.requireNonNull(o.cameraId, "cameraId");
    Objects.requireNonNull(o.url, "url");
    if (!o.transport.equals("tcp") && !o.transport.equals("udp")) throw new IllegalArgumentException("transport tcp|udp: " + o.transport);
    this.label = o.tenantId + "/" + o.cameraId;
    this.listener = listener;
    this.ring = new FrameRing(o.tenantId, o.cameraId, o.ringCapacity, registry);
    this.normalizer = new FrameNormalizer(o.tenantId, o.cameraId, o.normalize);
    Tags tags = Tags.of("tenant", o.tenantId, "camera", o.cameraId);
    drops = Counter.builder("vms.ingest.drops").description("camera stream drops (UP to DOWN)").tags(tags).register(registry);
    Gauge.builder("vms.ingest.up", upGauge, AtomicInteger::get).description("1 while the camera stream delivers frames").tags(tags).register(registry);
    received = Counter.builder("vms.ingest.frames.received").tags(tags).register(registry);
    decoded = Counter.builder("vms.ingest.frames.decoded").tags(tags).register(registry);
    normalized = Counter.builder("vms.ingest.frames.normalized").tags(tags).register(registry);
    droppedRate = Counter.builder("vms.ingest.frames.dropped").tags(tags).tag("reason", "rate").register(registry);
    lostCounter = Counter.builder("vms.ingest.frames.dropped").tags(tags).tag("reason", "lost").register(registry);
    Gauge.builder("vms.ingest.fps.received", this, l -> l.receivedFps).tags(tags).register(registry);
    Gauge.builder("vms.ingest.fps.decoded", this, l -> l.decodedFps).tags(tags).register(registry);
    Gauge.builder("vms.ingest.fps.normalized", this, l -> l.normalizedFps).tags(tags).register(registry);
    latency = Timer.builder("vms.ingest.latency").description("capture time to normalised frame").tags(tags)
        .publishPercentiles(0.5, 0.99).register(registry);
    this.thread = new Thread(this::run, "ingest-" + label);
    this.thread.setDaemon(true);
  }

  /** Starts the ingest thread (once). */
  public CameraIngestLoop start() {
    running = true;
    thread.start();
    watchdogTask = WATCHDOG.scheduleAtFixedRate(this::watchdog, 200, 200, TimeUnit.MILLISECONDS);
    return this;
  }

  public FrameRing ring() { return ring; }
  public String clock() { return clock; }
  /** "software" or the hardware decoder in use ("h264_cuvid", "hevc_qsv", "vaapi-h264"; the family while the codec is not known yet). */
  public String decoder() { return decoder; }
  /** Why the decoder is what it is (the fallback reason when hardware was asked for). */
  public String decoderReason() { return decoderReason; }

  /**
   * What the camera really delivers (before normalisation): resolution, bitrate (bits/s), fps and codec
   * as measured by this loop; 0 / null while not known yet (no frame, or less than 2 s of stream).
   */
  public com.softdew.vms.model.VideoJob.SourceQuality measuredQuality() {
    return new com.softdew.vms.model.VideoJob.SourceQuality(normalizer.sourceSize(), qualityBitrate, qualityFps, codec);
  }
  public synchronized State state() { return state; }
  public Thread thread() { return thread; }

  public synchronized Stats stats() {
    return new Stats(state, reason, clock, decoder, codec, normalizer.sourceSize(), sessions.get(), dropsN.get(), decodedN.get(),
        receivedN.get(), normalizedN.get(), rateDroppedN.get(), lostN.get(), receivedFps, decodedFps, normalizedFps, ttffMillis, reconnectMillis);
  }

  /** Stops the thread (waits up to the stall timeout + 5 s for a blocked read), publishes DOWN if it was UP. */
  @Override
  public void close() {
    running = false;
    if (watchdogTask != null) watchdogTask.cancel(false);
    thread.interrupt();
    try {
      thread.join(o.stallTimeout.toMillis() + 5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) log.warn("camera {}: ingest thread still blocked after close", label);
    if (decoderInUse != null) decoderInUse.set(0);
    setState(State.DOWN, "ingest stopped");
  }

  // ------------------------------------------------------------------------------------ loop

  private void run() {
    HwDecode.Plan plan = HwDecode.plan(o.hwaccel);
    hwType = plan.type();
    if (o.packetLoop && hwType == null) {
      hwType = "packets";
      plan = new HwDecode.Plan(hwType, "software decoder through the hardware packet loop (test)");
    }
    useDecoder(plan.hardware() ? hwType : "software", plan.reason());
    if (plan.hardware()) {
      log.info("camera {}: decoder {} ({})", label, decoder, decoderReason);
    } else if (o.hwaccel == null || o.hwaccel.isBlank() || o.hwaccel.equalsIgnoreCase("none")) {
      log.info("camera {}: decoder {} ({})", label, decoder, decoderReason);
    } else {
      log.warn("camera {}: decoder {} ({})", label, decoder, decoderReason);
    }
    long backoff = o.backoffInitial.toMillis();
    while (running) {
      String why;
      long t0 = System.nanoTime();
      FFmpegFrameGrabber g = grabber();
      sessions.incrementAndGet();
      boolean retryNow = false;
      try {
        why = session(g, t0);
      } catch (CodecLearned e) {
        why = "reconnecting with decoder " + e.decoder;
        retryNow = true;
      } catch (HwFailure e) {
        softwareFallback(e.decoder, e.getMessage());
        why = "hardware decoder " + e.decoder + " failed";
        retryNow = true;
      } catch (Throwable e) {
        why = describe(e);
      } finally {
        streaming = false;
        try {
          g.close();
        } catch (Throwable e) {
          log.debug("camera {}: closing grabber: {}", label, e.toString());
        }
      }
      if (!running) break;
      if (hwType != null && hwTrying != null && !lastSessionHadFrames && sessionStarted && !retryNow) {
        // a hardware decoder that never hands out a frame fails silently (FFmpegFrameGrabber ignores decode
        // errors): after two connections in a row that opened but delivered nothing, give it up
        if (++hwSessionsWithoutFrames >= 2) {
          softwareFallback(hwTrying, "opened but delivered no frame in 2 connections in a row (last: " + why + ")");
          retryNow = true;
        }
      }
      if (retryNow) {
        lastSessionHadFrames = false;
        continue; // same camera, other decoder: no backoff, no DOWN
      }
      if (ttffMillis >= 0 && lastSessionHadFrames) backoff = o.backoffInitial.toMillis(); // success resets
      lastSessionHadFrames = false;
      setState(State.DOWN, why);
      long delay = Math.round(backoff * (1 + o.jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1)));
      log.debug("camera {}: reconnect in {} ms ({})", label, delay, why);
      try {
        Thread.sleep(Math.max(0, delay));
      } catch (InterruptedException e) {
        if (!running) break;
      }
      backoff = Math.min(backoff * 2, o.backoffMax.toMillis());
    }
    normalizer.close();
    org.bytedeco.ffmpeg.global.avutil.av_frame_free(swFrame);
    avutil.av_frame_free(hwFrame);
  }

  private boolean lastSessionHadFrames;
  private boolean sessionStarted;

  /** Sets the decoder in use and its gauge (1 for it, 0 for the one it replaces). */
  private void useDecoder(String name, String why) {
    if (decoderInUse != null) decoderInUse.set(0);
    decoder = name;
    decoderReason = why;
    // one value object per registry, camera and decoder: a restarted loop of the same camera updates the gauge
    // Micrometer registered for its predecessor (a gauge keeps the object it was first registered with)
    decoderInUse = DECODER_IN_USE.computeIfAbsent(System.identityHashCode(registry) + "/" + label + "/" + name, k -> {
      AtomicInteger v = new AtomicInteger();
      Gauge.builder("vms.ingest.decoder", v, AtomicInteger::get).description("1 for the decoder this camera uses")
          .tags(Tags.of("tenant", o.tenantId, "camera", o.cameraId, "decoder", name)).register(registry);
      return v;
    });
    decoderInUse.set(1);
  }

  /** The hardware decoder tried failed: software for the rest of this loop's life, one WARN line. */
  private void softwareFallback(String tried, String error) {
    String why = "hwDecode " + o.hwaccel.toLowerCase(Locale.ROOT) + ": " + tried + " " + error + "; software fallback";
    log.warn("camera {}: hardware decoder {} {}: decoding in software", label, tried, error);
    hwType = null;
    hwTrying = null;
    useDecoder("software", why);
  }

  /** Packets a hardware decoder may take without handing out a frame, or fail in a row, before it is given up. */
  static final int HW_PACKETS_WITHOUT_FRAME = 60;
  private org.bytedeco.ffmpeg.avcodec.AVCodecContext hwCtx; // the grabber's video decoder (valid until it is closed)
  private final org.bytedeco.ffmpeg.avutil.AVFrame hwFrame = avutil.av_frame_alloc();
  private int hwPacketsWithoutFrame, hwSendErrors;
  private long hwFrameTs;
  private String hwLastError = "none";

  /**
   * Next decoded frame of a hardware session (in system memory: NV12 from cuvid/qsv, or the VAAPI surface
   * downloaded into {@link #swFrame}), null when the stream ended or the loop stops. Throws {@link HwFailure}
   * when the decoder rejects {@value #HW_PACKETS_WITHOUT_FRAME} packets in a row, yields no frame for that many
   * packets at the start, or a surface cannot be downloaded.
   */
  private org.bytedeco.ffmpeg.avutil.AVFrame hwNextFrame(FFmpegFrameGrabber g, int vIndex, boolean vaapi, boolean first)
      throws Exception {
    org.bytedeco.ffmpeg.avcodec.AVCodecContext c = hwCtx;
    while (running && !stalled) {
      int r = avcodec.avcodec_receive_frame(c, hwFrame);
      if (r >= 0) {
        hwPacketsWithoutFrame = 0;
        org.bytedeco.ffmpeg.avutil.AVRational tb = g.getFormatContext().streams(vIndex).time_base();
        hwFrameTs = 1_000_000L * hwFrame.best_effort_timestamp() * tb.num() / tb.den();
        if (!vaapi) return hwFrame;
        if (hwFrame.format() == avutil.AV_PIX_FMT_VAAPI) {
          avutil.av_frame_unref(swFrame);
          int t = avutil.av_hwframe_transfer_data(swFrame, hwFrame, 0);
          if (t < 0) throw new HwFailure(hwTrying, "av_hwframe_transfer_data failed: " + avError(t));
          return swFrame;
        }
        if (first && hwTrying != null) {
          // FFmpeg falls back to software inside the decoder when the hwaccel cannot be initialised
          softwareFallback(hwTrying, "decoder produced " + avutil.av_get_pix_fmt_name(hwFrame.format()).getString()
              + " frames instead of VAAPI surfaces (hwaccel not initialised)");
        }
        return hwFrame;
      }
      if (r == avutil.AVERROR_EOF()) return null;
      if (r != avutil.AVERROR_EAGAIN()) {
        hwLastError = "avcodec_receive_frame: " + avError(r);
        hwSendErrors++;
      }
      org.bytedeco.ffmpeg.avcodec.AVPacket p = g.grabPacket();
      if (p == null) return null;
      try {
        if (p.stream_index() != vIndex) continue;
        winBytes += p.size();
        hwPacketsWithoutFrame++;
        int s = avcodec.avcodec_send_packet(c, p);
        if (s < 0 && s != avutil.AVERROR_EAGAIN()) {
          hwSendErrors++;
          hwLastError = "avcodec_send_packet: " + avError(s);
        } else if (s >= 0 && r == avutil.AVERROR_EAGAIN()) {
          hwSendErrors = 0;
        }
      } finally {
        avcodec.av_packet_unref(p);
      }
      if (hwSendErrors >= HW_PACKETS_WITHOUT_FRAME) {
        throw new HwFailure(hwTrying, "failed while decoding: " + hwSendErrors + " errors in a row (last " + hwLastError + ")");
      }
      if (first && hwPacketsWithoutFrame >= HW_PACKETS_WITHOUT_FRAME) {
        throw new HwFailure(hwTrying, "opened but gave no frame for " + hwPacketsWithoutFrame + " packets (last error: " + hwLastError + ")");
      }
    }
    return null;
  }

  /** Thrown by the pre-open hook once the stream's codec is known and another decoder must be named. */
  private static final class CodecLearned extends RuntimeException {
    final String decoder;

    CodecLearned(String decoder) {
      super("codec learned, use " + decoder, null, false, false);
      this.decoder = decoder;
    }
  }

  /** The hardware decoder could not be opened or failed while decoding. */
  private static final class HwFailure extends RuntimeException {
    final String decoder;

    HwFailure(String decoder, String message) {
      super(message, null, false, false);
      this.decoder = decoder;
    }
  }

  /**
   * Pre-open hook (hardware decode only): {@code cuda}/{@code qsv} check that the named decoder matches the
   * stream's codec (else abort the start: the loop reconnects at once naming the right one); {@code vaapi}
   * attaches the device.
   */
  private void beforeOpen(org.bytedeco.ffmpeg.avcodec.AVCodecContext c) {
    hwCtx = null;
    int codecId = c.codec_id();
    String codecName = HwDecode.codecName(codecId);
    if (hwType.equals("packets")) {
      hwCtx = c;
      hwTrying = "packets-" + codecName;
      if (!decoder.equals(hwTrying)) useDecoder(hwTrying, "software " + codecName + " decoder through the hardware packet loop (test)");
      return;
    }
    if (hwType.equals("vaapi")) {
      org.bytedeco.ffmpeg.avutil.AVBufferRef dev = HwDecode.vaapiDeviceRef();
      if (dev == null) throw new HwFailure("vaapi-" + codecName, "device " + HwDecode.VAAPI_DEVICE + " not available");
      c.hw_device_ctx(dev); // avcodec_free_context unrefs it
      hwCtx = c;
      hwTrying = "vaapi-" + codecName;
      hwCodecId = codecId;
      if (!decoder.equals(hwTrying)) useDecoder(hwTrying, "hwDecode " + o.hwaccel + ": VAAPI device " + HwDecode.VAAPI_DEVICE + " on the native " + codecName + " decoder");
      return;
    }
    String wanted = HwDecode.decoderName(hwType, codecId);
    if (wanted == null || !HwDecode.decoderInBuild(wanted)) {
      throw new HwFailure(hwType + " (" + codecName + ")", "has no decoder for " + codecName + " in this FFmpeg build");
    }
    hwCodecId = codecId;
    String current = c.codec() == null || c.codec().isNull() ? "" : c.codec().name().getString();
    if (!wanted.equals(current)) throw new CodecLearned(wanted);
    hwCtx = c;
    hwTrying = wanted;
    if (!decoder.equals(wanted)) useDecoder(wanted, "hwDecode " + o.hwaccel + ": " + wanted);
  }

  /** One connection: returns why it ended. */
  private String session(FFmpegFrameGrabber g, long t0) throws Exception {
    stalled = false;
    sessionStarted = false;
    hwCtx = null; // set again by the pre-open hook of this connection
    try {
      g.start();
    } catch (CodecLearned | HwFailure e) {
      throw e;
    } catch (Exception e) {
      // only the hook's own exceptions and a failed avcodec_open2 of the hardware decoder are decoder failures;
      // anything earlier (connect, 401, probe) is a camera problem
      CodecLearned cl = cause(e, CodecLearned.class);
      if (cl != null) throw cl;
      HwFailure hf = cause(e, HwFailure.class);
      if (hf != null) throw hf;
      String m = String.valueOf(e.getMessage());
      if (hwTrying != null && g instanceof HwFrameGrabber h && h.hookRan() && m.contains("avcodec_open2")) {
        throw new HwFailure(hwTrying, "failed to open: " + describe(e).replace(" (For more details, make sure FFmpegLogCallback.set() has been called.)", ""));
      }
      throw e;
    }
    sessionStarted = true;
    boolean hwSession = hwTrying != null && hwCtx != null;
    boolean hwVaapi = hwSession && hwTrying.startsWith("vaapi");
    hwPacketsWithoutFrame = 0;
    hwSendErrors = 0;
    AVFormatContext oc = g.getFormatContext();
    int vIndex = videoStreamIndex(oc);
    codec = vIndex >= 0 ? HwDecode.codecName(oc.streams(vIndex).codecpar().codec_id()) : g.getVideoCodecName();
    normalizer.resetTimeline();
    int videoIndex = videoStreamIndex(oc);
    winStartNanos = System.nanoTime();
    winBytes = 0;
    winFrames = 0;
    double srcFps = g.getFrameRate();
    long prevPts = Long.MIN_VALUE;
    boolean first = true;
    while (running) {
      if (stalled) return "stall: no frame for " + o.stallTimeout.toMillis() / 1000.0 + " s";
      Frame f = null;
      org.bytedeco.ffmpeg.avutil.AVFrame picture = null;
      long ts;
      if (hwSession) {
        // hardware: our own packet loop on the grabber's decoder, so that decode errors are seen (JavaCV's
        // grabFrame ignores them and would read packets for ever when a hardware decoder yields nothing)
        picture = hwNextFrame(g, vIndex, hwVaapi, first);
        if (stalled) return "stall: no frame for " + o.stallTimeout.toMillis() / 1000.0 + " s";
        if (picture == null) return running ? "stream ended or read failed" : "stopped";
        ts = hwFrameTs;
      } else {
        f = g.grabFrame(false, true, true, false, false);
        // the watchdog may have declared a stall while we were blocked (a read timeout makes the grabber flush its
        // decoder and hand out a buffered frame: not proof of life)
        if (stalled) return "stall: no frame for " + o.stallTimeout.toMillis() / 1000.0 + " s";
        if (f == null) {
          return "stream ended or read failed";
        }
        if (f.image == null) continue;
        ts = f.timestamp;
      }
      long now = System.nanoTime();
      Instant receivedAt = Instant.now();
      lastFrameNanos = now;
      if (first) {
        first = false;
        streaming = true;
        lastSessionHadFrames = true;
        hwSessionsWithoutFrames = 0;
        ttffMillis = (now - t0) / 1_000_000;
        srcFps = g.getFrameRate();
      }
      // capture clock
      long rt = oc.start_time_realtime();
      Instant capture;
      String clk;
      if (rt != avutil.AV_NOPTS_VALUE && rt > 0) {
        long us = rt + ts;
        capture = Instant.ofEpochSecond(us / 1_000_000, (us % 1_000_000) * 1000);
        clk = "rtcp";
      } else {
        capture = receivedAt;
        clk = "receive";
      }
      if (!clk.equals(clock)) {
        log.info("camera {}: capture clock {} (was {}){}", label, clk, clock,
            clk.equals("rtcp") ? ", camera-to-local skew " + Duration.between(capture, receivedAt).toMillis() + " ms" : "");
        clock = clk;
      }
      // source accounting: timestamp gaps = frames the camera sent that we did not decode
      long lostHere = 0;
      if (prevPts != Long.MIN_VALUE && srcFps > 0) {
        double interval = 1_000_000 / srcFps;
        long gap = ts - prevPts;
        if (gap > 1.5 * interval && gap < 5_000_000) lostHere = Math.round(gap / interval) - 1;
      }
      prevPts = ts;
      meterPacket(hwSession ? null : g, videoIndex, now);
      decodedN.incrementAndGet();
      decoded.increment();
      receivedN.addAndGet(1 + lostHere);
      received.increment(1 + lostHere);
      if (lostHere > 0) {
        lostN.addAndGet(lostHere);
        lostCounter.increment(lostHere);
      }
      if (state != State.UP) {
        String size = picture != null ? picture.width() + "x" + picture.height() : f.imageWidth + "x" + f.imageHeight;
        setState(State.UP, "streaming " + codec + " " + size + " over " + o.transport + ", first frame "
            + ttffMillis + " ms after connect, decoder " + decoder);
      }
      // normalise
      List<NormalizedFrame> out = picture != null ? normalizer.accept(picture, ts, capture, clk)
          : normalizer.accept(f, capture, clk);
      if (out.isEmpty()) {
        rateDroppedN.incrementAndGet();
        droppedRate.increment();
        continue;
      }
      latency.record(Duration.between(capture, Instant.now()));
      for (NormalizedFrame nf : out) {
        ring.push(nf);
        if (listener != null) {
          try {
            listener.accept(nf);
          } catch (Throwable e) {
            log.warn("camera {}: frame listener failed: {}", label, e.toString());
          }
        }
      }
      normalizedN.addAndGet(out.size());
      normalized.increment(out.size());
    }
    return "stopped";
  }

  private FFmpegFrameGrabber grabber() {
    FFmpegFrameGrabber g;
    if (hwType != null) {
      g = new HwFrameGrabber(urlWithCredentials(), this::beforeOpen);
      String name = hwCodecId >= 0 ? HwDecode.decoderName(hwType, hwCodecId) : null;
      if (name != null) g.setVideoCodecName(name); // cuda/qsv: the codec of the previous connection
    } else {
      g = new FFmpegFrameGrabber(urlWithCredentials());
    }
    g.setFormat("rtsp");
    g.setImageMode(FrameGrabber.ImageMode.RAW); // decoder's own pixel format: the normaliser converts once
    g.setOption("rtsp_transport", o.transport);
    // socket I/O timeout (microseconds), also bounds connect and the RTSP handshake: the stall timeout + 2 s, so the
    // watchdog reports the stall first and the blocked read returns soon after (see the class comment)
    g.setOption("timeout", String.valueOf((o.stallTimeout.toNanos() + 2_000_000_000L) / 1000));
    // short probe: the SDP / first key frame tell the codec; FFmpeg's default 5 s analysis took 1.4-2.8 s per connect
    // here, 0.1 s takes 65-600 ms. (fflags nobuffer made it slower: the probed packets are thrown away and the
    // decoder waits for the next key frame.)
    g.setOption("analyzeduration", "100000");
    g.setOption("probesize", "32768");
    g.setOption("max_delay", "500000"); // RTP reordering window (UDP)
    o.extraOptions.forEach(g::setOption);
    g.setVideoOption("flags", "low_delay");
    g.setVideoOption("threads", String.valueOf(o.decoderThreads));
    return g;
  }

  String urlWithCredentials() {
    if (o.user == null || o.user.isEmpty()) return o.url;
    int scheme = o.url.indexOf("://");
    if (scheme < 0) throw new IllegalArgumentException("not a URL: " + o.url);
    String rest = o.url.substring(scheme + 3);
    int at = rest.indexOf('@'), slash = rest.indexOf('/');
    if (at >= 0 && (slash < 0 || at < slash)) rest = rest.substring(at + 1); // replace credentials in the URL
    return o.url.substring(0, scheme + 3) + enc(o.user) + ":" + enc(o.password == null ? "" : o.password) + "@" + rest;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  // ------------------------------------------------------------------------------------ state

  private void watchdog() {
    long now = System.nanoTime();
    if (streaming && !stalled && now - lastFrameNanos > o.stallTimeout.toNanos()) {
      stalled = true;
      setState(State.DOWN, "stall: no frame for " + o.stallTimeout.toMillis() / 1000.0 + " s");
    }
    double dt = (now - fpsAtNanos) / 1e9;
    if (dt >= 1.0) {
      long r = receivedN.get(), d = decodedN.get(), n = normalizedN.get();
      receivedFps = (r - fpsRecv) / dt;
      decodedFps = (d - fpsDec) / dt;
      normalizedFps = (n - fpsNorm) / dt;
      fpsRecv = r;
      fpsDec = d;
      fpsNorm = n;
      fpsAtNanos = now;
    }
  }

  private synchronized void setState(State s, String why) {
    if (s == state) return;
    State was = state;
    state = s;
    reason = why;
    Instant at = Instant.now();
    if (s == State.UP) {
      upGauge.set(1);
      if (was == State.DOWN) reconnectMillis = (System.nanoTime() - downSinceNanos) / 1_000_000;
      log.info("camera {}: UP ({}){}", label, why, was == State.DOWN ? ", was down " + reconnectMillis + " ms" : "");
    } else {
      upGauge.set(0);
      downSinceNanos = System.nanoTime();
      if (was == State.UP) {
        drops.increment();
        dropsN.incrementAndGet();
      }
      log.warn("camera {}: DOWN ({})", label, why);
    }
    vertx.eventBus().publish(Addresses.INGEST_CAMERA_STATUS, new JsonObject()
        .put("tenantId", o.tenantId)
        .put("cameraId", o.cameraId)
        .put("state", s.name())
        .put("reason", why)
        .put("decoder", decoder)
        .put("decoderReason", decoderReason)
        .put("at", at.toString()));
  }

  // ------------------------------------------------------------------------------------ helpers

  /** "avformat_open_input() error -1094995529: ..." → adds FFmpeg's text for the code. */
  static String describe(Throwable e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    Matcher x = AV_ERROR.matcher(m);
    if (x.find()) {
      try {
        String s = avError(Integer.parseInt(x.group(1)));
        if (!s.isEmpty()) m = m + " [" + s + "]";
      } catch (Throwable ignored) {
        // keep the message as is
      }
    }
    return m;
  }

  static String avError(int code) {
    try (BytePointer b = new BytePointer(256)) {
      b.fill(0);
      avutil.av_strerror(code, b, 256);
      String s = b.getString(StandardCharsets.UTF_8);
      int z = s.indexOf('\0');
      return (z >= 0 ? s.substring(0, z) : s).trim();
    }
  }

  private static final java.lang.reflect.Field PKT_FIELD = pktField();

  private static java.lang.reflect.Field pktField() {
    try {
      java.lang.reflect.Field f = FFmpegFrameGrabber.class.getDeclaredField("pkt");
      f.setAccessible(true);
      return f;
    } catch (Throwable t) {
      log.warn("bitrate of camera streams cannot be measured (FFmpegFrameGrabber.pkt not accessible: {})", t.toString());
      return null;
    }
  }

  private static int videoStreamIndex(AVFormatContext oc) {
    return com.softdew.vms.edge.record.Fmp4Segments.videoStream(oc);
  }

  /** Counts the compressed size of the video packet behind the frame just grabbed; rolls the quality window. */
  private void meterPacket(FFmpegFrameGrabber g, int videoIndex, long now) {
    winFrames++;
    if (g != null && PKT_FIELD != null && videoIndex >= 0) {
      try {
        org.bytedeco.ffmpeg.avcodec.AVPacket pkt = (org.bytedeco.ffmpeg.avcodec.AVPacket) PKT_FIELD.get(g);
        if (pkt != null && !pkt.isNull() && pkt.stream_index() == videoIndex && pkt.size() > 0
            && (pkt.pts() != lastPktPts || pkt.dts() != lastPktDts || pkt.size() != lastPktSize)) {
          lastPktPts = pkt.pts();
          lastPktDts = pkt.dts();
          lastPktSize = pkt.size();
          winBytes += pkt.size();
        }
      } catch (Throwable t) {
        // leave the bitrate unknown
      }
    }
    long elapsed = now - winStartNanos;
    boolean firstWindow = qualityFps == 0;
    if (elapsed >= (firstWindow ? 2_000_000_000L : 5_000_000_000L)) {
      double secs = elapsed / 1e9;
      qualityFps = Math.round(winFrames / secs * 100) / 100.0;
      qualityBitrate = winBytes == 0 ? 0 : Math.round(winBytes * 8 / secs);
      winStartNanos = now;
      winBytes = 0;
      winFrames = 0;
    }
  }

  /** Device types {@code auto} tries, in order. */
  public static final List<String> AUTO_ORDER = HwDecode.AUTO_ORDER;

  /**
   * {decoder family, reason} a camera asking for {@code hwaccel} starts with: "software" or the device type
   * (cuda/qsv: the decoder itself is tried when the codec is known). See {@link HwDecode#plan(String)}.
   */
  public static String[] probeHardwareDecoder(String hwaccel) {
    HwDecode.Plan p = HwDecode.plan(hwaccel);
    return new String[] {p.hardware() ? p.type() : "software", p.reason()};
  }

  private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) if (type.isInstance(t)) return type.cast(t);
    return null;
  }
}
