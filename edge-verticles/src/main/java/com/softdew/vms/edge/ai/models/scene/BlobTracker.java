package com.softdew.vms.edge.ai.models.scene;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Greedy frame-to-frame association of blobs (largest first, best box overlap, or centre inside the
 * other's box) into tracks with a bounded history; a track unseen for {@code maxMissed} frames is
 * dropped. At most {@code maxTracks} tracks live at once: beyond, new blobs (smallest last) are ignored,
 * counted and logged.
 */
final class BlobTracker {
  static final class Track {
    final int id;
    final long firstPts;
    Cv.Blob blob;
    long lastPts;
    int missed;
    double score; // model-specific running value (flicker, ...)
    long since = -1; // model-specific: when the condition began, -1 when it does not hold
    long lastTrue = -1; // model-specific: last frame the condition held
    final Deque<long[]> areas = new ArrayDeque<>(); // {ptsMs, area}

    Track(int id, Cv.Blob b, long pts) {
      this.id = id;
      this.blob = b;
      this.firstPts = pts;
      this.lastPts = pts;
    }

    /** Area now divided by the smallest area seen in the window (1 when the window is too short). */
    double growth() {
      double min = Double.MAX_VALUE;
      for (long[] a : areas) min = Math.min(min, a[1]);
      return areas.isEmpty() || min <= 0 ? 1 : blob.area() / min;
    }

    double ageSeconds() {
      return (lastPts - firstPts) / 1000.0;
    }
  }

  /** Hard cap of the area history, whatever the frame rate. */
  static final int MAX_HISTORY = 512;
  private static final Logger LOG = LoggerFactory.getLogger(BlobTracker.class);
  private final int maxMissed, maxTracks;
  private final long windowMs;
  private final Counter overflow;
  private final String name;
  private long ignored;
  private final List<Track> tracks = new ArrayList<>();
  private int nextId = 1;

  /** {@code name} ("fire.flames"...) tags the overflow counter {@code vms.ai.scene.track.overflow}. */
  BlobTracker(String name, int maxMissed, int maxTracks, long windowMs) {
    this.name = name;
    this.overflow = Metrics.counter("vms.ai.scene.track.overflow", "tracker", name);
    this.maxMissed = maxMissed;
    this.maxTracks = maxTracks;
    this.windowMs = windowMs;
  }

  /** Associates this frame's blobs; returns the tracks seen on this frame. */
  List<Track> update(List<Cv.Blob> blobs, long pts) {
    List<Track> seen = new ArrayList<>();
    List<Track> free = new ArrayList<>(tracks);
    for (Cv.Blob b : blobs) {
      Track best = null;
      double bestScore = 0;
      for (Track t : free) {
        double s = overlap(t.blob, b);
        if (s > bestScore) { bestScore = s; best = t; }
      }
      if (best == null) {
        if (tracks.size() >= maxTracks) {
          overflow.increment();
          if (ignored++ % 100 == 0) LOG.warn("{}: {} tracks already, new blob of {} px ignored ({} so far)", name, maxTracks, b.area(), ignored);
          continue;
        }
        best = new Track(nextId++, b, pts);
        tracks.add(best);
      } else {
        free.remove(best);
      }
      best.blob = b;
      best.lastPts = pts;
      best.missed = 0;
      best.areas.addLast(new long[] {pts, b.area()});
      while (!best.areas.isEmpty() && (pts - best.areas.peekFirst()[0] > windowMs || best.areas.size() > MAX_HISTORY)) best.areas.removeFirst();
      seen.add(best);
    }
    for (Iterator<Track> it = tracks.iterator(); it.hasNext(); ) {
      Track t = it.next();
      if (!seen.contains(t) && ++t.missed > maxMissed) it.remove();
    }
    return seen;
  }

  List<Track> tracks() {
    return tracks;
  }

  /** IoU, or 0.1 when either centre lies in the other's box (a blob that grew or shrank a lot). */
  private static double overlap(Cv.Blob a, Cv.Blob b) {
    double ix = Math.max(0, Math.min(a.x() + a.w(), b.x() + b.w()) - Math.max(a.x(), b.x()));
    double iy = Math.max(0, Math.min(a.y() + a.h(), b.y() + b.h()) - Math.max(a.y(), b.y()));
    double inter = ix * iy, union = (double) a.w() * a.h() + (double) b.w() * b.h() - inter;
    double iou = union <= 0 ? 0 : inter / union;
    if (iou > 0) return iou;
    boolean in = inBox(a.cx(), a.cy(), b) || inBox(b.cx(), b.cy(), a);
    return in ? 0.1 : 0;
  }

  private static boolean inBox(double x, double y, Cv.Blob b) {
    return x >= b.x() && x < b.x() + b.w() && y >= b.y() && y < b.y() + b.h();
  }
}
