package com.softdew.vms.edge.ingest;

import java.lang.reflect.Field;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.javacv.FFmpegFrameGrabber;

/**
 * An {@link FFmpegFrameGrabber} that lets the caller touch the video {@link AVCodecContext} after it is
 * allocated and filled from the stream parameters and <b>before {@code avcodec_open2}</b>, e.g. to set
 * {@code hw_device_ctx} (VAAPI) or to check which decoder was picked.
 *
 * <p>Why this shape: JavaCV 1.5.13 has no hardware-decoding hook. {@code startUnsafe(boolean)} is one
 * method that allocates the private {@code video_c} and opens it in the same call, and {@code hwaccel} is an
 * option of the ffmpeg command line tool, not an {@code AVCodecContext} option (a
 * {@code setVideoOption("hwaccel", ...)} is rejected by {@code avcodec_open2}). The only seam in between is
 * the protected {@code videoOptions} map: {@code startUnsafe} iterates its {@code entrySet()} right after
 * {@code avcodec_parameters_to_context} and right before {@code avcodec_open2} (checked with {@code javap -c}
 * on javacv-1.5.13.jar). This class installs a map whose {@code entrySet()} runs the hook once per start and
 * reads {@code video_c} by reflection. {@code HwDecodeIngestTest.preOpenHookSeesTheUnopenedContext} checks the assumption (the hook sees an
 * allocated, not yet opened context of the stream's codec) so that a JavaCV upgrade that moves it fails a
 * test instead of silently decoding in software.
 */
final class HwFrameGrabber extends FFmpegFrameGrabber {

  /** Runs on the grabbing thread inside {@code start()}; may throw to abort the start. */
  @FunctionalInterface
  interface BeforeOpen {
    void accept(AVCodecContext videoContext);
  }

  private static final Field VIDEO_C = videoContextField();
  private final BeforeOpen hook;
  private volatile boolean armed;
  private volatile boolean hookRan;

  HwFrameGrabber(String url, BeforeOpen hook) {
    super(url);
    this.hook = hook;
    this.videoOptions = new HookedOptions(videoOptions);
  }

  /** Whether reflection on JavaCV's private {@code video_c} works (else the hook cannot run). */
  static boolean hookAvailable() {
    return VIDEO_C != null;
  }

  /** The grabber's video decoder context (null before start or when reflection fails). */
  AVCodecContext videoContext() {
    try {
      return VIDEO_C == null ? null : (AVCodecContext) VIDEO_C.get(this);
    } catch (IllegalAccessException e) {
      return null;
    }
  }

  /** Whether the hook ran during the last start. */
  boolean hookRan() {
    return hookRan;
  }

  @Override
  public synchronized void startUnsafe(boolean findStreamInfo) throws Exception {
    if (VIDEO_C == null) throw new Exception("FFmpegFrameGrabber.video_c not accessible: cannot attach a hardware device");
    armed = true;
    hookRan = false;
    try {
      super.startUnsafe(findStreamInfo);
    } finally {
      armed = false;
    }
  }

  private static Field videoContextField() {
    try {
      Field f = FFmpegFrameGrabber.class.getDeclaredField("video_c");
      f.setAccessible(true);
      return f;
    } catch (Throwable t) {
      return null;
    }
  }

  private final class HookedOptions extends LinkedHashMap<String, String> {
    HookedOptions(Map<String, String> initial) {
      if (initial != null) super.putAll(initial);
    }

    @Override
    public Set<Map.Entry<String, String>> entrySet() {
      if (armed) {
        armed = false;
        AVCodecContext c;
        try {
          c = (AVCodecContext) VIDEO_C.get(HwFrameGrabber.this);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException("video_c not readable", e);
        }
        if (c != null && !c.isNull()) {
          hookRan = true;
          hook.accept(c);
        }
      }
      return super.entrySet();
    }
  }
}
