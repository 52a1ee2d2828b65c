package com.softdew.vms.edge.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays one span of one camera recording (ONVIF replay URI, RTSP) and remuxes it into fMP4 segments, on the
 * calling thread (a {@link GapFiller} worker). Same remux as {@link MainStreamRecorder}: packets from
 * {@code grabPacket()} (never decoded) into {@code FFmpegFrameRecorder.start(AVFormatContext)} (codec parameters
 * copied, no encoder opened), timestamps shifted to 0 per file, cut at the first key frame after the segment
 * length, {@code .part} → fsync → atomic rename, SHA-256.
 *
 * <p><b>Position and time.</b> After the RTSP session is up, {@code av_seek_frame} makes FFmpeg's RTSP demuxer send
 * PAUSE and {@code PLAY Range: npt=<offset>-}. FFmpeg then gives packets the pts {@code npt start of the answer's
 * Range + RTP time since the first packet}, so {@code recording start + pts} is the recording time of a packet: the
 * camera's clock, not the wall clock of the replay. A camera that ignores the Range (plays from elsewhere) is
 * detected on the first packet and the span fails rather than writing footage under a wrong time.
 */
final class GapFillerReplay {
  private static final Logger log = LoggerFactory.getLogger(GapFillerReplay.class);
  private static final AVRational MICROS = new AVRational().num(1).den(1_000_000);
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  /** How far before the asked position the first packet may be (the camera starts at the key frame before it). */
  static final Duration MAX_LEAD = Duration.ofSeconds(10);
  /** How far after the asked position the first packet may be. */
  static final Duration MAX_LAG = Duration.ofSeconds(2);

  static {
    try {
      FFmpegFrameGrabber.tryLoad();
      FFmpegFrameRecorder.tryLoad();
    } catch (Throwable t) {
      log.error("cannot load FFmpeg natives (JavaCV): {}", t.toString());
    }
  }

  /**
   * How a span ended.
   *
   * @param complete the replay reached {@code to} (or the recording's end); false: interrupted (error, timeout)
   * @param why      what stopped it
   */
  record Outcome(List<RecordingSegment> segments, boolean complete, String why, boolean encoderOpened, long decodedFrames) {}

  private final String tenantId, cameraId, stream, label;
  private final Path cameraDir;
  private final Duration segmentLength, readTimeout;
  private final Consumer<RecordingSegment> onSegment;
  private final BooleanSupplier keepGoing;

  // segment state
  private FFmpegFrameRecorder rec;
  private Path part;
  private Instant segStart;
  private long segBaseTs, lastDts, lastEndTs;
  private String codecName, resolutionName;
  private AVRational tb;
  private boolean encoderOpened;
  private long decodedFrames;
  private final List<RecordingSegment> out = new ArrayList<>();

  /**
   * @param keepGoing false once the fill must stop (deadline, shutdown); checked before every packet
   */
  GapFillerReplay(String tenantId, String cameraId, String stream, Path cameraDir, Duration segmentLength, Duration readTimeout,
      Consumer<RecordingSegment> onSegment, BooleanSupplier keepGoing) {
    this.tenantId = tenantId;
    this.cameraId = cameraId;
    this.stream = stream;
    this.label = tenantId + "/" + cameraId;
    this.cameraDir = cameraDir;
    this.segmentLength = segmentLength;
    this.readTimeout = readTimeout;
    this.onSegment = onSegment;
    this.keepGoing = keepGoing;
  }

  /**
   * Plays {@code [from, to)} of a recording (camera clock) and writes what it gets.
   *
   * @param recordingStart the recording's earliest instant (camera clock): npt 0 of the replay
   * @param shift          camera clock minus ours: subtracted from recording times to give segment times
   */
  Outcome play(String uri, String user, String password, Instant recordingStart, Instant from, Instant to, Duration shift) {
    FFmpegFrameGrabber g = new FFmpegFrameGrabber(withCredentials(uri, user, password));
    g.setFormat("rtsp");
    g.setOption("rtsp_transport", "tcp");
    g.setOption("timeout", String.valueOf(readTimeout.toNanos() / 1000));
    g.setOption("max_delay", "500000");
    g.setOption("analyzeduration", "100000");
    g.setOption("probesize", "32768");
    g.setVideoOption("threads", "1");
    String why;
    boolean complete = false;
    try {
      g.start();
      why = session(g, recordingStart, from, to, shift);
      complete = why == null;
    } catch (Throwable e) {
      why = redact(e.getMessage() == null ? e.toString() : e.getMessage());
    } finally {
      closeSegment();
      AVCodecContext dec = Fmp4Segments.field(g, "video_c");
      if (dec != null && !dec.isNull()) decodedFrames = dec.frame_num();
      try {
        g.close();
      } catch (Throwable e) {
        log.debug("camera {}: closing replay grabber: {}", label, e.toString());
      }
    }
    return new Outcome(List.copyOf(out), complete, complete ? "reached " + to : why, encoderOpened, decodedFrames);
  }

  /** @return null when {@code to} was reached, else why it stopped */
  private String session(FFmpegFrameGrabber g, Instant recordingStart, Instant from, Instant to, Duration shift) throws Exception {
    AVFormatContext ic = g.getFormatContext();
    int video = Fmp4Segments.videoStream(ic);
    if (video < 0) return "no video stream in the replay";
    AVStream st = ic.streams(video);
    tb = st.time_base();
    AVRational fr = st.avg_frame_rate().num() > 0 ? st.avg_frame_rate() : st.r_frame_rate();
    long frameDur = fr.num() > 0 && fr.den() > 0 ? avutil.av_rescale_q(1, avutil.av_inv_q(fr), tb) : 0;
    long step = Math.max(1, frameDur);
    String codec = avcodec.avcodec_get_name(st.codecpar().codec_id()).getString();
    String resolution = st.codecpar().width() + "x" + st.codecpar().height();
    long offsetUs = Math.max(0, Duration.between(recordingStart, from).toNanos() / 1000);
    // RTSP demuxer: PAUSE, then PLAY Range: npt=<offset>-; packets read before are flushed
    int r = avformat.av_seek_frame(ic, -1, offsetUs, avformat.AVSEEK_FLAG_BACKWARD);
    if (r < 0) return "seek to npt " + offsetUs / 1e6 + " s failed (" + r + ")";
    long toTs = avutil.av_rescale_q(Duration.between(recordingStart, to).toNanos() / 1000, MICROS, tb);
    long segLenTs = avutil.av_rescale_q(segmentLength.toNanos() / 1000, MICROS, tb);
    long lastInputDts = avutil.AV_NOPTS_VALUE;
    boolean first = true;
    AVPacket held = null;
    try {
      while (true) {
        if (!keepGoing.getAsBoolean()) return "fill deadline reached or filler stopped";
        AVPacket pkt = g.grabPacket();
        if (pkt == null) return "replay ended or read failed before " + to;
        try {
          if (pkt.stream_index() != video || pkt.size() <= 0) continue;
          long pts = pkt.pts(), dts = pkt.dts();
          if (pts == avutil.AV_NOPTS_VALUE && dts == avutil.AV_NOPTS_VALUE) {
            if (lastInputDts != avutil.AV_NOPTS_VALUE) {
              pts = dts = lastInputDts + step;
            } else if (held == null) {
              held = avcodec.av_packet_clone(pkt); // the first packet after PLAY: its time is one frame before the next
              continue;
            } else {
              continue;
            }
          }
          if (dts == avutil.AV_NOPTS_VALUE) dts = pts;
          if (pts == avutil.AV_NOPTS_VALUE) pts = dts;
          if (held != null) {
            long hts = dts - step;
            AVPacket h = held;
            held = null;
            try {
              if (first) {
                String bad = checkPosition(recordingStart, from, hts);
                if (bad != null) return bad;
                first = false;
              }
              if (hts >= toTs) return null;
              write(g, video, h, hts, hts, frameDur, segLenTs, recordingStart, shift, codec, resolution);
            } finally {
              avcodec.av_packet_free(h);
            }
          }
          if (first) {
            String bad = checkPosition(recordingStart, from, pts);
            if (bad != null) return bad;
            first = false;
          }
          if (lastInputDts != avutil.AV_NOPTS_VALUE && dts < lastInputDts - avutil.av_rescale_q(1_000_000, MICROS, tb)) {
            return "replay jumped back in time (end of the recording?)";
          }
          if (pts >= toTs) return null; // the span is complete
          lastInputDts = Math.max(dts, lastInputDts == avutil.AV_NOPTS_VALUE ? dts : lastInputDts);
          write(g, video, pkt, pts, dts, frameDur, segLenTs, recordingStart, shift, codec, resolution);
        } finally {
          avcodec.av_packet_unref(pkt);
        }
      }
    } finally {
      if (held != null) avcodec.av_packet_free(held);
    }
  }

  /** The first packet must be at (the key frame before) the asked position: else the camera did not seek. */
  private String checkPosition(Instant recordingStart, Instant from, long ts) {
    Instant at = recordingStart.plus(micros(ts));
    Duration off = Duration.between(from, at);
    log.debug("camera {}: replay asked from {}, first packet at {} ({} ms)", label, from, at, off.toMillis());
    if (off.compareTo(MAX_LAG) > 0 || off.negated().compareTo(MAX_LEAD) > 0) {
      return "the camera did not play from the asked position: asked " + from + ", got " + at;
    }
    return null;
  }

  private void write(FFmpegFrameGrabber g, int video, AVPacket pkt, long pts, long dts, long frameDur, long segLenTs,
      Instant recordingStart, Duration shift, String codec, String resolution) {
    boolean key = (pkt.flags() & avcodec.AV_PKT_FLAG_KEY) != 0;
    if (key && rec != null && dts - segBaseTs >= segLenTs) closeSegment();
    if (rec == null) {
      if (!key) return; // before the first key frame: nothing to decode from
      openSegment(g, video, recordingStart.plus(micros(pts)).minus(shift), dts, codec, resolution);
      if (rec == null) throw new IllegalStateException("cannot open a segment file under " + cameraDir);
    }
    long d = dts - segBaseTs, p = pts - segBaseTs;
    if (d <= lastDts) d = lastDts + 1;
    if (p < d) p = d;
    long dur = pkt.duration() > 0 ? pkt.duration() : frameDur;
    pkt.dts(d).pts(p).duration(dur);
    try {
      rec.recordPacket(pkt);
    } catch (Throwable e) {
      throw new IllegalStateException("write to " + part + " failed: " + e, e);
    }
    lastDts = d;
    lastEndTs = Math.max(lastEndTs, p + dur);
  }

  private Duration micros(long ts) {
    return Duration.ofNanos(avutil.av_rescale_q(ts, tb, MICROS) * 1000);
  }

  private void openSegment(FFmpegFrameGrabber g, int video, Instant start, long baseTs, String codec, String resolution) {
    Path dir = cameraDir.resolve(DAY.format(start));
    // ".sdcard" keeps it apart from a live segment that starts in the same millisecond
    Path file = dir.resolve(start.toEpochMilli() + ".sdcard.mp4");
    part = file.resolveSibling(file.getFileName() + ".part");
    try {
      FFmpegFrameRecorder r = Fmp4Segments.openRemux(part, g, video);
      if (Fmp4Segments.encoderOpened(r)) {
        encoderOpened = true;
        log.error("camera {}: the gap filler's recorder opened an encoder: not a remux", label);
      }
      rec = r;
    } catch (Throwable e) {
      log.error("camera {}: cannot open {}: {}", label, part, e.toString());
      rec = null;
      return;
    }
    segStart = start;
    segBaseTs = baseTs;
    lastDts = -1;
    lastEndTs = 0;
    codecName = codec;
    resolutionName = resolution;
  }

  private void closeSegment() {
    FFmpegFrameRecorder r = rec;
    if (r == null) return;
    rec = null;
    try {
      r.stop();
      r.release();
      if (lastEndTs <= 0) {
        Files.deleteIfExists(part);
        return;
      }
      Fmp4Segments.Closed c = Fmp4Segments.finish(part);
      RecordingSegment s = new RecordingSegment(tenantId, cameraId, stream, segStart, segStart.plus(micros(lastEndTs)), c.bytes(),
          codecName, resolutionName, c.sha256(), c.file(), "sdcard", "continuous", "");
      out.add(s);
      onSegment.accept(s);
    } catch (Throwable e) {
      log.error("camera {}: closing {} failed: {}", label, part, e.toString());
    }
  }

  static String sha256(Path p) throws IOException {
    return Fmp4Segments.sha256(p);
  }

  /** Removes {@code user:password@} from URLs in a message (FFmpeg names the input it could not open). */
  static String redact(String message) {
    return message == null ? null : message.replaceAll("(?i)([a-z][a-z0-9+.-]*://)[^/@\\s\"]*@", "$1***@");
  }

  static String withCredentials(String url, String user, String password) {
    return Fmp4Segments.withCredentials(url, user, password);
  }
}
