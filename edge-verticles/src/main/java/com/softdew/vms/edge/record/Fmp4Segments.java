package com.softdew.vms.edge.record;

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
import java.util.HexFormat;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;

/**
 * The segment files every writer of recorded footage shares (live recorder, SD-card filler): a fragmented MP4
 * opened by remux from a grabber's stream, written as {@code .part}, then fsynced, hashed and renamed atomically so
 * that a {@code .mp4} name always means a complete file whose SHA-256 the index holds. Blocking: recorder threads only.
 */
public final class Fmp4Segments {
  private Fmp4Segments() {}

  /** A closed segment file. */
  public record Closed(Path file, long bytes, String sha256) {}

  /**
   * Opens {@code part} (parent directories created) as a fragmented MP4 copying the codec parameters of the grabber's
   * stream {@code video}: no encoder is opened (check with {@link #encoderOpened}). 1 s fragments.
   */
  public static FFmpegFrameRecorder openRemux(Path part, FFmpegFrameGrabber g, int video) throws Exception {
    Files.createDirectories(part.getParent());
    // a container-specific tag of the source (e.g. MPEG-TS) is not valid in MP4: let the muxer choose
    g.getFormatContext().streams(video).codecpar().codec_tag(0);
    FFmpegFrameRecorder r = new FFmpegFrameRecorder(part.toString(), g.getImageWidth(), g.getImageHeight(), 0);
    r.setFormat("mp4");
    r.setOption("movflags", MainStreamRecorder.MOVFLAGS);
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
    return r;
  }

  /** Index of the first video stream of an opened input, -1 when it has none. */
  public static int videoStream(org.bytedeco.ffmpeg.avformat.AVFormatContext ic) {
    for (int i = 0; i < ic.nb_streams(); i++) {
      if (ic.streams(i).codecpar().codec_type() == org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO) return i;
    }
    return -1;
  }

  /** Whether the recorder opened an encoder for its video stream (then it is not a remux). */
  public static boolean encoderOpened(FFmpegFrameRecorder r) {
    AVCodecContext enc = field(r, "video_c");
    return enc != null && !enc.isNull() && avcodec.avcodec_is_open(enc) != 0;
  }

  /** fsync, size and SHA-256 of a written {@code <name>.part}, then the atomic rename to {@code <name>}. */
  public static Closed finish(Path part) throws IOException {
    Path file = part.resolveSibling(part.getFileName().toString().replace(".part", ""));
    long bytes;
    try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
      ch.force(true);
      bytes = ch.size();
    }
    String sha = sha256(part);
    Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
    return new Closed(file, bytes, sha);
  }

  /** Lower-case hex SHA-256 of a file. */
  public static String sha256(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A private field of a JavaCV object (its codec contexts), or null. */
  @SuppressWarnings("unchecked")
  public static <T> T field(Object o, String name) {
    try {
      java.lang.reflect.Field f = o.getClass().getDeclaredField(name);
      f.setAccessible(true);
      return (T) f.get(o);
    } catch (Throwable t) {
      return null;
    }
  }

  /** {@code url} with {@code user:password@} (URL-encoded) in place of any credentials it had; unchanged without a user. */
  public static String withCredentials(String url, String user, String password) {
    if (user == null || user.isEmpty()) return url;
    int scheme = url.indexOf("://");
    if (scheme < 0) return url;
    String rest = url.substring(scheme + 3);
    int at = rest.indexOf('@'), slash = rest.indexOf('/');
    if (at >= 0 && (slash < 0 || at < slash)) rest = rest.substring(at + 1);
    return url.substring(0, scheme + 3) + enc(user) + ":" + enc(password == null ? "" : password) + "@" + rest;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
