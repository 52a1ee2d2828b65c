package com.softdew.vms.sim;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pre-encoded media for the camera simulator.
 *
 * <p>{@link #ensure(Path, Codec, Profile)} encodes a 10 s test pattern once with the Debian
 * {@code ffmpeg} binary (libx264 / libx265 / mjpeg; nothing is downloaded) into an elementary stream
 * file (H.264/H.265 Annex B, concatenated baseline JPEGs for MJPEG) plus a {@code .properties}
 * sidecar holding the frame rate and size, and leaves both in the directory for the next run.
 * {@link #load(Path, Codec)} reads such a file once into memory, splits it into access units (Annex B
 * NAL parsing, JPEG marker walk) and pre-packetizes every frame into RTP payloads, so viewers only
 * add their own 12-byte RTP header: no encoding, no re-packetization per viewer.
 *
 * <p>The parsing and the RTP payload formats (RFC 6184 single NAL unit + FU-A, RFC 7798 single NAL
 * unit + FU, RFC 2435 JPEG with in-band quantization tables) are hand-written: no maintained Java
 * library on Maven Central packetizes these (Netty has no RTP codec; {@code org.jvoicexml:org.jlibrtp}
 * 0.2 has RTP sessions but no payload formats).
 */
public final class SimMedia {

  private static final Logger log = LoggerFactory.getLogger(SimMedia.class);

  /** Largest RTP payload we emit (keeps RTP over UDP under a 1500-byte MTU). */
  public static final int MAX_PAYLOAD = 1400;

  /** Seconds of test pattern encoded; the stream loops over it. */
  public static final int CLIP_SECONDS = 10;

  /** Encoding parameters of one stream of a camera. */
  public record Profile(String name, int width, int height, int fps, int kbps) {
    /** The {@code /main} stream: 1280x720, 15 fps, 2 Mbit/s. */
    public static final Profile MAIN = new Profile("main", 1280, 720, 15, 2000);
    /** The {@code /sub} stream: 640x360, 15 fps, 500 kbit/s. */
    public static final Profile SUB = new Profile("sub", 640, 360, 15, 500);
  }

  /** One access unit (video frame), pre-packetized into RTP payloads; marker goes on the last. */
  public record Frame(boolean key, byte[][] payloads, int bytes) {}

  /** A clip loaded in memory and ready to be looped. */
  public record Clip(
      Codec codec,
      int width,
      int height,
      int fps,
      List<Frame> frames,
      byte[] vps,
      byte[] sps,
      byte[] pps,
      long totalBytes) {
    public int bitrateKbps() {
      return (int) (totalBytes * 8L * fps / Math.max(1, frames.size()) / 1000);
    }
  }

  private static final Map<Path, Object> LOCKS = new ConcurrentHashMap<>();
  /**
   * Loaded clips by file. JDK futures, not Vert.x ones: a Vert.x future remembers the context that
   * completed it and delivers there, so a cached one would outlive (and fail with) the Vertx instance of
   * the first camera that loaded it when several Vertx instances come and go in one JVM, as in tests.
   */
  private static final Map<Path, CompletableFuture<Clip>> LOADED = new ConcurrentHashMap<>();
  /** Encoding and loading threads (blocking: ffmpeg, file reads), daemon so they never hold the JVM. */
  private static final ExecutorService WORKERS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "sim-media");
    t.setDaemon(true);
    return t;
  });

  private SimMedia() {}

  /**
   * Generates (on a worker thread, never the event loop) and loads the clip; loaded clips are cached
   * per file and shared by every camera of the JVM (whatever its Vertx instance). The answer is
   * delivered on the caller's context.
   */
  public static Future<Clip> ensure(Vertx vertx, Path dir, Codec codec, Profile profile) {
    Path file = fileFor(dir, codec, profile).toAbsolutePath().normalize();
    CompletableFuture<Clip> loaded = LOADED.computeIfAbsent(
        file,
        f -> CompletableFuture.supplyAsync(() -> {
          try {
            return load(ensure(dir, codec, profile), codec);
          } catch (IOException e) {
            throw new CompletionException(e);
          }
        }, WORKERS));
    loaded.whenComplete((c, e) -> {
      if (e != null) LOADED.remove(file, loaded); // let a later call try again
    });
    return Future.fromCompletionStage(loaded, vertx.getOrCreateContext())
        .recover(e -> Future.failedFuture(e instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : e));
  }

  /** The file {@link #ensure(Path, Codec, Profile)} writes for these parameters. */
  public static Path fileFor(Path dir, Codec codec, Profile p) {
    return dir.resolve(
        String.format(
            "sim-%s-%dx%d-%dfps-%dk.%s",
            codec.extension, p.width(), p.height(), p.fps(), p.kbps(), codec.extension));
  }

  /**
   * Blocking: returns the media file, encoding it with ffmpeg first if it (or its sidecar) is
   * missing. Safe to call concurrently; each file is encoded once.
   */
  public static Path ensure(Path dir, Codec codec, Profile p) throws IOException {
    Path file = fileFor(dir, codec, p);
    Path meta = metaFor(file);
    synchronized (LOCKS.computeIfAbsent(file.toAbsolutePath().normalize(), k -> new Object())) {
      if (Files.isRegularFile(file) && Files.isRegularFile(meta)) {
        return file;
      }
      Files.createDirectories(dir);
      Path tmp = dir.resolve(file.getFileName() + ".tmp");
      List<String> cmd = new ArrayList<>();
      Collections.addAll(
          cmd, "ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i",
          "testsrc2=size=" + p.width() + "x" + p.height() + ":rate=" + p.fps(),
          "-t", String.valueOf(CLIP_SECONDS));
      switch (codec) {
        case H264 -> Collections.addAll(
            cmd, "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "baseline", "-bf", "0",
            "-g", String.valueOf(p.fps()), "-b:v", p.kbps() + "k", "-pix_fmt", "yuv420p",
            "-f", "h264");
        case H265 -> Collections.addAll(
            cmd, "-c:v", "libx265", "-preset", "ultrafast", "-b:v", p.kbps() + "k",
            "-x265-params",
            "bframes=0:keyint=" + p.fps() + ":min-keyint=" + p.fps()
                + ":repeat-headers=1:log-level=error",
            "-pix_fmt", "yuv420p", "-f", "hevc");
        // RFC 2435 carries no Huffman tables: the encoder must use the standard (Annex K) ones,
        // and write both quantization tables (the payload format sends luma + chroma).
        case MJPEG -> Collections.addAll(
            cmd, "-c:v", "mjpeg", "-q:v", "6", "-huffman", "default",
            "-force_duplicated_matrix", "1", "-pix_fmt", "yuvj420p", "-f", "mjpeg");
      }
      cmd.add(tmp.toString());
      log.info("encoding simulator media {} ...", file);
      long t0 = System.nanoTime();
      Path err = dir.resolve(file.getFileName() + ".ffmpeg.log");
      Process proc =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(err.toFile())
              .start();
      try {
        if (!proc.waitFor(180, TimeUnit.SECONDS)) {
          proc.destroyForcibly();
          throw new IOException("ffmpeg timed out encoding " + file);
        }
      } catch (InterruptedException e) {
        proc.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      if (proc.exitValue() != 0 || !Files.isRegularFile(tmp) || Files.size(tmp) == 0) {
        throw new IOException(
            "ffmpeg failed (" + proc.exitValue() + ") for " + file + ": " + Files.readString(err));
      }
      Files.deleteIfExists(err);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Properties props = new Properties();
      props.setProperty("codec", codec.name());
      props.setProperty("width", String.valueOf(p.width()));
      props.setProperty("height", String.valueOf(p.height()));
      props.setProperty("fps", String.valueOf(p.fps()));
      Path metaTmp = dir.resolve(meta.getFileName() + ".tmp");
      try (OutputStream out = Files.newOutputStream(metaTmp)) {
        props.store(out, "simulator media, written by SimMedia.ensure");
      }
      Files.move(metaTmp, meta, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      log.info("encoded {} in {} ms", file.getFileName(), (System.nanoTime() - t0) / 1_000_000);
      return file;
    }
  }

  private static Path metaFor(Path file) {
    return file.resolveSibling(file.getFileName() + ".properties");
  }

  /** Blocking: reads the file and its sidecar, splits frames and pre-packetizes them. */
  public static Clip load(Path file, Codec codec) throws IOException {
    Properties props = new Properties();
    try (InputStream in = Files.newInputStream(metaFor(file))) {
      props.load(in);
    }
    int fps = Integer.parseInt(props.getProperty("fps"));
    int width = Integer.parseInt(props.getProperty("width"));
    int height = Integer.parseInt(props.getProperty("height"));
    byte[] data = Files.readAllBytes(file);
    return switch (codec) {
      case H264, H265 -> loadAnnexB(data, codec, width, height, fps);
      case MJPEG -> loadMjpeg(data, fps);
    };
  }

  // ---------------------------------------------------------------------------------- H.264/H.265

  /** Splits an Annex B byte stream into NAL units (start codes and trailing zero bytes removed). */
  static List<byte[]> splitAnnexB(byte[] d) {
    List<byte[]> nals = new ArrayList<>();
    int start = -1;
    int i = 0;
    while (i + 2 < d.length) {
      if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1) {
        if (start >= 0) {
          addNal(nals, d, start, i);
        }
        i += 3;
        start = i;
      } else {
        i++;
      }
    }
    if (start >= 0) {
      addNal(nals, d, start, d.length);
    }
    return nals;
  }

  private static void addNal(List<byte[]> nals, byte[] d, int from, int to) {
    while (to > from && d[to - 1] == 0) {
      to--; // trailing_zero_8bits / the leading zero of a 4-byte start code
    }
    if (to > from) {
      byte[] n = new byte[to - from];
      System.arraycopy(d, from, n, 0, n.length);
      nals.add(n);
    }
  }

  static int nalType(Codec c, byte[] nal) {
    return c == Codec.H264 ? nal[0] & 0x1F : (nal[0] >> 1) & 0x3F;
  }

  private static boolean isVcl(Codec c, int t) {
    return c == Codec.H264 ? t >= 1 && t <= 5 : t <= 31;
  }

  /** first_mb_in_slice == 0 (H.264) / first_slice_segment_in_pic_flag (H.265). */
  private static boolean firstSliceOfPicture(Codec c, byte[] nal) {
    int idx = c == Codec.H264 ? 1 : 2;
    return nal.length > idx && (nal[idx] & 0x80) != 0;
  }

  /** Non-VCL NAL types that may only precede the first VCL NAL of an access unit. */
  private static boolean startsAccessUnit(Codec c, int t) {
    return c == Codec.H264
        ? t == 6 || t == 7 || t == 8 || t == 9 || (t >= 14 && t <= 18)
        : t == 32 || t == 33 || t == 34 || t == 35 || t == 39 || (t >= 41 && t <= 44);
  }

  private static boolean isKey(Codec c, int t) {
    return c == Codec.H264 ? t == 5 : t >= 16 && t <= 21;
  }

  private static Clip loadAnnexB(byte[] data, Codec c, int width, int height, int fps)
      throws IOException {
    List<byte[]> nals = splitAnnexB(data);
    byte[] vps = null;
    byte[] sps = null;
    byte[] pps = null;
    List<List<byte[]>> aus = new ArrayList<>();
    List<byte[]> cur = new ArrayList<>();
    boolean curHasVcl = false;
    for (byte[] nal : nals) {
      int t = nalType(c, nal);
      if (c == Codec.H264) {
        if (t == 7 && sps == null) sps = nal;
        if (t == 8 && pps == null) pps = nal;
      } else {
        if (t == 32 && vps == null) vps = nal;
        if (t == 33 && sps == null) sps = nal;
        if (t == 34 && pps == null) pps = nal;
      }
      boolean vcl = isVcl(c, t);
      if (curHasVcl && (vcl ? firstSliceOfPicture(c, nal) : startsAccessUnit(c, t))) {
        aus.add(cur);
        cur = new ArrayList<>();
        curHasVcl = false;
      }
      cur.add(nal);
      curHasVcl |= vcl;
    }
    if (curHasVcl) {
      aus.add(cur);
    }
    if (sps == null || pps == null || (c == Codec.H265 && vps == null)) {
      throw new IOException("no parameter sets in the " + c + " stream");
    }
    List<Frame> frames = new ArrayList<>(aus.size());
    long total = 0;
    for (List<byte[]> au : aus) {
      boolean key = false;
      boolean hasSps = false;
      for (byte[] nal : au) {
        int t = nalType(c, nal);
        key |= isKey(c, t);
        hasSps |= c == Codec.H264 ? t == 7 : t == 33;
      }
      if (key && !hasSps) { // make every key frame decodable on its own
        List<byte[]> withPs = new ArrayList<>();
        if (c == Codec.H265) withPs.add(vps);
        withPs.add(sps);
        withPs.add(pps);
        withPs.addAll(au);
        au = withPs;
      }
      List<byte[]> payloads = new ArrayList<>();
      for (byte[] nal : au) {
        if (c == Codec.H264) packetizeH264(nal, payloads);
        else packetizeH265(nal, payloads);
      }
      Frame f = frame(key, payloads);
      total += f.bytes();
      frames.add(f);
    }
    // the loop restarts at frame 0: it must be a key frame
    while (!frames.isEmpty() && !frames.get(0).key()) {
      total -= frames.remove(0).bytes();
    }
    if (frames.isEmpty()) {
      throw new IOException("no key frame in the " + c + " stream");
    }
    return new Clip(c, width, height, fps, List.copyOf(frames), vps, sps, pps, total);
  }

  private static Frame frame(boolean key, List<byte[]> payloads) {
    int bytes = 0;
    for (byte[] p : payloads) bytes += p.length;
    return new Frame(key, payloads.toArray(new byte[0][]), bytes);
  }

  /** RFC 6184: single NAL unit packet, or FU-A fragments when the NAL is larger than a packet. */
  static void packetizeH264(byte[] nal, List<byte[]> out) {
    if (nal.length <= MAX_PAYLOAD) {
      out.add(nal);
      return;
    }
    int hdr = nal[0] & 0xFF;
    int indicator = (hdr & 0xE0) | 28;
    int type = hdr & 0x1F;
    int chunk = MAX_PAYLOAD - 2;
    for (int off = 1; off < nal.length; off += chunk) {
      int len = Math.min(chunk, nal.length - off);
      byte[] p = new byte[2 + len];
      p[0] = (byte) indicator;
      p[1] = (byte) (type | (off == 1 ? 0x80 : 0) | (off + len == nal.length ? 0x40 : 0));
      System.arraycopy(nal, off, p, 2, len);
      out.add(p);
    }
  }

  /** RFC 7798: single NAL unit packet, or fragmentation units (type 49). */
  static void packetizeH265(byte[] nal, List<byte[]> out) {
    if (nal.length <= MAX_PAYLOAD) {
      out.add(nal);
      return;
    }
    int h0 = nal[0] & 0xFF;
    int h1 = nal[1] & 0xFF;
    int type = (h0 >> 1) & 0x3F;
    int chunk = MAX_PAYLOAD - 3;
    for (int off = 2; off < nal.length; off += chunk) {
      int len = Math.min(chunk, nal.length - off);
      byte[] p = new byte[3 + len];
      p[0] = (byte) ((h0 & 0x81) | (49 << 1));
      p[1] = (byte) h1;
      p[2] = (byte) (type | (off == 2 ? 0x80 : 0) | (off + len == nal.length ? 0x40 : 0));
      System.arraycopy(nal, off, p, 3, len);
      out.add(p);
    }
  }

  // ---------------------------------------------------------------------------------------- MJPEG

  private static Clip loadMjpeg(byte[] d, int fps) throws IOException {
    List<Frame> frames = new ArrayList<>();
    long total = 0;
    int width = 0;
    int height = 0;
    int pos = 0;
    while (pos + 4 <= d.length) {
      if ((d[pos] & 0xFF) != 0xFF || (d[pos + 1] & 0xFF) != 0xD8) {
        pos++; // resync on the next SOI
        continue;
      }
      Jpeg j = parseJpeg(d, pos);
      width = j.width;
      height = j.height;
      Frame f = packetizeJpeg(d, j);
      total += f.bytes();
      frames.add(f);
      pos = j.end;
    }
    if (frames.isEmpty()) {
      throw new IOException("no JPEG frame found");
    }
    return new Clip(Codec.MJPEG, width, height, fps, List.copyOf(frames), null, null, null, total);
  }

  private static final class Jpeg {
    int width;
    int height;
    int type;
    int restartInterval;
    final byte[][] qt = new byte[4][];
    int lumaQ;
    int chromaQ;
    int scanStart;
    int scanEnd; // exclusive, position of EOI
    int end; // after EOI
  }

  private static int u16(byte[] d, int i) {
    return ((d[i] & 0xFF) << 8) | (d[i + 1] & 0xFF);
  }

  /** Walks the markers of one baseline JPEG starting at its SOI. */
  private static Jpeg parseJpeg(byte[] d, int soi) throws IOException {
    Jpeg j = new Jpeg();
    int p = soi + 2;
    while (true) {
      if (p + 4 > d.length || (d[p] & 0xFF) != 0xFF) {
        throw new IOException("bad JPEG marker at " + p);
      }
      int m = d[p + 1] & 0xFF;
      if (m == 0xFF) {
        p++; // fill byte
        continue;
      }
      int len = u16(d, p + 2);
      int seg = p + 4;
      switch (m) {
        case 0xDB -> { // DQT
          int q = seg;
          while (q < p + 2 + len) {
            int pqTq = d[q] & 0xFF;
            if ((pqTq >> 4) != 0) throw new IOException("16-bit quantization tables unsupported");
            byte[] t = new byte[64];
            System.arraycopy(d, q + 1, t, 0, 64);
            j.qt[pqTq & 3] = t;
            q += 65;
          }
        }
        case 0xC0 -> { // SOF0 baseline
          j.height = u16(d, seg + 1);
          j.width = u16(d, seg + 3);
          int nf = d[seg + 5] & 0xFF;
          if (nf != 3) throw new IOException("RFC 2435 needs 3-component JPEG, got " + nf);
          int hv0 = d[seg + 7] & 0xFF;
          j.lumaQ = d[seg + 8] & 3;
          j.chromaQ = d[seg + 11] & 3;
          if ((d[seg + 10] & 0xFF) != 0x11 || (d[seg + 13] & 0xFF) != 0x11) {
            throw new IOException("chroma must not be subsampled twice");
          }
          j.type = switch (hv0) {
            case 0x21 -> 0; // 4:2:2
            case 0x22 -> 1; // 4:2:0
            default -> throw new IOException("unsupported sampling 0x" + Integer.toHexString(hv0));
          };
          if (j.width > 2040 || j.height > 2040) throw new IOException("JPEG too large for RTP");
        }
        case 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF ->
            throw new IOException("only baseline JPEG is supported by RFC 2435");
        case 0xDD -> j.restartInterval = u16(d, seg); // DRI
        case 0xDA -> { // SOS: entropy-coded data follows until EOI
          j.scanStart = p + 2 + len;
          int q = j.scanStart;
          while (q + 1 < d.length) {
            if ((d[q] & 0xFF) == 0xFF) {
              int n = d[q + 1] & 0xFF;
              if (n == 0xD9) {
                j.scanEnd = q;
                j.end = q + 2;
                if (j.qt[j.lumaQ] == null || j.width == 0) throw new IOException("no DQT/SOF0");
                if (j.qt[j.chromaQ] == null) j.qt[j.chromaQ] = j.qt[j.lumaQ];
                return j;
              }
              if (n != 0x00 && (n < 0xD0 || n > 0xD7)) {
                throw new IOException("unexpected marker 0x" + Integer.toHexString(n) + " in scan");
              }
              q += 2;
            } else {
              q++;
            }
          }
          throw new IOException("JPEG without EOI");
        }
        default -> { } // APPn, COM, DHT (standard tables, see ensure())
      }
      p += 2 + len;
    }
  }

  /** RFC 2435: 8-byte JPEG header (+ restart header) and, in the first packet, Q=255 tables. */
  private static Frame packetizeJpeg(byte[] d, Jpeg j) {
    List<byte[]> payloads = new ArrayList<>();
    boolean dri = j.restartInterval > 0;
    int type = j.type + (dri ? 64 : 0);
    int scanLen = j.scanEnd - j.scanStart;
    int off = 0;
    while (off < scanLen) {
      boolean first = off == 0;
      int hdr = 8 + (dri ? 4 : 0) + (first ? 4 + 128 : 0);
      int len = Math.min(MAX_PAYLOAD - hdr, scanLen - off);
      ByteArrayOutputStream b = new ByteArrayOutputStream(hdr + len);
      b.write(0); // type-specific
      b.write(off >> 16);
      b.write(off >> 8);
      b.write(off);
      b.write(type);
      b.write(255); // Q: tables are carried in-band
      b.write(j.width / 8);
      b.write(j.height / 8);
      if (dri) {
        b.write(j.restartInterval >> 8);
        b.write(j.restartInterval);
        b.write(0xFF); // F=1, L=1, restart count 0x3FFF
        b.write(0xFF);
      }
      if (first) {
        b.write(0); // MBZ
        b.write(0); // precision: 8-bit tables
        b.write(0);
        b.write(128);
        b.write(j.qt[j.lumaQ], 0, 64);
        b.write(j.qt[j.chromaQ], 0, 64);
      }
      b.write(d, j.scanStart + off, len);
      payloads.add(b.toByteArray());
      off += len;
    }
    return frame(true, payloads);
  }
}
