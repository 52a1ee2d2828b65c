package com.softdew.vms.edge.record.playback;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Playback numbers on one machine (not part of CI): 75 s of 1920x1080 15 fps footage cut into 10 s fragmented-MP4
 * segments with the recorder's layout (ffmpeg CLI segment muxer, {@code +frag_keyframe+empty_moov+default_base_moof},
 * 1 s fragments, timestamps reset per file), then: export of 60 s by {@link RangeExporter} versus the ffmpeg CLI
 * ({@code -f concat -ss -t -c copy +faststart}) on the same files; playlist build; thumbnail; one 10 s H.265
 * segment transcoded to H.264. Medians of 5 runs. Args: [output markdown file].
 */
public final class PlaybackBenchmark {
  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("playback-bench");
    Path out = args.length > 0 ? Path.of(args[0]) : null;
    String frag = "movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=1000000";
    run("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=15", "-t", "75", "-c:v", "libx264",
        "-preset", "veryfast", "-b:v", "4M", "-g", "15", "-bf", "0", "-pix_fmt", "yuv420p", "-f", "segment", "-segment_time", "10",
        "-reset_timestamps", "1", "-segment_format", "mp4", "-segment_format_options", frag, dir.resolve("h264-%03d.mp4").toString());
    run("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=15", "-t", "10", "-c:v", "libx265",
        "-preset", "veryfast", "-b:v", "3M", "-x265-params", "keyint=15:min-keyint=15:bframes=0:log-level=error", "-pix_fmt", "yuv420p",
        "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "1000000", dir.resolve("hevc.mp4").toString());
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().startsWith("h264-")).sorted().toList();
    }
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    List<RangeExporter.Source> src = new ArrayList<>();
    List<HlsPlaylist.Segment> segs = new ArrayList<>();
    Instant at = t0;
    for (Path f : files) {
      double d = Double.parseDouble(run("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", f.toString()).trim());
      Instant end = at.plusMillis(Math.round(d * 1000));
      src.add(new RangeExporter.Source(f, at, end));
      at = end;
    }
    Instant from = t0.plusSeconds(5), to = from.plusSeconds(60);
    // export 60 s, ours vs the CLI
    double[] ours = new double[5], cli = new double[5];
    RangeExporter.Result r = null;
    for (int i = 0; i < 5; i++) {
      long a = System.nanoTime();
      r = RangeExporter.export(src, from, to, dir.resolve("export.mp4"));
      ours[i] = (System.nanoTime() - a) / 1e6;
    }
    Path list = dir.resolve("list.txt");
    StringBuilder sb = new StringBuilder();
    for (RangeExporter.Source s : src) sb.append("file '").append(s.path()).append("'\n");
    Files.writeString(list, sb.toString());
    for (int i = 0; i < 5; i++) {
      long a = System.nanoTime();
      run("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", list.toString(), "-ss", "5", "-t", "60", "-c", "copy",
          "-movflags", "+faststart", dir.resolve("cli.mp4").toString());
      cli[i] = (System.nanoTime() - a) / 1e6;
    }
    long startupMs = 0;
    double[] startup = new double[5];
    for (int i = 0; i < 5; i++) {
      long a = System.nanoTime();
      run("ffmpeg", "-nostdin", "-v", "error", "-version");
      startup[i] = (System.nanoTime() - a) / 1e6;
    }
    double exportDur = Double.parseDouble(run("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
        r.file().toString()).trim());
    // playlist over all files
    double[] pl = new double[5];
    String m3u8 = null;
    for (int i = 0; i < 5; i++) {
      long a = System.nanoTime();
      segs.clear();
      for (RangeExporter.Source s : src) {
        Mp4Boxes.Layout l = Mp4Boxes.layout(s.path());
        segs.add(new HlsPlaylist.Segment(s.path().toString(), l.init(), s.path().toString(), l.media(), s.start(), s.end()));
      }
      m3u8 = HlsPlaylist.vod(HlsPlaylist.withGaps(segs, RangeExporter.TOLERANCE, "gap"), null);
      pl[i] = (System.nanoTime() - a) / 1e6;
    }
    // thumbnail
    double[] th = new double[5];
    for (int i = 0; i < 5; i++) {
      long a = System.nanoTime();
      Thumbnailer.keyFrame(src.get(1).path(), Duration.ofMillis(5500), 320, 0.8f);
      th[i] = (System.nanoTime() - a) / 1e6;
    }
    // transcode (no cache hit: a new cache each run), 3 runs
    double[] tc = new double[3];
    for (int i = 0; i < 3; i++) {
      Transcoder t = new Transcoder(dir.resolve("tc" + i), 1L << 30, null);
      long a = System.nanoTime();
      t.h264("bench", "hevc" + i, dir.resolve("hevc.mp4"));
      tc[i] = (System.nanoTime() - a) / 1e6;
    }
    String md = String.format(Locale.ROOT, """
        # Playback benchmark

        Machine: %d cores (shared with other work), Java %s. Footage: 1920x1080 15 fps H.264 (x264 veryfast, 4 Mbit/s, GOP 1 s),
        %d files of ~10 s in the recorder's fMP4 layout. Medians of 5 runs (transcode: 3). Re-run: `scripts/bench/playback.sh`.

        | what | ours | ffmpeg CLI | ratio |
        |---|---|---|---|
        | export 60 s by remux (%d packets, %.1f s written incl. key-frame lead-in, faststart) | %.0f ms | %.0f ms (of which process start %.0f ms) | %.2fx |
        | HLS playlist over %d files (box walk + text) | %.1f ms | – | – |
        | thumbnail: key frame at/before 5.5 s, 320 px JPEG | %.0f ms | – | – |
        | transcode one 10 s 1080p H.265 file → H.264 (libopenh264), cache miss | %.0f ms (%.2fx real time) | – | – |

        Export = `RangeExporter` (JavaCV grabPacket → recordPacket, in process); CLI = `ffmpeg -f concat -ss 5 -t 60 -c copy
        -movflags +faststart` on the same files (a new process each run, as a server shelling out would pay).
        """, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), files.size(), r.packets(), exportDur,
        median(ours), median(cli), median(startup), median(cli) / median(ours), segs.size(), median(pl), median(th), median(tc),
        10_000 / median(tc));
    System.out.println(md);
    System.out.println("playlist bytes " + m3u8.length() + "; raw runs ours " + Arrays.toString(ours) + " cli " + Arrays.toString(cli));
    if (out != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, md);
    }
  }

  static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }

  static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] o = p.getInputStream().readAllBytes();
    if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + ": " + new String(o, StandardCharsets.UTF_8));
    }
    return new String(o, StandardCharsets.UTF_8);
  }
}
