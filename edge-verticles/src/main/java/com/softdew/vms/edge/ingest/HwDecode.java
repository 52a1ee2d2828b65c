package com.softdew.vms.edge.ingest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.ffmpeg.avutil.AVBufferRef;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;

/**
 * Hardware video decoding for the ingest ({@code ingest.hwDecode} = {@code auto|none|vaapi|cuda|qsv}).
 *
 * <ul>
 *   <li>{@code cuda}: NVIDIA NVDEC through FFmpeg's cuvid decoders, chosen by name per codec
 *       ({@code h264_cuvid}, {@code hevc_cuvid}, {@code mjpeg_cuvid}). Without a device context they
 *       create their own CUDA context and, as the default {@code get_format} picks the last (software)
 *       format of their list, hand out NV12 frames in system memory.
 *   <li>{@code qsv}: Intel Quick Sync through {@code h264_qsv}, {@code hevc_qsv}, {@code mjpeg_qsv}
 *       (own MFX session, NV12 in system memory).
 *   <li>{@code vaapi}: FFmpeg's native decoder with {@code AVCodecContext.hw_device_ctx} set to a VAAPI
 *       device on {@link #VAAPI_DEVICE} (see {@link HwFrameGrabber}); frames come out as
 *       {@code AV_PIX_FMT_VAAPI} surfaces and are downloaded with {@code av_hwframe_transfer_data}.
 *   <li>{@code auto}: the first of vaapi, cuda, qsv whose device {@code av_hwdevice_ctx_create} can open.
 *   <li>{@code none}: software, nothing is probed.
 * </ul>
 * All of the named decoders exist in the LGPL FFmpeg 8.0.1 build of the JavaCPP presets 1.5.13
 * (checked with {@code avcodec_find_decoder_by_name}, see {@link #decoderInBuild(String)}).
 */
public final class HwDecode {
  private HwDecode() {}

  /** Device types {@code auto} tries, in order. */
  public static final List<String> AUTO_ORDER = List.of("vaapi", "cuda", "qsv");
  /** DRM render node used for VAAPI. */
  public static final String VAAPI_DEVICE = "/dev/dri/renderD128";

  private static final AtomicInteger DEVICE_PROBES = new AtomicInteger();
  private static final Map<String, String> DEVICE_PROBE_RESULT = new ConcurrentHashMap<>();
  private static volatile AVBufferRef vaapiDevice;

  /** What a camera starts with: {@code type} null = software. */
  public record Plan(String type, String reason) {
    public boolean hardware() { return type != null; }
  }

  /** Number of {@code av_hwdevice_ctx_create} probes made by this JVM (for tests: {@code none} makes none). */
  public static int deviceProbes() { return DEVICE_PROBES.get(); }

  /**
   * The FFmpeg decoder selected by name for a device type and codec ({@code AV_CODEC_ID_*}), or null when
   * the type uses FFmpeg's native decoder with a device context (vaapi) or has no decoder for that codec.
   */
  public static String decoderName(String type, int codecId) {
    if (type == null) return null;
    String suffix = switch (type.toLowerCase(Locale.ROOT)) {
      case "cuda" -> "_cuvid";
      case "qsv" -> "_qsv";
      default -> null;
    };
    if (suffix == null) return null;
    String base;
    if (codecId == avcodec.AV_CODEC_ID_H264) base = "h264";
    else if (codecId == avcodec.AV_CODEC_ID_HEVC) base = "hevc";
    else if (codecId == avcodec.AV_CODEC_ID_MJPEG) base = "mjpeg";
    else return null;
    return base + suffix;
  }

  /** Whether this FFmpeg build contains a decoder of that name. */
  public static boolean decoderInBuild(String name) {
    try {
      return name != null && avcodec.avcodec_find_decoder_by_name(name) != null;
    } catch (Throwable t) {
      return false;
    }
  }

  /** FFmpeg's short name of a codec id ("h264", "hevc", "mjpeg"). */
  public static String codecName(int codecId) {
    try {
      return avcodec.avcodec_get_name(codecId).getString();
    } catch (Throwable t) {
      return "codec " + codecId;
    }
  }

  /**
   * Decides the decoder family for one camera. {@code none}/blank: software without any probe; {@code cuda}
   * and {@code qsv}: the named decoder is tried when the stream's codec is known (it opens its own device);
   * {@code vaapi}: the VAAPI device must open; {@code auto}: the first device type that opens.
   */
  public static Plan plan(String hwaccel) {
    if (hwaccel == null || hwaccel.isBlank() || hwaccel.equalsIgnoreCase("none")) {
      return new Plan(null, "hardware decode not requested");
    }
    String k = hwaccel.toLowerCase(Locale.ROOT);
    switch (k) {
      case "cuda", "qsv" -> {
        return new Plan(k, "hwDecode " + k + " requested");
      }
      case "vaapi" -> {
        String why = probeDevice("vaapi");
        return why == null ? new Plan("vaapi", "hwDecode vaapi requested, device " + VAAPI_DEVICE)
            : new Plan(null, "hwDecode vaapi requested, software fallback: vaapi: " + why);
      }
      case "auto" -> {
        List<String> why = new ArrayList<>();
        for (String t : AUTO_ORDER) {
          String w = probeDevice(t);
          if (w == null) return new Plan(t, "hwDecode auto: " + t + " device present" + (why.isEmpty() ? "" : " (" + String.join("; ", why) + ")"));
          why.add(t + ": " + w);
        }
        return new Plan(null, "hwDecode auto requested, software fallback: " + String.join("; ", why));
      }
      default -> {
        return new Plan(null, "hwDecode " + k + " unknown (auto|none|vaapi|cuda|qsv), software");
      }
    }
  }

  /** Probes one device type once per JVM: null when the device opens, else why not. */
  static String probeDevice(String name) {
    String r = DEVICE_PROBE_RESULT.computeIfAbsent(name, n -> {
      int type;
      try {
        type = avutil.av_hwdevice_find_type_by_name(n);
      } catch (Throwable t) {
        return "FFmpeg natives unavailable (" + t + ")";
      }
      if (type == avutil.AV_HWDEVICE_TYPE_NONE) return "unknown to this FFmpeg build";
      DEVICE_PROBES.incrementAndGet();
      AVBufferRef ref = new AVBufferRef(null);
      int rc;
      try {
        rc = avutil.av_hwdevice_ctx_create(ref, type, n.equals("vaapi") ? VAAPI_DEVICE : null, null, 0);
      } catch (Throwable t) {
        return "device creation failed (" + t + ")";
      }
      if (rc < 0) {
        String hint = switch (n) {
          case "vaapi" -> Files.exists(Path.of(VAAPI_DEVICE)) ? "" : ", no " + VAAPI_DEVICE;
          case "cuda" -> ", no CUDA driver";
          case "qsv" -> ", no Intel media driver";
          default -> "";
        };
        return "no device (" + CameraIngestLoop.avError(rc) + hint + ")";
      }
      if (n.equals("vaapi")) {
        vaapiDevice = ref; // kept for the decoders (each takes its own reference)
      } else {
        avutil.av_buffer_unref(ref);
      }
      return "";
    });
    return r.isEmpty() ? null : r;
  }

  /** A new reference to the shared VAAPI device (caller owns it), or null when it could not be opened. */
  static AVBufferRef vaapiDeviceRef() {
    if (probeDevice("vaapi") != null || vaapiDevice == null) return null;
    return avutil.av_buffer_ref(vaapiDevice);
  }
}
