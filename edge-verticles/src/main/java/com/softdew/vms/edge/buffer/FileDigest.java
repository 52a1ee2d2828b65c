package com.softdew.vms.edge.buffer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 (and MD5 for S3's Content-MD5) of a file in one pass. Blocking. */
record FileDigest(long bytes, String sha256Hex, byte[] md5) {

  static FileDigest of(Path file) throws IOException {
    MessageDigest sha = md("SHA-256"), md5 = md("MD5");
    long n = 0;
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[256 * 1024];
      int r;
      while ((r = in.read(buf)) > 0) {
        sha.update(buf, 0, r);
        md5.update(buf, 0, r);
        n += r;
      }
    }
    return new FileDigest(n, HexFormat.of().formatHex(sha.digest()), md5.digest());
  }

  static MessageDigest md(String alg) {
    try {
      return MessageDigest.getInstance(alg);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(alg, e);
    }
  }

  /** The local file of a segment, checked against the record: missing or other content = permanent failure. */
  static FileDigest checked(com.softdew.vms.edge.record.RecordingSegment s) throws IOException {
    if (!Files.isRegularFile(s.path())) {
      throw new CloudTier.PermanentUploadException("missing", "local file of segment " + s.segmentId() + " is gone: " + s.path());
    }
    FileDigest d = of(s.path());
    if (s.sha256() != null && !s.sha256().isEmpty() && !s.sha256().equalsIgnoreCase(d.sha256Hex())) {
      throw new CloudTier.PermanentUploadException("checksum", "local file of segment " + s.segmentId() + " (" + s.path()
          + ") has SHA-256 " + d.sha256Hex() + ", the record says " + s.sha256());
    }
    return d;
  }
}
