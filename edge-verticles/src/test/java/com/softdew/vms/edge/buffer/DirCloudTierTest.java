package com.softdew.vms.edge.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.record.RecordingSegment;
import com.softdew.vms.platform.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directory cloud tier with real recorded segments: layout per tenant, checksum, idempotency, refusals. */
class DirCloudTierTest {
  @TempDir
  Path data;

  static String sha256sum(Path f) throws Exception {
    Process p = new ProcessBuilder("sha256sum", f.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return out.split("\\s+")[0];
  }

  @Test
  void uploadIsVerifiedIdempotentAndPerTenant() throws Exception {
    RecordingSegment rec = RecordedSegments.get(3).get(0);
    Instant start = Instant.parse("2026-11-28T23:59:58.500Z");
    RecordingSegment a = RecordedSegments.copy(rec, data, "t1", "cam-1", start);
    RecordingSegment b = RecordedSegments.copy(rec, data, "t2", "cam-1", start);
    DirCloudTier tier = new DirCloudTier(data.resolve("cloud"));

    CloudTier.Upload u = tier.upload(a);
    assertFalse(u.alreadyThere());
    assertEquals("t1/cam-1/2026-11-28/" + a.segmentId() + ".mp4", u.objectKey(), "<tenant>/<camera>/<UTC day of the start>/<segmentId>.mp4");
    Path f = tier.file(u.objectKey());
    assertEquals(a.bytes(), Files.size(f));
    assertEquals(a.sha256(), sha256sum(f), "the copy has the recorder's checksum (coreutils sha256sum)");
    assertEquals(a.bytes(), u.bytes());

    // the same segment again: not copied (same checksum there)
    Files.setLastModifiedTime(f, FileTime.fromMillis(1_000_000_000_000L));
    CloudTier.Upload again = tier.upload(a);
    assertTrue(again.alreadyThere());
    assertEquals(1_000_000_000_000L, Files.getLastModifiedTime(f).toMillis(), "file untouched");

    // a damaged copy in the tier is replaced
    Files.write(f, new byte[] {1, 2, 3});
    CloudTier.Upload repaired = tier.upload(a);
    assertFalse(repaired.alreadyThere());
    assertEquals(a.sha256(), sha256sum(f));

    // another tenant, same camera id and time: its own tree
    CloudTier.Upload ub = tier.upload(b);
    assertTrue(tier.file(ub.objectKey()).startsWith(data.resolve("cloud").resolve("t2")));
    assertTrue(f.startsWith(data.resolve("cloud").resolve("t1")));
    try (var s = tier.open(ub.objectKey())) {
      assertEquals(b.bytes(), s.readAllBytes().length);
    }
    try (var walk = Files.walk(data.resolve("cloud"))) {
      assertEquals(0, walk.filter(p -> p.toString().endsWith(".part")).count());
    }
    tier.delete(ub.objectKey());
    assertFalse(Files.exists(tier.file(ub.objectKey())));
  }

  @Test
  void aDamagedOrMissingLocalFileIsAPermanentFailureAndBadIdsAreRefused() throws Exception {
    RecordingSegment rec = RecordedSegments.get(3).get(1);
    RecordingSegment a = RecordedSegments.copy(rec, data, "t1", "cam-1", Instant.parse("2026-11-29T10:00:00Z"));
    DirCloudTier tier = new DirCloudTier(data.resolve("cloud"));
    byte[] content = Files.readAllBytes(a.path());
    content[content.length / 2] ^= 0x55; // one bit pattern flipped in the middle of the local file
    Files.write(a.path(), content);
    CloudTier.PermanentUploadException e = assertThrows(CloudTier.PermanentUploadException.class, () -> tier.upload(a));
    assertEquals("checksum", e.reason());
    assertTrue(e.getMessage().contains(a.sha256()), e.getMessage());
    assertFalse(Files.exists(tier.file(tier.objectKey(a))), "nothing published under the key");
    try (var walk = Files.walk(data.resolve("cloud"))) {
      assertEquals(0, walk.filter(p -> p.toString().endsWith(".part")).count(), "no .part left");
    }
    Files.delete(a.path());
    assertEquals("missing", assertThrows(CloudTier.PermanentUploadException.class, () -> tier.upload(a)).reason());

    RecordingSegment evil = new RecordingSegment("..", "cam-1", a.start(), a.end(), a.bytes(), a.codec(), a.resolution(), a.sha256(), a.path(), "rtsp");
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> tier.upload(evil));
    assertTrue(bad.getMessage().contains("tenantId"), bad.getMessage());
    assertThrows(IllegalArgumentException.class, () -> tier.file("../outside.mp4"));
  }

  @Test
  void theTierComesFromTheStartupKeys() throws Exception {
    assertNull(CloudTier.fromConfig(TestConfigs.create(data, Map.of())), "storage.cloud.kind none by default");
    CloudTier dir = CloudTier.fromConfig(TestConfigs.create(data, Map.of("storage.cloud.kind", "dir")));
    assertEquals(data.resolve("cloud").toAbsolutePath(), ((DirCloudTier) dir).root(), "empty storage.cloud.dir = <data.dir>/cloud");
    CloudTier other = CloudTier.fromConfig(TestConfigs.create(data, Map.of("storage.cloud.kind", "dir", "storage.cloud.dir", data.resolve("nas").toString())));
    assertEquals(data.resolve("nas").toAbsolutePath(), ((DirCloudTier) other).root());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CloudTier.fromConfig(TestConfigs.create(data, Map.of("storage.cloud.kind", "s3"))));
    assertTrue(e.getMessage().contains("storage.cloud.s3.bucket"), e.getMessage());
    IllegalArgumentException ep = assertThrows(IllegalArgumentException.class, () -> CloudTier.fromConfig(TestConfigs.create(data,
        Map.of("storage.cloud.kind", "s3", "storage.cloud.s3.bucket", "b", "storage.cloud.s3.endpoint", "not a url"))));
    assertTrue(ep.getMessage().contains("storage.cloud.s3.endpoint"), ep.getMessage());
    try (CloudTier s3 = CloudTier.fromConfig(TestConfigs.create(data, Map.of("storage.cloud.kind", "s3", "storage.cloud.s3.bucket", "b",
        "storage.cloud.s3.endpoint", "http://127.0.0.1:9", "storage.cloud.s3.accessKey", "k", "storage.cloud.s3.secretKey", "s")))) {
      assertEquals("s3", s3.kind());
      assertEquals(List.of("vms", "t1"), List.of(s3.objectKey(RecordedSegments.get(3).get(0)).split("/")).subList(0, 2), "<prefix>/<tenant>/...");
    }
  }
}
