package com.softdew.vms.edge.record;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.global.avcodec;

/**
 * Rolling in-memory buffer of one stream's packets while its recorder's gate is closed: references ({@code
 * av_packet_clone}, the payload is shared, not copied) of every packet from the last key frame at or before
 * {@code newest - horizon} to the newest, so it always starts at a key frame.
 *
 * <p>Bounded by time (the horizon) and by bytes (payload sizes): when a new packet would exceed {@code maxBytes} the
 * oldest GOP is dropped ({@link #overflowGops()}); a single GOP larger than the bound empties the buffer, which then
 * waits for the next key frame. Packets before the first key frame are refused. Single-threaded (the recorder thread).
 */
public final class PreRollBuffer implements AutoCloseable {

  /** One buffered packet: its own reference, its repaired input timestamps and its capture time. */
  public record Item(AVPacket packet, long pts, long dts, Instant wall, boolean key, int size) {}

  private final ArrayDeque<Item> items = new ArrayDeque<>();
  private final long maxBytes;
  private long bytes;
  private int gops;
  private long overflowGops, expiredPackets;

  public PreRollBuffer(long maxBytes) {
    this.maxBytes = Math.max(1, maxBytes);
  }

  /**
   * Adds a reference of {@code pkt} (the caller keeps its own); returns false when refused (no key frame yet).
   * Then trims GOPs older than {@code horizon} before this packet's time, and the oldest GOPs beyond the byte bound.
   */
  public boolean add(AVPacket pkt, long pts, long dts, Instant wall, boolean key, Duration horizon) {
    if (items.isEmpty() && !key) return false;
    int size = Math.max(0, pkt.size());
    if (key) {
      // time bound: the oldest GOP goes once the next one starts at or before wall - horizon
      Instant limit = wall.minus(horizon);
      gops++;
      Item it = new Item(avcodec.av_packet_clone(pkt), pts, dts, wall, true, size);
      items.addLast(it);
      bytes += size;
      trimTime(limit);
    } else {
      items.addLast(new Item(avcodec.av_packet_clone(pkt), pts, dts, wall, false, size));
      bytes += size;
    }
    while (bytes > maxBytes && !items.isEmpty()) {
      dropOldestGop();
      overflowGops++;
    }
    return true;
  }

  /** Drops the oldest GOPs while the following GOP starts at or before {@code limit}. */
  private void trimTime(Instant limit) {
    while (gops >= 2) {
      Item second = secondKey();
      if (second == null || second.wall.isAfter(limit)) return;
      expiredPackets += dropOldestGop();
    }
  }

  private Item secondKey() {
    boolean first = true;
    for (Item it : items) {
      if (it.key && !first) return it;
      first = false;
    }
    return null;
  }

  /** Frees the first GOP; returns its packet count. */
  private int dropOldestGop() {
    int n = 0;
    Item first = items.pollFirst();
    if (first == null) return 0;
    free(first);
    n++;
    gops--;
    while (!items.isEmpty() && !items.peekFirst().key) {
      free(items.pollFirst());
      n++;
    }
    return n;
  }

  /** Drops the GOPs that end at or before {@code t} (keeps from the last key frame at or before t); returns packets dropped. */
  public int dropBefore(Instant t) {
    int n = 0;
    while (gops >= 2) {
      Item second = secondKey();
      if (second == null || second.wall.isAfter(t)) break;
      n += dropOldestGop();
    }
    return n;
  }

  /** Frees packets at the head up to the next key frame (after a write failure left a partial GOP); returns how many. */
  public int dropLeadingNonKey() {
    int n = 0;
    while (!items.isEmpty() && !items.peekFirst().key) {
      free(items.pollFirst());
      n++;
    }
    return n;
  }

  public boolean isEmpty() {
    return items.isEmpty();
  }

  /** The oldest item (always a key frame), or null. */
  public Item peek() {
    return items.peekFirst();
  }

  /** Removes the oldest item; the caller owns (and frees) its packet. */
  public Item poll() {
    Item it = items.pollFirst();
    if (it != null) {
      bytes -= it.size;
      if (it.key) gops--;
    }
    return it;
  }

  public long bytes() {
    return bytes;
  }

  public int packets() {
    return items.size();
  }

  /** GOPs dropped because the byte bound was reached. */
  public long overflowGops() {
    return overflowGops;
  }

  /** Packets that aged out (nothing wanted them). */
  public long expiredPackets() {
    return expiredPackets;
  }

  private void free(Item it) {
    bytes -= it.size;
    AVPacket p = it.packet;
    avcodec.av_packet_free(p);
  }

  /** Frees everything. */
  public void clear() {
    while (!items.isEmpty()) free(items.pollFirst());
    gops = 0;
    bytes = 0;
  }

  @Override
  public void close() {
    clear();
  }
}
