package com.softdew.vms.edge.buffer;

import com.softdew.vms.edge.record.RecordingSegment;
import com.softdew.vms.platform.config.VmsConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * The cloud tier recorded segments are copied to from the edge (start-up key {@code storage.cloud.kind}:
 * none, dir, s3). Every object lives under its tenant: {@code <tenant>/<camera>/<yyyy-MM-dd UTC>/<segmentId>.mp4}
 * (S3: below {@code storage.cloud.s3.prefix}), so a tenant's footage is one prefix.
 *
 * <p>Every method blocks (file or network I/O, hashing): call it from a worker thread, never an event loop.
 * {@link #upload} is idempotent: an object already there with the same SHA-256 is not sent again.
 */
public interface CloudTier extends AutoCloseable {
  /** Ids that become path or key parts. */
  Pattern ID = Pattern.compile("[A-Za-z0-9._-]+");
  DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

  /**
   * @param objectKey    where the object is (dir tier: the path relative to the tier directory)
   * @param bytes        its size, verified after the copy
   * @param alreadyThere the object existed with the same SHA-256: nothing was sent
   * @param nanos        time taken
   */
  record Upload(String objectKey, long bytes, boolean alreadyThere, long nanos) {}

  /** An upload that no retry can fix (the local file is gone or does not match its checksum). */
  final class PermanentUploadException extends IOException {
    private final String reason;

    public PermanentUploadException(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    /** "missing" or "checksum". */
    public String reason() {
      return reason;
    }
  }

  /** "dir" or "s3". */
  String kind();

  /** The tenant-relative key of a segment: {@code <tenant>/<camera>/<yyyy-MM-dd>/<segmentId>.mp4}. */
  static String relativeKey(RecordingSegment s) {
    for (String[] f : new String[][] {{"tenantId", s.tenantId()}, {"cameraId", s.cameraId()}}) {
      if (f[1] == null || !ID.matcher(f[1]).matches() || f[1].equals(".") || f[1].equals("..")) {
        throw new IllegalArgumentException(f[0] + " must match " + ID.pattern() + ": " + f[1]);
      }
    }
    return s.tenantId() + "/" + s.cameraId() + "/" + DAY.format(s.start()) + "/" + s.segmentId() + ".mp4";
  }

  /** Where {@link #upload} puts the segment. */
  String objectKey(RecordingSegment s);

  /**
   * Copies the segment's local file ({@link RecordingSegment#path()}) to the tier unless the same content is
   * there already, then verifies the copy's size.
   *
   * @throws PermanentUploadException the local file is missing or its SHA-256 is not the record's
   * @throws IOException              anything worth retrying (network, server, disk)
   */
  Upload upload(RecordingSegment s) throws IOException;

  /** Reads an object back (tests, restore); the caller closes the stream. */
  InputStream open(String objectKey) throws IOException;

  /** Deletes an object (no error when absent). */
  void delete(String objectKey) throws IOException;

  @Override
  default void close() {}

  /**
   * The tier of the start-up configuration, or null for {@code storage.cloud.kind = none}.
   *
   * @throws IllegalArgumentException naming the key when the configuration is incomplete
   */
  static CloudTier fromConfig(VmsConfig cfg) {
    String kind = cfg.string("storage.cloud.kind");
    switch (kind) {
      case "none":
        return null;
      case "dir": {
        String d = cfg.string("storage.cloud.dir");
        return new DirCloudTier(d == null || d.isBlank() ? Path.of(cfg.string("data.dir")).resolve("cloud") : Path.of(d));
      }
      case "s3":
        return new S3CloudTier(S3CloudTier.Settings.fromConfig(cfg));
      default:
        throw new IllegalArgumentException("storage.cloud.kind must be none, dir or s3: " + kind);
    }
  }
}
