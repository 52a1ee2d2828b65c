package com.softdew.vms.edge.buffer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable, ordered, bounded journal of records waiting to be acknowledged by someone else (the recording
 * index, the cloud tier). One directory per journal:
 *
 * <pre>
 *   &lt;dir&gt;/00000000000000000001.jsonl   append-only JSON lines {"seq":1,"at":epochMs,"kind":"segment","record":{...}}
 *   &lt;dir&gt;/00000000000000004097.jsonl   (a new file every {@link #ENTRIES_PER_FILE} entries; named by its first seq)
 *   &lt;dir&gt;/committed                    the highest acknowledged seq, in two CRC-checked slots written alternately
 * </pre>
 *
 * <p>Every append is written and fsynced (fdatasync) before its future completes; a commit writes
 * the seq into the older of two CRC-checked slots of {@code committed} and fdatasyncs it (see
 * {@link #writeCommitted}). After a JVM
 * or power loss, {@link #open} finds every entry whose append completed; a torn last line (the append that
 * was cut) is cut off the file and counted in {@link #tornLines()}. Files whose entries are all acknowledged
 * are deleted (compaction) except the one being appended to.
 *
 * <p>Bounded: at most {@code maxEntries} unacknowledged entries; an append beyond that fails with
 * {@link OutboxFullException}, is counted ({@code vms.outbox.overflow{nodeId, lane, kind}}) and logged. Memory
 * is bounded too: only a read-ahead window of {@link #READ_AHEAD} entries is held, the rest stays on disk.
 *
 * <p>Thread safety: every operation runs on the journal's own single thread (file I/O never runs on the
 * caller's thread, which may be a Vert.x event loop) and returns a {@link CompletableFuture}; operations
 * run in the order they were called. The getters read atomics and may be called from any thread.
 */
public final class RecordingOutbox implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RecordingOutbox.class);
  /** Entries per journal file before a new file starts. */
  public static final int ENTRIES_PER_FILE = 4096;
  /** Entries held in memory ahead of the consumer at most. */
  public static final int READ_AHEAD = 256;
  static final String COMMITTED = "committed";
  static final String SUFFIX = ".jsonl";

  /** One journalled record. {@code bytes} = the record's "bytes" field (0 when it has none). */
  public record Entry(long seq, long appendedAtMs, String kind, JsonObject record) {
    public long bytes() {
      return record.getLong("bytes", 0L);
    }
  }

  /** The journal holds maxEntries unacknowledged entries: the append was refused. */
  public static final class OutboxFullException extends IllegalStateException {
    public OutboxFullException(String message) {
      super(message);
    }
  }

  private static final class FileInfo {
    final Path path;
    final long firstSeq;
    long lastSeq;
    int count;
    long size;

    FileInfo(Path path, long firstSeq) {
      this.path = path;
      this.firstSeq = firstSeq;
      this.lastSeq = firstSeq - 1;
    }
  }

  private final Path dir;
  private final int maxEntries;
  private final int entriesPerFile;
  private final String lane;
  private final MeterRegistry registry;
  private final Tags tags;
  private final ExecutorService io;
  // state below is touched on the io thread only (and by open() before the executor sees any task)
  private final TreeMap<Long, FileInfo> files = new TreeMap<>();
  private final ArrayDeque<Entry> ahead = new ArrayDeque<>();
  private FileChannel active;
  private FileChannel commitFile;
  private final List<Pending> unflushed = new ArrayList<>();
  private boolean flushQueued;
  private long commitSlot;
  private FileInfo activeInfo;
  private long loadedUpTo; // ahead holds (committed, loadedUpTo]
  private long cursorFile = -1; // firstSeq of the file the next load reads, -1 = none
  private long cursorOffset;
  // readable from any thread
  private final AtomicLong lastSeq = new AtomicLong();
  private final AtomicLong committed = new AtomicLong();
  private final AtomicLong pendingBytes = new AtomicLong();
  private final AtomicLong oldestAt = new AtomicLong(-1);
  private final AtomicLong torn = new AtomicLong();
  private final AtomicLong corrupt = new AtomicLong();
  private final AtomicLong overflow = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong lastOverflowLog = new AtomicLong();
  private volatile boolean closed;

  private RecordingOutbox(Path dir, int maxEntries, int entriesPerFile, String lane, MeterRegistry registry, Tags tags) {
    this.dir = dir;
    this.maxEntries = maxEntries;
    this.entriesPerFile = entriesPerFile;
    this.lane = lane;
    this.registry = registry;
    this.tags = tags.and("lane", lane);
    this.io = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "outbox-" + lane + "-" + dir.getFileName());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Opens (creating it if needed) the journal in {@code dir}. Blocking: it reads every journal file to find
   * the unacknowledged entries and cut a torn last line. Call it from a worker thread.
   *
   * @param lane     name of this journal in metrics and logs (index, upload, evict)
   * @param registry may be null
   * @param tags     tags of its metrics (nodeId)
   */
  public static RecordingOutbox open(Path dir, int maxEntries, String lane, MeterRegistry registry, Tags tags) throws IOException {
    return open(dir, maxEntries, ENTRIES_PER_FILE, lane, registry, tags);
  }

  /** As {@link #open(Path, int, String, MeterRegistry, Tags)} with another file length (tests). */
  static RecordingOutbox open(Path dir, int maxEntries, int entriesPerFile, String lane, MeterRegistry registry, Tags tags) throws IOException {
    if (maxEntries < 1) throw new IllegalArgumentException("maxEntries must be >= 1: " + maxEntries);
    if (entriesPerFile < 1) throw new IllegalArgumentException("entriesPerFile must be >= 1: " + entriesPerFile);
    Files.createDirectories(dir);
    RecordingOutbox o = new RecordingOutbox(dir, maxEntries, entriesPerFile, lane, registry, tags);
    try {
      o.recover();
    } catch (IOException | RuntimeException e) {
      o.io.shutdownNow();
      throw e;
    }
    return o;
  }

  public Path dir() {
    return dir;
  }

  public String lane() {
    return lane;
  }

  public int maxEntries() {
    return maxEntries;
  }

  /** Unacknowledged entries. */
  public long size() {
    return lastSeq.get() - committed.get();
  }

  /** Sum of the "bytes" field of the unacknowledged entries. */
  public long pendingBytes() {
    return pendingBytes.get();
  }

  /** When the oldest unacknowledged entry was appended (epoch ms), -1 when none is loaded yet or none waits. */
  public long oldestAppendedAtMs() {
    return size() == 0 ? -1 : oldestAt.get();
  }

  public long lastSeq() {
    return lastSeq.get();
  }

  public long committedSeq() {
    return committed.get();
  }

  /** Torn last lines cut at open (an append cut by a crash). */
  public long tornLines() {
    return torn.get();
  }

  /** Unparseable lines in the middle of a file, skipped. */
  public long corruptLines() {
    return corrupt.get();
  }

  /** Appends refused because the journal was full. */
  public long overflow() {
    return overflow.get();
  }

  /** Appends that failed with an I/O error (disk full ...), counted in vms.outbox.errors{kind}. */
  public long errors() {
    return errors.get();
  }

  /** Journal files on disk (after compaction). */
  public CompletableFuture<Integer> fileCount() {
    return submit(files::size);
  }

  /**
   * Appends a record; the future completes with its seq once it is on disk (fdatasync), or fails with
   * {@link OutboxFullException} (counted, logged) or an I/O error. Group commit: the appends queued while one
   * is written share one fdatasync; none completes before it.
   */
  public CompletableFuture<Long> append(String kind, JsonObject record) {
    if (kind == null || record == null) throw new IllegalArgumentException("kind and record are required");
    CompletableFuture<Long> f = new CompletableFuture<>();
    if (closed) {
      f.completeExceptionally(new IllegalStateException("outbox " + lane + " is closed"));
      return f;
    }
    try {
      io.execute(() -> {
        try {
          long seq = write(kind, record);
          unflushed.add(new Pending(f, seq));
          if (!flushQueued) { // group commit: one fdatasync for every append queued meanwhile
            flushQueued = true;
            io.execute(this::flush);
          }
        } catch (Throwable t) {
          f.completeExceptionally(t);
        }
      });
    } catch (RuntimeException rejected) {
      f.completeExceptionally(new IllegalStateException("outbox " + lane + " is closed"));
    }
    return f;
  }

  private record Pending(CompletableFuture<Long> future, long seq) {}

  /** Forces the appends written since the last flush and completes their futures (io thread). */
  private void flush() {
    flushQueued = false;
    if (unflushed.isEmpty()) return;
    List<Pending> batch = new ArrayList<>(unflushed);
    unflushed.clear();
    try {
      active.force(false);
    } catch (IOException e) {
      errors.addAndGet(batch.size());
      LOG.error("outbox {}: fdatasync of {} appended entries failed ({}); dir {}", lane, batch.size(), e.toString(), dir);
      for (Pending p : batch) p.future().completeExceptionally(e);
      return;
    }
    for (Pending p : batch) p.future().complete(p.seq());
  }

  /** Writes one entry (not yet forced) and updates the state (io thread). */
  private long write(String kind, JsonObject record) throws IOException {
    {
      if (lastSeq.get() - committed.get() >= maxEntries) {
        long n = overflow.incrementAndGet();
        if (registry != null) Counter.builder("vms.outbox.overflow").description("records refused because the outbox journal was full")
            .tags(tags.and("kind", kind)).register(registry).increment();
        long now = System.currentTimeMillis();
        long last = lastOverflowLog.get();
        if (now - last >= 10_000 && lastOverflowLog.compareAndSet(last, now)) {
          LOG.warn("outbox {} full ({} unacknowledged entries, maxEntries {}): {} record refused ({} refused so far); dir {}",
              lane, size(), maxEntries, kind, n, dir);
        }
        throw new OutboxFullException("outbox " + lane + " full: " + size() + " unacknowledged entries (storage.outbox.maxEntries "
            + maxEntries + ")");
      }
      long seq = lastSeq.get() + 1;
      long at = System.currentTimeMillis();
      Entry e = new Entry(seq, at, kind, record);
      byte[] bytes = encode(e);
      if (activeInfo == null || activeInfo.count >= entriesPerFile) roll(seq);
      ByteBuffer b = ByteBuffer.wrap(bytes);
      try {
        while (b.hasRemaining()) active.write(b);
      } catch (IOException failed) {
        // disk full or failing: cut what was written of this line so the next append does not continue a broken one
        errors.incrementAndGet();
        if (registry != null) Counter.builder("vms.outbox.errors").description("outbox journal appends that failed (disk full or I/O error)")
            .tags(tags.and("kind", kind)).register(registry).increment();
        LOG.error("outbox {}: append of a {} record failed ({}); dir {}", lane, kind, failed.toString(), dir);
        try {
          active.truncate(activeInfo.size);
        } catch (IOException t) {
          LOG.error("outbox {}: could not cut the failed append off {}: {}", lane, activeInfo.path, t.toString());
        }
        throw failed;
      }
      boolean caughtUp = loadedUpTo == seq - 1 && cursorFile == activeInfo.firstSeq && cursorOffset == activeInfo.size;
      activeInfo.size += bytes.length;
      activeInfo.count++;
      activeInfo.lastSeq = seq;
      lastSeq.set(seq);
      pendingBytes.addAndGet(e.bytes());
      if (caughtUp && ahead.size() < READ_AHEAD) {
        ahead.addLast(e);
        loadedUpTo = seq;
        cursorOffset = activeInfo.size;
      }
      if (ahead.size() > 0) oldestAt.set(ahead.peekFirst().appendedAtMs());
      return seq;
    }
  }

  /** Up to {@code max} unacknowledged entries, oldest first (they stay in the journal until {@link #commit}). */
  public CompletableFuture<List<Entry>> peek(int max) {
    return submit(() -> {
      int want = Math.min(Math.max(max, 1), READ_AHEAD);
      if (ahead.size() < want) load();
      List<Entry> out = new ArrayList<>(Math.min(want, ahead.size()));
      for (Entry e : ahead) {
        if (out.size() >= want) break;
        out.add(e);
      }
      return out;
    });
  }

  /**
   * Acknowledges every entry up to and including {@code seq} (which must have been returned by {@link #peek});
   * durable once the future completes. Files all of whose entries are acknowledged are deleted.
   */
  public CompletableFuture<Void> commit(long seq) {
    return submit(() -> {
      if (seq <= committed.get()) return null;
      if (seq > loadedUpTo) throw new IllegalArgumentException("commit " + seq + " beyond the entries handed out (" + loadedUpTo + ")");
      writeCommitted(seq);
      while (!ahead.isEmpty() && ahead.peekFirst().seq() <= seq) pendingBytes.addAndGet(-ahead.pollFirst().bytes());
      committed.set(seq);
      if (!ahead.isEmpty()) oldestAt.set(ahead.peekFirst().appendedAtMs());
      else {
        load();
        oldestAt.set(ahead.isEmpty() ? -1 : ahead.peekFirst().appendedAtMs());
      }
      compact();
      return null;
    });
  }

  /** Closes the journal without acknowledging anything more (what was appended stays for the next open). */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    try {
      io.submit(() -> {
        flush();
        if (active != null) active.close();
        if (commitFile != null) commitFile.close();
        return null;
      }).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("outbox {}: close: {}", lane, e.toString());
    } finally {
      io.shutdown();
    }
  }

  // ---------------------------------------------------------------- io thread

  private interface IoTask<T> {
    T run() throws IOException;
  }

  private <T> CompletableFuture<T> submit(IoTask<T> task) {
    CompletableFuture<T> f = new CompletableFuture<>();
    if (closed) {
      f.completeExceptionally(new IllegalStateException("outbox " + lane + " is closed"));
      return f;
    }
    try {
      io.execute(() -> {
        try {
          f.complete(task.run());
        } catch (Throwable t) {
          f.completeExceptionally(t);
        }
      });
    } catch (RuntimeException rejected) {
      f.completeExceptionally(new IllegalStateException("outbox " + lane + " is closed"));
    }
    return f;
  }

  private static byte[] encode(Entry e) {
    String s = new JsonObject().put("seq", e.seq()).put("at", e.appendedAtMs()).put("kind", e.kind()).put("record", e.record()).encode();
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[b.length + 1];
    System.arraycopy(b, 0, out, 0, b.length);
    out[b.length] = '\n';
    return out;
  }

  private static Entry decode(byte[] buf, int from, int to) {
    JsonObject j = new JsonObject(new String(buf, from, to - from, StandardCharsets.UTF_8));
    return new Entry(j.getLong("seq"), j.getLong("at"), j.getString("kind"), j.getJsonObject("record"));
  }

  private void roll(long firstSeq) throws IOException {
    if (active != null) {
      active.force(false); // appends of the old file not flushed yet
      active.close();
    }
    Path p = dir.resolve(String.format("%020d%s", firstSeq, SUFFIX));
    active = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    activeInfo = new FileInfo(p, firstSeq);
    activeInfo.size = active.size();
    files.put(firstSeq, activeInfo);
    fsyncDir();
    if (cursorFile < 0 || (loadedUpTo == firstSeq - 1 && cursorAtEnd())) {
      cursorFile = firstSeq;
      cursorOffset = 0;
    }
  }

  private boolean cursorAtEnd() {
    FileInfo f = files.get(cursorFile);
    return f == null || cursorOffset >= f.size;
  }

  private void fsyncDir() throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /**
   * The committed seq goes to one of two 32-byte slots of {@code committed}, alternately, each
   * {@code "%019d %08x\n"} (seq, CRC-32 of the seq's text) padded with spaces: one positional write and one
   * fdatasync per commit. A write torn by a crash spoils at most the slot being written (its CRC fails), and
   * the other slot still holds the previous commit; open takes the highest valid slot.
   */
  private void writeCommitted(long seq) throws IOException {
    if (commitFile == null) {
      commitFile = FileChannel.open(dir.resolve(COMMITTED), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      fsyncDir();
    }
    ByteBuffer b = ByteBuffer.wrap(slot(seq));
    long pos = (commitSlot++ & 1) * SLOT;
    while (b.hasRemaining()) pos += commitFile.write(b, pos);
    commitFile.force(false);
  }

  static final int SLOT = 32;

  static byte[] slot(long seq) {
    String n = String.format("%019d", seq);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(n.getBytes(StandardCharsets.US_ASCII));
    String line = n + " " + String.format("%08x", crc.getValue());
    return (line + " ".repeat(SLOT - 1 - line.length()) + "\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** The seq of a slot, -1 when it is not a valid one. */
  static long readSlot(byte[] all, int from) {
    if (all.length < from + SLOT) return -1;
    String t = new String(all, from, SLOT, StandardCharsets.US_ASCII);
    if (t.length() < 28 || t.charAt(19) != ' ') return -1;
    String n = t.substring(0, 19), c = t.substring(20, 28);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(n.getBytes(StandardCharsets.US_ASCII));
    if (!String.format("%08x", crc.getValue()).equals(c)) return -1;
    try {
      return Long.parseLong(n);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Deletes the files whose entries are all acknowledged, except the active one. */
  private void compact() throws IOException {
    long c = committed.get();
    var it = files.entrySet().iterator();
    while (it.hasNext()) {
      FileInfo f = it.next().getValue();
      if (f == activeInfo || f.lastSeq > c) break;
      Files.deleteIfExists(f.path);
      it.remove();
      if (cursorFile == f.firstSeq) {
        Map.Entry<Long, FileInfo> next = files.higherEntry(f.firstSeq);
        cursorFile = next == null ? -1 : next.getKey();
        cursorOffset = 0;
      }
    }
  }

  /** Fills the read-ahead window from the files, from the cursor on. */
  private void load() throws IOException {
    while (ahead.size() < READ_AHEAD && loadedUpTo < lastSeq.get()) {
      FileInfo f = files.get(cursorFile);
      if (f == null) {
        Map.Entry<Long, FileInfo> first = files.ceilingEntry(cursorFile < 0 ? Long.MIN_VALUE : cursorFile);
        if (first == null) throw new IllegalStateException("outbox " + lane + ": entries up to " + lastSeq.get() + " but no file after "
            + loadedUpTo);
        cursorFile = first.getKey();
        cursorOffset = 0;
        continue;
      }
      if (cursorOffset >= f.size) {
        Map.Entry<Long, FileInfo> next = files.higherEntry(f.firstSeq);
        if (next == null) break;
        cursorFile = next.getKey();
        cursorOffset = 0;
        continue;
      }
      readLines(f, cursorOffset, (e, endOffset) -> {
        cursorOffset = endOffset;
        if (e != null && e.seq() > loadedUpTo) {
          ahead.addLast(e);
          loadedUpTo = e.seq();
        }
        return ahead.size() < READ_AHEAD;
      }, false);
    }
    if (!ahead.isEmpty()) oldestAt.set(ahead.peekFirst().appendedAtMs());
  }

  private interface LineSink {
    /** @param e null for an unparseable line; returns false to stop */
    boolean accept(Entry e, long endOffset) throws IOException;
  }

  /**
   * Reads the complete lines of a file from {@code offset}; returns the offset after the last complete
   * line (a trailing part without newline is not handed out).
   */
  private long readLines(FileInfo f, long offset, LineSink sink, boolean countCorrupt) throws IOException {
    try (FileChannel c = FileChannel.open(f.path, StandardOpenOption.READ)) {
      c.position(offset);
      byte[] buf = new byte[64 * 1024];
      int len = 0;
      long base = offset; // file offset of buf[0]
      while (true) {
        if (len == buf.length) buf = java.util.Arrays.copyOf(buf, buf.length * 2); // one line longer than the buffer
        int n = c.read(ByteBuffer.wrap(buf, len, buf.length - len));
        if (n < 0) break;
        len += n;
        int start = 0;
        for (int i = 0; i < len; i++) {
          if (buf[i] != '\n') continue;
          Entry e;
          try {
            e = decode(buf, start, i);
          } catch (RuntimeException bad) {
            e = null;
            if (countCorrupt) {
              corrupt.incrementAndGet();
              LOG.error("outbox {}: unparseable line at {}:{} skipped", lane, f.path, base + start);
            }
          }
          start = i + 1;
          if (!sink.accept(e, base + start)) return base + start;
        }
        System.arraycopy(buf, start, buf, 0, len - start);
        len -= start;
        base += start;
      }
      return base;
    }
  }

  /** Open: read the committed seq, scan the files, cut a torn tail, position the cursor. */
  private void recover() throws IOException {
    Path cf = dir.resolve(COMMITTED);
    long c0 = 0;
    if (Files.exists(cf)) {
      byte[] all = Files.readAllBytes(cf);
      long a = readSlot(all, 0), b = readSlot(all, SLOT);
      if (a < 0 && b < 0 && all.length > SLOT) {
        // both slots damaged: resend everything still in the files (the receivers are idempotent) rather than lose any
        LOG.error("outbox {}: {} holds no valid committed seq; every entry still in the journal will be resent", lane, cf);
      }
      c0 = Math.max(Math.max(a, b), 0);
      commitSlot = a >= b ? 1 : 0; // next write goes to the older slot
    }
    final long c = c0;
    List<Path> paths;
    try (Stream<Path> st = Files.list(dir)) {
      paths = st.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
    }
    long last = c;
    long pending = 0;
    for (int i = 0; i < paths.size(); i++) {
      Path p = paths.get(i);
      String name = p.getFileName().toString();
      long first;
      try {
        first = Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
      } catch (NumberFormatException e) {
        LOG.warn("outbox {}: {} is not a journal file name, ignored", lane, p);
        continue;
      }
      FileInfo f = new FileInfo(p, first);
      f.size = Files.size(p);
      long[] acc = {last, pending};
      long[] lastGood = {0};
      long end = readLines(f, 0, (e, endOffset) -> {
        if (e == null) return true;
        if (e.seq() <= acc[0] && e.seq() > c) LOG.error("outbox {}: seq {} out of order in {}", lane, e.seq(), p);
        if (e.seq() > acc[0]) acc[0] = e.seq();
        if (e.seq() > c) acc[1] += e.bytes();
        f.count++;
        f.lastSeq = Math.max(f.lastSeq, e.seq());
        lastGood[0] = endOffset;
        return true;
      }, true);
      boolean lastFile = i == paths.size() - 1;
      if (end < f.size || (lastFile && lastGood[0] < end)) {
        // bytes after the last newline (an append cut mid-line), or a last line that does not parse: cut it
        long cut = lastFile ? lastGood[0] : end;
        if (!lastFile) LOG.error("outbox {}: {} ends without a newline but is not the last file", lane, p);
        if (lastFile && lastGood[0] < end) corrupt.addAndGet(-1); // counted as corrupt while scanning; it is the torn tail
        torn.incrementAndGet();
        LOG.warn("outbox {}: torn last line in {} ({} bytes from offset {}) ignored", lane, p, f.size - cut, cut);
        try (FileChannel w = FileChannel.open(p, StandardOpenOption.WRITE)) {
          w.truncate(cut);
          w.force(true);
        }
        f.size = cut;
      }
      last = acc[0];
      pending = acc[1];
      files.put(first, f);
    }
    committed.set(Math.min(c, last));
    lastSeq.set(last);
    pendingBytes.set(pending);
    loadedUpTo = committed.get();
    Map.Entry<Long, FileInfo> firstFile = files.firstEntry();
    cursorFile = firstFile == null ? -1 : firstFile.getKey();
    cursorOffset = 0;
    if (!files.isEmpty()) {
      activeInfo = files.lastEntry().getValue();
      active = FileChannel.open(activeInfo.path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }
    compact();
    load();
    if (size() > 0 || torn.get() > 0) {
      LOG.info("outbox {} opened at {}: {} unacknowledged entries (seq {}..{}), {} torn line(s) cut", lane, dir, size(), committed.get() + 1,
          lastSeq.get(), torn.get());
    }
  }

  @Override
  public String toString() {
    return "outbox " + lane + " " + dir + " (unacked " + size() + ")";
  }
}
