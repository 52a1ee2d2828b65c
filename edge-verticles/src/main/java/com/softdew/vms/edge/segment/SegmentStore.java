package com.softdew.vms.edge.segment;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Layout of the segment store on disk: {@code <dataDir>/segments/<tenantId>/<cameraId>/<yyyy-MM-dd>/<seq>.mp4}
 * (UTC day of the segment start), and the location-independent claim-check URI
 * {@code vms-segment://<tenantId>/<cameraId>/<yyyy-MM-dd>/<seq>.mp4} that jobs carry instead of the bytes.
 */
public final class SegmentStore {
  public static final String URI_SCHEME = "vms-segment";
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern URI_PATH = Pattern.compile("/(\\d{4}-\\d{2}-\\d{2})/(\\d{1,18})\\.mp4");
  private static final Pattern FILE = Pattern.compile("(\\d{1,18})\\.mp4");

  private final Path root;

  /** The store under {@code dataDir/segments}. */
  public SegmentStore(Path dataDir) {
    this.root = dataDir.toAbsolutePath().normalize().resolve("segments");
  }

  public Path root() {
    return root;
  }

  public Path cameraDir(String tenantId, String cameraId) {
    return root.resolve(id("tenantId", tenantId)).resolve(id("cameraId", cameraId));
  }

  /** Where segment {@code seq} starting at {@code start} lives. */
  public Path path(String tenantId, String cameraId, Instant start, long seq) {
    return cameraDir(tenantId, cameraId).resolve(DAY.format(start)).resolve(seq + ".mp4");
  }

  /** The claim-check URI of a segment file of this store. */
  public URI uri(Path segment) {
    Path rel = root.relativize(segment.toAbsolutePath().normalize());
    if (rel.getNameCount() != 4 || rel.startsWith("..")) throw new IllegalArgumentException("not a segment of this store: " + segment);
    return URI.create(URI_SCHEME + "://" + rel.getName(0) + "/" + rel.getName(1) + "/" + rel.getName(2) + "/" + rel.getName(3));
  }

  /** The file a claim-check URI names; rejects anything that could leave the store. */
  public Path resolve(URI uri) {
    if (!URI_SCHEME.equals(uri.getScheme())) throw new IllegalArgumentException("not a " + URI_SCHEME + " URI: " + uri);
    String tenant = uri.getHost();
    String path = uri.getPath();
    int slash = path == null ? -1 : path.indexOf('/', 1);
    if (tenant == null || slash < 0) throw new IllegalArgumentException("malformed segment URI: " + uri);
    String camera = path.substring(1, slash);
    Matcher m = URI_PATH.matcher(path.substring(slash));
    if (!m.matches()) throw new IllegalArgumentException("malformed segment URI: " + uri);
    return cameraDir(tenant, camera).resolve(m.group(1)).resolve(m.group(2) + ".mp4");
  }

  /** Highest segment number stored for the camera, or -1: a restarted writer continues after it instead of overwriting. */
  public long lastSequence(String tenantId, String cameraId) throws IOException {
    Path dir = cameraDir(tenantId, cameraId);
    if (!Files.isDirectory(dir)) return -1;
    try (Stream<Path> files = Files.find(dir, 2, (p, a) -> a.isRegularFile() && FILE.matcher(p.getFileName().toString()).matches())) {
      return files.mapToLong(p -> {
        String n = p.getFileName().toString();
        return Long.parseLong(n.substring(0, n.length() - 4));
      }).max().orElse(-1);
    }
  }

  private static String id(String what, String v) {
    if (v == null || !ID.matcher(v).matches()) throw new IllegalArgumentException(what + " must match " + ID + ": " + v);
    return v;
  }
}
