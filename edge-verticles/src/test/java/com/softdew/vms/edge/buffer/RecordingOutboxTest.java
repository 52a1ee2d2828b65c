package com.softdew.vms.edge.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox journal: order, restart without commit, torn last line, a killed JVM, bounds, compaction. */
class RecordingOutboxTest {
  static final Tags TAGS = Tags.of("nodeId", "n1");
  @TempDir
  Path dir;

  static JsonObject rec(int i) {
    return new JsonObject().put("segmentId", "cam-1.main." + (1_700_000_000_000L + i * 10_000L) + ".rtsp").put("tenantId", "t1").put("i", i)
        .put("bytes", 1000 + i);
  }

  static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  static List<Path> journalFiles(Path d) throws Exception {
    try (Stream<Path> s = Files.list(d)) {
      return s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
    }
  }

  /** Reads and acknowledges everything, one entry at a time (as the sync does); returns the "i" fields in order. */
  static List<Integer> drain(RecordingOutbox o, int max) throws Exception {
    List<Integer> out = new java.util.ArrayList<>();
    while (out.size() < max) {
      List<RecordingOutbox.Entry> e = get(o.peek(1));
      if (e.isEmpty()) break;
      out.add(e.get(0).record().getInteger("i"));
      get(o.commit(e.get(0).seq()));
    }
    return out;
  }

  @Test
  void unacknowledgedEntriesComeBackInOrderAfterARestartAndATornLineIsIgnored() throws Exception {
    int n = 1000;
    RecordingOutbox o = RecordingOutbox.open(dir, 10_000, 100, "index", null, TAGS);
    long t0 = System.nanoTime();
    for (int i = 1; i <= n; i++) assertEquals(i, get(o.append("segment", rec(i))));
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("measured outbox: %d appends with fsync in %.2f s = %.0f appends/s (one at a time, each waited for)%n", n, secs, n / secs);
    assertEquals(n, o.size());
    assertEquals(10, journalFiles(dir).size(), "100 entries per file");
    // acknowledge the first 250 (peek in batches as a consumer would)
    for (int done = 0; done < 250; ) {
      List<RecordingOutbox.Entry> batch = get(o.peek(50));
      assertEquals(done + 1, batch.get(0).record().getInteger("i"), "in order");
      get(o.commit(batch.get(batch.size() - 1).seq()));
      done += batch.size();
    }
    assertEquals(750, o.size());
    assertEquals(750L * 1000 + (251 + 1000) * 750L / 2, o.pendingBytes(), "bytes of entries 251..1000");
    assertEquals(8, journalFiles(dir).size(), "files 1-100 and 101-200 compacted away");
    // a few more handed out but not acknowledged when the process "dies"
    assertEquals(251, get(o.peek(10)).get(0).record().getInteger("i"));
    o.close();
    // the append that was cut by the crash: half a line, no newline
    Path last = journalFiles(dir).get(journalFiles(dir).size() - 1);
    long before = Files.size(last);
    Files.writeString(last, "{\"seq\":1001,\"at\":17000000,\"kind\":\"segment\",\"record\":{\"segm", StandardOpenOption.APPEND);

    RecordingOutbox r = RecordingOutbox.open(dir, 10_000, 100, "index", null, TAGS);
    assertEquals(1, r.tornLines(), "torn last line counted");
    assertEquals(before, Files.size(last), "and cut off the file");
    assertEquals(750, r.size());
    assertEquals(250, r.committedSeq());
    assertEquals(750L * 1000 + (251 + 1000) * 750L / 2, r.pendingBytes());
    assertTrue(r.oldestAppendedAtMs() > 0);
    // new appends continue the sequence after the last complete entry
    assertEquals(1001, get(r.append("gap", rec(1001))));
    long d0 = System.nanoTime();
    List<Integer> got = drain(r, 10_000);
    double ds = (System.nanoTime() - d0) / 1e9;
    System.out.printf("measured outbox: %d peek+commit (fsync each) in %.2f s = %.0f commits/s%n", got.size(), ds, got.size() / ds);
    assertEquals(751, got.size());
    for (int k = 0; k < got.size(); k++) assertEquals(251 + k, got.get(k), "entry " + k + " in order");
    assertEquals(0, r.size());
    assertEquals(-1, r.oldestAppendedAtMs());
    assertEquals(1, journalFiles(dir).size(), "fully acknowledged files compacted, the active one kept");
    r.close();
    RecordingOutbox again = RecordingOutbox.open(dir, 10_000, 100, "index", null, TAGS);
    assertEquals(0, again.size(), "acknowledgements are durable");
    assertEquals(1001, again.lastSeq());
    assertEquals(0, again.tornLines());
    assertEquals(1002, get(again.append("segment", rec(1002))));
    again.close();
  }

  /** 2000 appends submitted at once (as a burst from the bus): group commit, every future completes with its seq, all durable in order. */
  @Test
  void aBurstOfAppendsSharesFsyncsAndKeepsOrder() throws Exception {
    RecordingOutbox o = RecordingOutbox.open(dir, 10_000, 500, "index", null, TAGS);
    List<java.util.concurrent.CompletableFuture<Long>> fs = new java.util.ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 1; i <= 2000; i++) fs.add(o.append("segment", rec(i)));
    for (int i = 0; i < fs.size(); i++) assertEquals(i + 1, get(fs.get(i)));
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("measured outbox: burst of 2000 appends (group commit) durable in %.2f s = %.0f appends/s%n", secs, 2000 / secs);
    o.close();
    RecordingOutbox r = RecordingOutbox.open(dir, 10_000, 500, "index", null, TAGS);
    assertEquals(2000, r.size());
    List<Integer> got = drain(r, 10_000);
    for (int k = 0; k < 2000; k++) assertEquals(k + 1, got.get(k));
    r.close();
  }

  @Test
  void aGarbledLastLineWithNewlineIsIgnoredToo() throws Exception {
    RecordingOutbox o = RecordingOutbox.open(dir, 100, 100, "index", null, TAGS);
    for (int i = 1; i <= 3; i++) get(o.append("segment", rec(i)));
    o.close();
    Path last = journalFiles(dir).get(0);
    Files.write(last, new byte[] {'{', '"', 's', 0, 0, 0, '\n'}, StandardOpenOption.APPEND); // a page written with zeros
    RecordingOutbox r = RecordingOutbox.open(dir, 100, 100, "index", null, TAGS);
    assertEquals(1, r.tornLines());
    assertEquals(0, r.corruptLines());
    assertEquals(List.of(1, 2, 3), drain(r, 10));
    r.close();
  }

  @Test
  void aTornCommitFallsBackToThePreviousOne() throws Exception {
    RecordingOutbox o = RecordingOutbox.open(dir, 100, 100, "index", null, TAGS);
    for (int i = 1; i <= 5; i++) get(o.append("segment", rec(i)));
    assertEquals(List.of(1, 2, 3), drain(o, 3)); // commits 1, 2, 3: slot A = 3, slot B = 2
    o.close();
    byte[] c = Files.readAllBytes(dir.resolve("committed"));
    assertEquals(3, RecordingOutbox.readSlot(c, 0));
    assertEquals(2, RecordingOutbox.readSlot(c, RecordingOutbox.SLOT));
    c[5] = '7'; // the last commit's slot torn: its CRC no longer matches
    Files.write(dir.resolve("committed"), c);
    RecordingOutbox r = RecordingOutbox.open(dir, 100, 100, "index", null, TAGS);
    assertEquals(2, r.committedSeq(), "the previous commit: entry 3 is sent again (receivers are idempotent), none lost");
    assertEquals(List.of(3, 4, 5), drain(r, 10));
    r.close();
  }

  @Test
  void overflowIsRefusedCountedAndNothingIsLost() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    RecordingOutbox o = RecordingOutbox.open(dir, 5, 100, "index", reg, TAGS);
    for (int i = 1; i <= 5; i++) get(o.append("segment", rec(i)));
    ExecutionException e = assertThrows(ExecutionException.class, () -> get(o.append("segment", rec(6))));
    assertInstanceOf(RecordingOutbox.OutboxFullException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("storage.outbox.maxEntries 5"), e.getCause().getMessage());
    assertThrows(ExecutionException.class, () -> get(o.append("gap", rec(7))));
    assertEquals(2, o.overflow());
    assertEquals(1.0, reg.get("vms.outbox.overflow").tags("nodeId", "n1", "lane", "index", "kind", "segment").counter().count());
    assertEquals(1.0, reg.get("vms.outbox.overflow").tags("kind", "gap").counter().count());
    assertEquals(5, o.size());
    // one acknowledged: room for one more
    List<RecordingOutbox.Entry> first = get(o.peek(1));
    get(o.commit(first.get(0).seq()));
    assertEquals(6, get(o.append("segment", rec(8))));
    assertEquals(List.of(2, 3, 4, 5, 8), drain(o, 10), "what was accepted, in order; the refused ones were never accepted");
    o.close();
  }

  @Test
  void commitBeyondWhatWasHandedOutIsRefused() throws Exception {
    RecordingOutbox o = RecordingOutbox.open(dir, 100, 100, "index", null, TAGS);
    get(o.append("segment", rec(1)));
    get(o.append("segment", rec(2)));
    // the first one is in the read-ahead window: fine; seq 5 does not exist
    ExecutionException e = assertThrows(ExecutionException.class, () -> get(o.commit(5)));
    assertInstanceOf(IllegalArgumentException.class, e.getCause());
    o.close();
    assertThrows(ExecutionException.class, () -> get(o.append("segment", rec(3))), "closed");
  }

  /**
   * A full disk (a 64 KiB tmpfs; needs root to mount, else skipped): the append that does not fit fails, is
   * counted, and its partial line is cut, so once space is back the journal goes on and reopens clean.
   */
  @Test
  void aFullDiskFailsTheAppendAndLeavesTheJournalClean() throws Exception {
    Path mnt = dir.resolve("small");
    Files.createDirectories(mnt);
    Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt.toString()).redirectErrorStream(true).start();
    String out = new String(m.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    org.junit.jupiter.api.Assumptions.assumeTrue(m.waitFor(30, TimeUnit.SECONDS) && m.exitValue() == 0, "cannot mount a tmpfs here: " + out);
    try {
      Path filler = mnt.resolve("filler");
      Files.write(filler, new byte[16 * 1024]);
      SimpleMeterRegistry reg = new SimpleMeterRegistry();
      RecordingOutbox o = RecordingOutbox.open(mnt.resolve("j"), 100_000, 100_000, "index", reg, TAGS);
      int ok = 0;
      ExecutionException full = null;
      for (int i = 1; i <= 1000 && full == null; i++) {
        try {
          get(o.append("segment", rec(i).put("pad", "p".repeat(900))));
          ok = i;
        } catch (ExecutionException e) {
          full = e;
        }
      }
      assertTrue(full != null, "the 64 KiB volume filled up");
      assertInstanceOf(java.io.IOException.class, full.getCause());
      assertEquals(1, o.errors());
      assertEquals(1.0, reg.get("vms.outbox.errors").tags("kind", "segment").counter().count());
      assertEquals(ok, o.size(), "the failed append is not in the journal");
      Files.delete(filler); // space is back
      assertEquals(ok + 1, get(o.append("segment", rec(5000))));
      o.close();
      RecordingOutbox r = RecordingOutbox.open(mnt.resolve("j"), 100_000, 100_000, "index", null, TAGS);
      assertEquals(0, r.corruptLines(), "no broken line in the middle");
      assertEquals(0, r.tornLines());
      List<Integer> got = drain(r, 10_000);
      assertEquals(ok + 1, got.size());
      for (int k = 0; k < ok; k++) assertEquals(k + 1, got.get(k));
      assertEquals(5000, got.get(ok));
      r.close();
      System.out.printf("measured outbox full disk: %d appends fitted in 64 KiB (with a 16 KiB filler), the next failed and was cut%n", ok);
    } finally {
      new ProcessBuilder("umount", mnt.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** A child JVM appends until it is killed (SIGKILL); every append it saw completed is there, in order, once. */
  @Test
  void survivesAKilledJvm() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), OutboxCrashChild.class.getName(), dir.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    long lastAcked = 0;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("acked ")) lastAcked = Long.parseLong(line.substring(6));
        if (lastAcked >= 300) break;
      }
      p.destroyForcibly(); // SIGKILL while it appends
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(lastAcked >= 300, "child appended: " + lastAcked);
    RecordingOutbox r = RecordingOutbox.open(dir, 1_000_000, 50, "crash", null, TAGS);
    assertTrue(r.size() >= lastAcked, "every acknowledged append survived: " + r.size() + " >= " + lastAcked);
    System.out.printf("measured outbox crash: child killed after %d acked appends; %d entries found, %d torn line(s)%n", lastAcked, r.size(),
        r.tornLines());
    long expect = 1;
    while (true) {
      List<RecordingOutbox.Entry> e = get(r.peek(1));
      if (e.isEmpty()) break;
      assertEquals(expect, e.get(0).seq());
      assertEquals(expect, (long) e.get(0).record().getInteger("i"), "in order, none twice, none missing");
      get(r.commit(e.get(0).seq()));
      expect++;
    }
    assertEquals(r.lastSeq() + 1, expect);
    r.close();
  }
}
