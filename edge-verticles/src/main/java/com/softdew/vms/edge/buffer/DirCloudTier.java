package com.softdew.vms.edge.buffer;

import com.softdew.vms.edge.record.RecordingSegment;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Cloud tier in a directory (a mounted NAS or object-store gateway, or a second disk):
 * {@code <dir>/<tenant>/<camera>/<yyyy-MM-dd>/<segmentId>.mp4}. A copy goes to a {@code .part} next to
 * the target while it is hashed, is fsynced, checked against the record's SHA-256, and renamed atomically
 * (then the directory is fsynced): a target name always means a complete, verified file. An existing
 * target with the same SHA-256 is not copied again.
 */
public final class DirCloudTier implements CloudTier {
  private final Path root;

  public DirCloudTier(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  @Override
  public String kind() {
    return "dir";
  }

  @Override
  public String objectKey(RecordingSegment s) {
    return CloudTier.relativeKey(s);
  }

  /** The file of an object key (refuses keys that leave the tier directory). */
  public Path file(String objectKey) {
    Path p = root.resolve(objectKey).normalize();
    if (!p.startsWith(root) || p.equals(root)) throw new IllegalArgumentException("objectKey outside the tier: " + objectKey);
    return p;
  }

  @Override
  public Upload upload(RecordingSegment s) throws IOException {
    long t0 = System.nanoTime();
    String key = objectKey(s);
    Path target = file(key);
    if (!Files.isRegularFile(s.path())) {
      throw new PermanentUploadException("missing", "local file of segment " + s.segmentId() + " is gone: " + s.path());
    }
    if (Files.isRegularFile(target)) {
      FileDigest there = FileDigest.of(target);
      if (there.sha256Hex().equalsIgnoreCase(s.sha256())) return new Upload(key, there.bytes(), true, System.nanoTime() - t0);
    }
    Files.createDirectories(target.getParent());
    Path part = target.resolveSibling(target.getFileName() + ".part");
    MessageDigest sha = FileDigest.md("SHA-256");
    long n = 0;
    try (InputStream in = Files.newInputStream(s.path());
        FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      OutputStream os = Channels.newOutputStream(out);
      byte[] buf = new byte[256 * 1024];
      int r;
      while ((r = in.read(buf)) > 0) {
        sha.update(buf, 0, r);
        os.write(buf, 0, r);
        n += r;
      }
      out.force(true);
    } catch (IOException e) {
      Files.deleteIfExists(part);
      throw e;
    }
    String hex = HexFormat.of().formatHex(sha.digest());
    if (s.sha256() != null && !s.sha256().isEmpty() && !s.sha256().equalsIgnoreCase(hex)) {
      Files.deleteIfExists(part);
      throw new PermanentUploadException("checksum", "local file of segment " + s.segmentId() + " (" + s.path() + ") has SHA-256 " + hex
          + ", the record says " + s.sha256());
    }
    if (Files.size(part) != n) throw new IOException("copy of " + s.path() + " has " + Files.size(part) + " bytes, expected " + n);
    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
      d.force(true);
    }
    return new Upload(key, n, false, System.nanoTime() - t0);
  }

  @Override
  public InputStream open(String objectKey) throws IOException {
    return Files.newInputStream(file(objectKey));
  }

  @Override
  public void delete(String objectKey) throws IOException {
    Files.deleteIfExists(file(objectKey));
  }

  @Override
  public String toString() {
    return "dir tier " + root;
  }
}
