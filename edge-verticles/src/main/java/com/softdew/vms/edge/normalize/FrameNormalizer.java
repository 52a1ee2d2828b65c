package com.softdew.vms.edge.normalize;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGRA;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_GRAY8;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacv.Frame;

/**
 * Turns the decoded frames of one camera (any size, any pixel format FFmpeg decodes to) into
 * {@link NormalizedFrame}s: a fixed size (default 640x480) of packed RGB24, without distortion, at a
 * fixed frame rate (default 15 fps).
 *
 * <ul>
 *   <li><b>Geometry</b>: {@link Fit#LETTERBOX} scales the whole picture to fit and fills the rest with
 *       black bars (a 16:9 source in 640x480 is 640x360 in rows 60..419); {@link Fit#CROP} scales to
 *       fill and cuts the overflow evenly on both sides (centre crop). Scaling and colour conversion
 *       are one FFmpeg swscale pass ({@code SWS_AREA} when shrinking, {@code SWS_BILINEAR} when
 *       enlarging); the swscale context is cached and rebuilt by itself when the source size or pixel
 *       format changes mid-stream (camera reconfigured), so a resolution change needs nothing else.
 *   <li><b>Frame rate</b>: output slots every {@code 1/fps} of the source's own timestamps (pts, not
 *       the arrival time); each source frame fills the slots up to its timestamp + half a slot: none
 *       (dropped: 25 to 15 fps drops 2 of 5), one, or several (duplicated: 10 to 15 fps repeats every
 *       second frame). A timestamp jump of more than {@code maxGap} forwards or backwards (reconnect,
 *       stall, pts reset) restarts the timeline at that frame instead of emitting a burst of copies.
 *       Duplicates share the pixel array and carry the capture time of the source frame they show.
 *   <li>Frames that are dropped by the rate conversion are never scaled.
 * </ul>
 *
 * Not thread-safe: one instance per camera, used by the camera's ingest thread. {@link #close()} frees
 * the native buffers.
 */
public final class FrameNormalizer implements AutoCloseable {

  /** How a source of another aspect ratio is fitted. */
  public enum Fit { LETTERBOX, CROP }

  /** Output geometry and rate. */
  public record Config(int width, int height, Fit fit, double fps, Duration maxGap) {
    public static final Config DEFAULT = new Config(640, 480, Fit.LETTERBOX, 15, Duration.ofSeconds(1));

    public Config {
      if (width < 2 || height < 2) throw new IllegalArgumentException("bad output size " + width + "x" + height);
      if (!(fps > 0 && fps <= 240)) throw new IllegalArgumentException("bad fps " + fps);
      Objects.requireNonNull(fit);
      Objects.requireNonNull(maxGap);
    }

    public Config withSize(int w, int h) { return new Config(w, h, fit, fps, maxGap); }
    public Config withFit(Fit f) { return new Config(width, height, f, fps, maxGap); }
    public Config withFps(double f) { return new Config(width, height, fit, f, maxGap); }
  }

  private final String tenantId;
  private final String cameraId;
  private final Config cfg;
  private final double slotUs;
  private final long maxGapUs;

  // frame-rate state
  private long baseUs;
  private long slot = -1; // index of the next output slot, -1 = no timeline yet
  private long seq;
  private long inFrames, outFrames, dropped, duplicated, resyncs;

  // geometry state (native)
  private SwsContext sws;
  private int srcW = -1, srcH = -1, srcFmt = -1;
  private int scaledW, scaledH, scaledStride, winX, winY, dstX, dstY, copyW, copyH;
  private BytePointer scratch;
  private ByteBuffer scratchBuf;
  private final PointerPointer<BytePointer> dstData = new PointerPointer<>(4);
  private final IntPointer dstStride = new IntPointer(4);
  private final PointerPointer<BytePointer> srcData = new PointerPointer<>(4);
  private final IntPointer srcStride = new IntPointer(4);

  public FrameNormalizer(String tenantId, String cameraId, Config cfg) {
    this.tenantId = tenantId;
    this.cameraId = cameraId;
    this.cfg = cfg;
    this.slotUs = 1_000_000.0 / cfg.fps();
    this.maxGapUs = cfg.maxGap().toNanos() / 1000;
  }

  public Config config() {
    return cfg;
  }

  /**
   * One decoded frame from JavaCV: with {@code ImageMode.RAW} the decoder's {@link AVFrame} (in
   * {@code frame.opaque}) in its native pixel format; otherwise the frame's packed image, read as
   * BGR24 (3 channels, JavaCV's colour convention), GRAY8 (1) or BGRA (4). Its timestamp
   * ({@code frame.timestamp}, microseconds) drives the rate conversion.
   *
   * @return 0..n normalised frames (usually 0 or 1)
   */
  public List<NormalizedFrame> accept(Frame frame, Instant captureTime, String clock) {
    return accept(frame, frame.timestamp, captureTime, clock);
  }

  /** As {@link #accept(Frame, Instant, String)} with an explicit timestamp in microseconds. */
  public List<NormalizedFrame> accept(Frame frame, long ptsUs, Instant captureTime, String clock) {
    int n = slotsFor(ptsUs);
    if (n == 0) return List.of();
    byte[] rgb;
    if (frame.opaque instanceof AVFrame av && av.width() > 0 && av.data(0) != null && !av.data(0).isNull()) {
      rgb = convert(av);
    } else {
      rgb = convert(frame);
    }
    return emit(n, rgb, captureTime, clock);
  }

  /** One decoded {@link AVFrame} with its timestamp in microseconds. */
  public List<NormalizedFrame> accept(AVFrame frame, long ptsUs, Instant captureTime, String clock) {
    int n = slotsFor(ptsUs);
    if (n == 0) return List.of();
    return emit(n, convert(frame), captureTime, clock);
  }

  /** Forgets the timeline (e.g. after a reconnect: timestamps restart); sequence numbers run on. */
  public void resetTimeline() {
    slot = -1;
  }

  /** Next sequence number to be given out (= number of frames emitted so far). */
  public long nextSeq() { return seq; }
  public long framesIn() { return inFrames; }
  public long framesOut() { return outFrames; }
  /** Source frames dropped by the rate conversion. */
  public long framesDropped() { return dropped; }
  /** Extra copies emitted by the rate conversion. */
  public long framesDuplicated() { return duplicated; }
  public long resyncs() { return resyncs; }
  /** Current source size, e.g. "1280x720", or null before the first converted frame. */
  public String sourceSize() { return srcW < 0 ? null : srcW + "x" + srcH; }

  // ------------------------------------------------------------------------------------ rate

  /** How many output slots this source timestamp fills (0 = drop). */
  int slotsFor(long ptsUs) {
    inFrames++;
    if (slot >= 0) {
      long next = slotTime(slot);
      if (ptsUs + slotUs / 2 < next - maxGapUs || ptsUs - next > maxGapUs) {
        slot = -1; // jump: restart the timeline here
        resyncs++;
      }
    }
    if (slot < 0) {
      baseUs = ptsUs;
      slot = 0;
    }
    int n = 0;
    while (slotTime(slot) <= ptsUs + slotUs / 2) {
      slot++;
      n++;
    }
    if (n == 0) dropped++;
    else duplicated += n - 1;
    return n;
  }

  private long slotTime(long k) {
    return baseUs + Math.round(k * slotUs);
  }

  private List<NormalizedFrame> emit(int n, byte[] rgb, Instant captureTime, String clock) {
    List<NormalizedFrame> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new NormalizedFrame(tenantId, cameraId, seq++, captureTime, clock, cfg.width(), cfg.height(), rgb));
    }
    outFrames += n;
    return out;
  }

  // ------------------------------------------------------------------------------------ geometry

  private byte[] convert(AVFrame f) {
    int w = f.width(), h = f.height(), fmt = f.format();
    // AVFrame starts with data[8] then linesize[8]: the frame itself is the plane pointer array
    srcData.put(0, f.data(0)).put(1, f.data(1)).put(2, f.data(2)).put(3, f.data(3));
    for (int i = 0; i < 4; i++) srcStride.put(i, f.linesize(i));
    return scale(w, h, fmt);
  }

  private byte[] convert(Frame f) {
    if (f.image == null || f.image.length == 0 || !(f.image[0] instanceof ByteBuffer buf)) {
      throw new IllegalArgumentException("not an 8-bit image frame");
    }
    int fmt = switch (f.imageChannels) {
      case 1 -> AV_PIX_FMT_GRAY8;
      case 3 -> AV_PIX_FMT_BGR24;
      case 4 -> AV_PIX_FMT_BGRA;
      default -> throw new IllegalArgumentException("unsupported channel count " + f.imageChannels);
    };
    BytePointer p = buf.isDirect() ? new BytePointer(buf) : new BytePointer(copyDirect(buf));
    srcData.put(0, p).put(1, (Pointer) null).put(2, (Pointer) null).put(3, (Pointer) null);
    srcStride.put(0, f.imageStride > 0 ? f.imageStride : f.imageWidth * f.imageChannels).put(1, 0).put(2, 0).put(3, 0);
    try {
      return scale(f.imageWidth, f.imageHeight, fmt);
    } finally {
      srcData.put(0, (Pointer) null);
    }
  }

  private static ByteBuffer copyDirect(ByteBuffer b) {
    ByteBuffer d = ByteBuffer.allocateDirect(b.remaining());
    d.put(b.duplicate()).flip();
    return d;
  }

  private byte[] scale(int w, int h, int fmt) {
    if (w <= 0 || h <= 0) throw new IllegalArgumentException("empty source frame");
    if (w != srcW || h != srcH || fmt != srcFmt) geometry(w, h, fmt);
    int r = swscale.sws_scale(sws, srcData, srcStride, 0, h, dstData, dstStride);
    if (r <= 0) throw new IllegalStateException("sws_scale failed: " + r);
    int W = cfg.width();
    byte[] out = new byte[W * cfg.height() * 3]; // zero = black bars
    int rowBytes = copyW * 3;
    for (int y = 0; y < copyH; y++) {
      scratchBuf.get((winY + y) * scaledStride + winX * 3, out, ((dstY + y) * W + dstX) * 3, rowBytes);
    }
    return out;
  }

  /** (Re)plans the scale for a new source size / format. */
  private void geometry(int w, int h, int fmt) {
    int W = cfg.width(), H = cfg.height();
    double s = cfg.fit() == Fit.LETTERBOX ? Math.min((double) W / w, (double) H / h) : Math.max((double) W / w, (double) H / h);
    int sw = (int) Math.round(w * s), sh = (int) Math.round(h * s);
    if (cfg.fit() == Fit.LETTERBOX) {
      sw = Math.max(1, Math.min(W, sw));
      sh = Math.max(1, Math.min(H, sh));
      winX = 0; winY = 0; copyW = sw; copyH = sh;
      dstX = (W - sw) / 2; dstY = (H - sh) / 2;
    } else {
      sw = Math.max(W, sw);
      sh = Math.max(H, sh);
      winX = (sw - W) / 2; winY = (sh - H) / 2; copyW = W; copyH = H;
      dstX = 0; dstY = 0;
    }
    int flags = (long) sw * sh < (long) w * h ? swscale.SWS_AREA : swscale.SWS_BILINEAR;
    sws = swscale.sws_getCachedContext(sws, w, h, fmt, sw, sh, AV_PIX_FMT_RGB24, flags, null, null, (DoublePointer) null);
    if (sws == null || sws.isNull()) {
      throw new IllegalStateException("swscale cannot convert " + w + "x" + h + " " + pixFmtName(fmt) + " to RGB24");
    }
    scaledW = sw;
    scaledH = sh;
    scaledStride = (sw * 3 + 63) & ~63; // aligned rows for swscale's SIMD paths
    long need = (long) scaledStride * sh + 64;
    if (scratch == null || scratch.capacity() < need) {
      if (scratch != null) scratch.close();
      scratch = new BytePointer(need);
      scratchBuf = scratch.asByteBuffer();
    }
    dstData.put(0, scratch).put(1, (Pointer) null).put(2, (Pointer) null).put(3, (Pointer) null);
    dstStride.put(0, scaledStride).put(1, 0).put(2, 0).put(3, 0);
    srcW = w;
    srcH = h;
    srcFmt = fmt;
  }

  static String pixFmtName(int fmt) {
    BytePointer p = avutil.av_get_pix_fmt_name(fmt);
    return p == null || p.isNull() ? String.valueOf(fmt) : p.getString();
  }

  /** Source pixel format name of the last frame, e.g. "yuv420p", or null. */
  public String sourcePixelFormat() {
    return srcFmt < 0 ? null : pixFmtName(srcFmt);
  }

  @Override
  public void close() {
    if (sws != null) {
      swscale.sws_freeContext(sws);
      sws = null;
    }
    if (scratch != null) {
      scratch.close();
      scratch = null;
      scratchBuf = null;
    }
    srcW = srcH = srcFmt = -1;
  }
}
