package com.softdew.vms.edge.record.playback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Top-level box layout of a fragmented MP4 (ISO/IEC 14496-12 §4.2: 32-bit size + 4-char type, size 1 = 64-bit
 * size follows, size 0 = to the end of the file). Only the 8/16-byte headers are read, never the payload.
 *
 * <p>Hand-written on purpose: walking top-level box headers is ~30 lines, and no Java MP4 library is needed for
 * it (the JavaCV FFmpeg demuxer does not expose byte offsets of boxes; mp4parser would parse every box).
 *
 * <p>Blocking file I/O: call from a worker thread.
 */
public final class Mp4Boxes {
  private Mp4Boxes() {}

  /** One top-level box. */
  public record Box(String type, long offset, long size) {
    public long end() {
      return offset + size;
    }
  }

  /** A byte range [offset, offset + length). */
  public record ByteRange(long offset, long length) {
    @Override
    public String toString() {
      return length + "@" + offset;
    }
  }

  /**
   * @param init      ftyp … moov (everything before the first moof): the HLS EXT-X-MAP
   * @param media     first moof … end of the last complete mdat (the trailing mfra index is left out)
   * @param fragments moof boxes with a complete mdat after them
   */
  public record Layout(ByteRange init, ByteRange media, int fragments, List<Box> boxes) {}

  /** Top-level boxes in file order; a box cut short by the end of the file (crash) ends the list. */
  public static List<Box> topLevel(Path file) throws IOException {
    List<Box> out = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long len = ch.size(), pos = 0;
      ByteBuffer h = ByteBuffer.allocate(16);
      while (pos + 8 <= len) {
        h.clear().limit(16);
        ch.read(h, pos);
        h.flip();
        if (h.remaining() < 8) break;
        long size = Integer.toUnsignedLong(h.getInt(0));
        String type = new String(new byte[] {h.get(4), h.get(5), h.get(6), h.get(7)}, StandardCharsets.ISO_8859_1);
        if (size == 1) {
          if (h.remaining() < 16) break;
          size = h.getLong(8);
        } else if (size == 0) {
          size = len - pos;
        }
        if (size < 8 || pos + size > len) break; // corrupt or truncated: stop at the last complete box
        out.add(new Box(type, pos, size));
        pos += size;
      }
    }
    return out;
  }

  /** Init and media ranges of a fragmented MP4; fails when the file has no moov or no complete fragment. */
  public static Layout layout(Path file) throws IOException {
    List<Box> boxes = topLevel(file);
    long initEnd = -1, mediaStart = -1, mediaEnd = -1;
    int fragments = 0;
    for (int i = 0; i < boxes.size(); i++) {
      Box b = boxes.get(i);
      if (b.type().equals("moov")) initEnd = b.end();
      if (b.type().equals("moof") && i + 1 < boxes.size() && boxes.get(i + 1).type().equals("mdat")) {
        if (mediaStart < 0) mediaStart = b.offset();
        mediaEnd = boxes.get(i + 1).end();
        fragments++;
      }
    }
    if (initEnd < 0) throw new IOException("not a fragmented MP4 (no moov box): " + file);
    if (mediaStart < 0 || mediaStart < initEnd) throw new IOException("no complete moof+mdat fragment after the moov: " + file);
    return new Layout(new ByteRange(0, mediaStart), new ByteRange(mediaStart, mediaEnd - mediaStart), fragments, List.copyOf(boxes));
  }
}
