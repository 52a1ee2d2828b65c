package com.softdew.vms.edge.job;

import com.softdew.vms.model.Priority;
import com.softdew.vms.model.VideoJob.SourceQuality;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What each of the 10 analytics models needs from a camera (seed §7 table): default priority, minimum
 * source resolution, minimum source bitrate, minimum segment duration and the overlap it wants.
 *
 * <p>{@link #validate} is called by the control plane when a camera's models are configured (a model
 * with reasons is refused) and by the edge at run time when the stream's real quality is known (the
 * reasons become warnings: the camera degraded after configuration).
 *
 * <p>The model ids and default priorities must match {@code RuntimeConfigSchema.MODELS} in the
 * verticles module (which depends on this one, so it cannot be referenced from here).
 */
public final class ModelRequirements {
  private ModelRequirements() {}

  /** Codecs the ingest decodes (seed §5: H.264, H.265 and MJPEG are mandatory). */
  public static final Set<String> DECODABLE_CODECS = Set.of("h264", "h265", "hevc", "mjpeg");

  /**
   * One model's row of the table.
   *
   * @param minLines      minimum resolution as lines of the shorter side (360, 480, 720, 1080 for 360p...)
   * @param minBitrate    minimum source bitrate, bits/s
   * @param minDuration   minimum segment length, seconds
   * @param overlap       segment overlap the model wants, seconds
   */
  public record Requirement(String model, Priority priority, int minLines, long minBitrate, double minDuration, double overlap) {
    public String resolutionName() {
      return minLines + "p";
    }
  }

  private static final Map<String, Requirement> TABLE = table(
      new Requirement("intrusion", Priority.MEDIUM, 480, 1_000_000, 3, 1),
      new Requirement("motion", Priority.STANDARD, 360, 512_000, 2, 0.5),
      new Requirement("tampering", Priority.HIGH, 360, 512_000, 2, 0),
      new Requirement("fire", Priority.CRITICAL, 720, 2_000_000, 5, 2),
      new Requirement("crowd", Priority.MEDIUM, 720, 2_000_000, 5, 1),
      new Requirement("missingObject", Priority.STANDARD, 480, 1_000_000, 10, 2),
      new Requirement("abnormalBehavior", Priority.HIGH, 720, 2_000_000, 5, 1),
      new Requirement("fallen", Priority.HIGH, 480, 1_000_000, 3, 1),
      new Requirement("tailgating", Priority.MEDIUM, 720, 2_000_000, 3, 1),
      new Requirement("anpr", Priority.MEDIUM, 1080, 3_000_000, 2, 0.5));

  private static Map<String, Requirement> table(Requirement... rows) {
    Map<String, Requirement> m = new LinkedHashMap<>();
    for (Requirement r : rows) m.put(r.model(), r);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The 10 model ids in seed order. */
  public static List<String> models() {
    return List.copyOf(TABLE.keySet());
  }

  /** The requirement of a model; IllegalArgumentException naming the known ids for an unknown one. */
  public static Requirement of(String model) {
    Requirement r = TABLE.get(model);
    if (r == null) throw new IllegalArgumentException("unknown model " + model + ", expected one of " + TABLE.keySet());
    return r;
  }

  /**
   * Why {@code model} cannot run on a camera delivering {@code source} cut in segments of
   * {@code segmentLengthSeconds}; empty when it can. An unknown value (bitrate or fps 0, resolution or
   * codec null/empty) is not held against the camera: it is checked again at run time.
   */
  public static List<String> validate(String model, SourceQuality source, double segmentLengthSeconds) {
    Requirement r = TABLE.get(model);
    if (r == null) return List.of("unknown model " + model);
    List<String> reasons = new ArrayList<>();
    String res = source.resolution();
    if (res != null && !res.isEmpty()) {
      int lines = shorterSide(res);
      if (lines < 0) reasons.add(model + " needs " + r.resolutionName() + ", camera resolution '" + res + "' is not WIDTHxHEIGHT");
      else if (lines < r.minLines()) reasons.add(model + " needs " + r.resolutionName() + ", camera sends " + res);
    }
    if (source.bitrate() > 0 && source.bitrate() < r.minBitrate()) {
      reasons.add(model + " needs " + bitrate(r.minBitrate()) + ", camera sends " + bitrate(source.bitrate()));
    }
    if (segmentLengthSeconds < r.minDuration()) {
      reasons.add(model + " needs segments of at least " + seconds(r.minDuration()) + ", segment length is " + seconds(segmentLengthSeconds));
    }
    if (r.overlap() >= segmentLengthSeconds) {
      reasons.add(model + " needs an overlap of " + seconds(r.overlap()) + ", which a " + seconds(segmentLengthSeconds) + " segment cannot hold");
    }
    String codec = source.codec();
    if (codec != null && !codec.isEmpty() && !DECODABLE_CODECS.contains(codec.toLowerCase(Locale.ROOT))) {
      reasons.add(model + " cannot run: camera codec " + codec + " is not decoded (H.264, H.265, MJPEG)");
    }
    if (source.fps() < 0) reasons.add(model + " cannot run: camera fps " + source.fps());
    return reasons;
  }

  /**
   * The overlap to cut a camera's segments with: the largest of the global overlap and the overlap of
   * every enabled model ({@code perModelOverride} holds the configured {@code models.<id>.overlapSeconds}
   * where it is not -1; the seed value otherwise), kept below the segment length by one frame.
   */
  public static double effectiveOverlap(double globalOverlap, Collection<String> enabledModels, Map<String, Double> perModelOverride,
      int segmentLengthSeconds, double fps) {
    double o = globalOverlap;
    for (String m : enabledModels) {
      Double override = perModelOverride.get(m);
      double mo = override != null && override >= 0 ? override : of(m).overlap();
      o = Math.max(o, mo);
    }
    double cap = segmentLengthSeconds - 1.0 / fps;
    return Math.min(Math.min(o, 5.0), cap);
  }

  private static final Pattern RES = Pattern.compile("\\s*(\\d{2,5})\\s*[xX×]\\s*(\\d{2,5})\\s*");
  private static final Pattern P = Pattern.compile("\\s*(\\d{3,4})[pP]\\s*");

  /** Lines of the shorter side of "1920x1080" (or "1080p"), or -1. */
  static int shorterSide(String resolution) {
    Matcher m = RES.matcher(resolution);
    if (m.matches()) return Math.min(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    m = P.matcher(resolution);
    if (m.matches()) return Integer.parseInt(m.group(1));
    return -1;
  }

  private static String bitrate(long bps) {
    if (bps >= 1_000_000) {
      double mb = bps / 1_000_000.0;
      return (mb == Math.rint(mb) ? String.valueOf((long) mb) : String.format(Locale.ROOT, "%.1f", mb)) + " Mbps";
    }
    return (bps / 1000) + " Kbps";
  }

  private static String seconds(double s) {
    return (s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s)) + " s";
  }
}
