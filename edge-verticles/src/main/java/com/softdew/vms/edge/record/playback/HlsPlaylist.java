package com.softdew.vms.edge.record.playback;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An HLS VOD media playlist (RFC 8216, version 7) over recorded fragmented-MP4 segment files.
 *
 * <ul>
 *   <li>One HLS media segment per recorded file. Each file carries its own init section (ftyp+moov), so every
 *       file gets an {@code EXT-X-MAP} (with {@code BYTERANGE} when the init is a byte range of the same file),
 *       and files after the first are preceded by {@code EXT-X-DISCONTINUITY}: each file's timestamps start at 0.
 *   <li>{@code EXTINF} is the index duration (end - start) of the file; {@code EXT-X-PROGRAM-DATE-TIME} its wall
 *       clock start, so a player shows the real time and a gap shows as a jump of the date.
 *   <li>A gap (time without footage) is not given a segment: it is a discontinuity with a date jump, and a comment
 *       line {@code ## gap <start>/<end> <reason>} (players ignore comments). {@code EXT-X-GAP} is not used: it
 *       needs a URI to pretend to and FFmpeg 5.1's HLS demuxer does not know it.
 *   <li>{@code EXT-X-START:TIME-OFFSET} points at the asked start inside the first file (files are whole: a
 *       playlist may begin up to one segment before the asked range).
 * </ul>
 */
public final class HlsPlaylist {
  private static final DateTimeFormatter PDT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

  private HlsPlaylist() {}

  /** Something on the timeline: a segment file or a gap. */
  public sealed interface Item permits Segment, Gap {
    Instant start();

    Instant end();
  }

  /**
   * One recorded file.
   *
   * @param mapUri   URI of the init section (EXT-X-MAP)
   * @param mapRange its byte range, or null when the URI serves the init section alone
   * @param uri      URI of the media (moof+mdat pairs)
   * @param range    its byte range, or null when the URI serves the media alone
   */
  public record Segment(String mapUri, Mp4Boxes.ByteRange mapRange, String uri, Mp4Boxes.ByteRange range, Instant start,
      Instant end) implements Item {
    public Segment {
      Objects.requireNonNull(mapUri, "mapUri");
      Objects.requireNonNull(uri, "uri");
      if (!end.isAfter(start)) throw new IllegalArgumentException("segment end " + end + " not after start " + start);
    }
  }

  /** Time without footage. */
  public record Gap(Instant start, Instant end, String reason) implements Item {}

  /**
   * @param startAt where the player should begin (the asked range start), or null for the first segment's start
   */
  public static String vod(List<Item> items, Instant startAt) {
    List<Segment> segs = items.stream().filter(i -> i instanceof Segment).map(i -> (Segment) i).toList();
    if (segs.isEmpty()) throw new IllegalArgumentException("a playlist needs at least one segment");
    double max = segs.stream().mapToDouble(s -> seconds(s.start(), s.end())).max().orElse(1);
    StringBuilder b = new StringBuilder(256 + 300 * items.size());
    b.append("#EXTM3U\n#EXT-X-VERSION:7\n");
    b.append("#EXT-X-TARGETDURATION:").append(Math.max(1, (long) Math.ceil(max - 1e-6))).append('\n');
    b.append("#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    Instant first = segs.get(0).start();
    if (startAt != null && startAt.isAfter(first)) {
      b.append("#EXT-X-START:TIME-OFFSET=").append(fmt(seconds(first, startAt))).append(",PRECISE=YES\n");
    }
    boolean any = false;
    for (Item it : items) {
      if (it instanceof Gap g) {
        b.append("## gap ").append(g.start()).append('/').append(g.end()).append(' ')
            .append(g.reason() == null ? "" : g.reason().replaceAll("[\\r\\n]", " ")).append('\n');
        continue;
      }
      Segment s = (Segment) it;
      if (any) b.append("#EXT-X-DISCONTINUITY\n");
      any = true;
      b.append("#EXT-X-MAP:URI=\"").append(quoted(s.mapUri())).append('"');
      if (s.mapRange() != null) b.append(",BYTERANGE=\"").append(s.mapRange()).append('"');
      b.append('\n');
      b.append("#EXT-X-PROGRAM-DATE-TIME:").append(PDT.format(s.start())).append('\n');
      b.append("#EXTINF:").append(fmt(seconds(s.start(), s.end()))).append(",\n");
      if (s.range() != null) b.append("#EXT-X-BYTERANGE:").append(s.range()).append('\n');
      b.append(s.uri()).append('\n');
    }
    b.append("#EXT-X-ENDLIST\n");
    return b.toString();
  }

  /** Sum of the EXTINF durations (what a player's timeline shows). */
  public static Duration duration(List<Item> items) {
    Duration d = Duration.ZERO;
    for (Item i : items) if (i instanceof Segment s) d = d.plus(Duration.between(s.start(), s.end()));
    return d;
  }

  /** Segments and the gaps between them (any hole longer than {@code tolerance}), in time order. */
  public static List<Item> withGaps(List<Segment> segments, Duration tolerance, String reason) {
    List<Item> out = new ArrayList<>();
    Instant prevEnd = null;
    for (Segment s : segments) {
      if (prevEnd != null && Duration.between(prevEnd, s.start()).compareTo(tolerance) > 0) {
        out.add(new Gap(prevEnd, s.start(), reason));
      }
      out.add(s);
      prevEnd = prevEnd == null || s.end().isAfter(prevEnd) ? s.end() : prevEnd;
    }
    return out;
  }

  private static String quoted(String uri) {
    if (uri.indexOf('"') >= 0 || uri.indexOf('\n') >= 0) throw new IllegalArgumentException("URI with a quote or newline: " + uri);
    return uri;
  }

  private static double seconds(Instant a, Instant b) {
    return Duration.between(a, b).toNanos() / 1e9;
  }

  private static String fmt(double s) {
    return String.format(Locale.ROOT, "%.3f", s);
  }
}
