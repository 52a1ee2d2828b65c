package com.softdew.vms.edge.ai.models.anpr;

import com.softdew.vms.edge.ai.Box;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows plates of one camera across frames and decides one reading per passage by a vote: every
 * frame's valid reading of a track is one vote; when the track has not been seen for {@code gapMs}
 * (the car left, or the plate is hidden) or has collected {@code maxVotes} votes (a parked car), the
 * most frequent reading wins (ties: the higher summed confidence) provided it has at least
 * {@code minVotes} votes. A decided track stays open without deciding again until it disappears, so a
 * parked car is reported once; a plate decided again within {@code dedupMs} of its previous passage's
 * last sighting (one passage split in two by a missed detection) is not reported again.
 *
 * <p>Matching: a plate box continues the open track whose last box is nearest (centre distance less
 * than {@code maxJump} times the larger box width, similar height), greedy by distance. Bounded: at
 * most {@code maxTracks} open tracks and 256 remembered decisions; beyond that the oldest track is
 * dropped (counted by the caller via {@link #dropped()}). Not thread-safe (one per camera session).
 */
public final class PlateTracker {
  /** One plate sighting on a frame: its box, and the normalised reading when it was valid (else null). */
  public record Sighting(Box box, String text, double confidence) {}

  /** A decided passage. */
  public record Decision(String trackId, String plate, double ocrConfidence, int votes, int validReads, int sightings, Box lastBox,
      long firstPtsMs, long lastPtsMs, long firstFrame, long lastFrame) {
    /** Winner votes / valid reads: 1 when every read agreed. */
    public double agreement() {
      return validReads == 0 ? 0 : (double) votes / validReads;
    }
  }

  private static final class Vote {
    int count;
    double confSum;
  }

  private static final class Track {
    final String id;
    Box box;
    long firstPts, lastPts, firstFrame, lastFrame;
    int sightings, valid;
    boolean decided;
    final Map<String, Vote> votes = new LinkedHashMap<>();

    Track(String id) { this.id = id; }
  }

  private static final int MAX_REMEMBERED = 256;

  private final int minVotes;
  private final int maxVotes;
  private final long gapMs;
  private final long dedupMs;
  private final int maxTracks;
  private final double maxJump;
  private final List<Track> open = new ArrayList<>();
  private final LinkedHashMap<String, Long> recent = new LinkedHashMap<>(); // plate -> last sighting pts
  private long nextId = 1;
  private long dropped;

  public PlateTracker(int minVotes, int maxVotes, long gapMs, long dedupMs, int maxTracks, double maxJump) {
    if (minVotes < 1 || maxVotes < minVotes) throw new IllegalArgumentException("need 1 <= minVotes <= maxVotes");
    this.minVotes = minVotes;
    this.maxVotes = maxVotes;
    this.gapMs = gapMs;
    this.dedupMs = dedupMs;
    this.maxTracks = maxTracks;
    this.maxJump = maxJump;
  }

  /** Tracks dropped because {@code maxTracks} were open. */
  public long dropped() {
    return dropped;
  }

  public int openTracks() {
    return open.size();
  }

  /**
   * Feeds one frame's plate sightings (frames in capture order); returns the passages decided on it:
   * tracks that ended before this frame and tracks that just reached {@code maxVotes}.
   */
  public List<Decision> update(long frameIndex, long ptsMs, List<Sighting> sightings) {
    List<Decision> out = new ArrayList<>();
    // 1. tracks not seen for longer than gapMs end here
    for (Iterator<Track> it = open.iterator(); it.hasNext(); ) {
      Track t = it.next();
      if (ptsMs - t.lastPts > gapMs) {
        it.remove();
        decide(t, out);
      }
    }
    // 2. match sightings to open tracks, nearest first
    record Pair(int s, Track t, double d) {}
    List<Pair> pairs = new ArrayList<>();
    for (int i = 0; i < sightings.size(); i++) {
      Box b = sightings.get(i).box();
      for (Track t : open) {
        double d = Math.hypot(b.cx() - t.box.cx(), b.cy() - t.box.cy());
        double hr = Math.max(b.h(), t.box.h()) / Math.max(1e-6, Math.min(b.h(), t.box.h()));
        if (d <= maxJump * Math.max(b.w(), t.box.w()) && hr < 2) pairs.add(new Pair(i, t, d));
      }
    }
    pairs.sort(Comparator.comparingDouble(Pair::d));
    boolean[] used = new boolean[sightings.size()];
    List<Track> fed = new ArrayList<>();
    for (Pair p : pairs) {
      if (used[p.s()] || fed.contains(p.t())) continue;
      used[p.s()] = true;
      fed.add(p.t());
      add(p.t(), sightings.get(p.s()), frameIndex, ptsMs);
    }
    for (int i = 0; i < sightings.size(); i++) {
      if (used[i]) continue;
      if (open.size() >= maxTracks) {
        Track oldest = open.stream().min(Comparator.comparingLong(x -> x.lastPts)).orElseThrow();
        open.remove(oldest);
        dropped++;
      }
      Track t = new Track("plate-" + nextId++);
      t.firstPts = ptsMs;
      t.firstFrame = frameIndex;
      open.add(t);
      add(t, sightings.get(i), frameIndex, ptsMs);
    }
    // 3. long-lived tracks decide early, once
    for (Track t : open) if (!t.decided && t.valid >= maxVotes) decide(t, out);
    return out;
  }

  /** Ends every open track (end of a file): the passages it decides. */
  public List<Decision> flush() {
    List<Decision> out = new ArrayList<>();
    for (Track t : open) decide(t, out);
    open.clear();
    return out;
  }

  private static void add(Track t, Sighting s, long frame, long pts) {
    t.box = s.box();
    t.lastPts = pts;
    t.lastFrame = frame;
    t.sightings++;
    if (s.text() != null && !s.text().isEmpty()) {
      t.valid++;
      Vote v = t.votes.computeIfAbsent(s.text(), k -> new Vote());
      v.count++;
      v.confSum += s.confidence();
    }
  }

  private void decide(Track t, List<Decision> out) {
    if (t.decided) {
      remember(t, null);
      return;
    }
    t.decided = true;
    String best = null;
    Vote bv = null;
    for (Map.Entry<String, Vote> e : t.votes.entrySet()) {
      Vote v = e.getValue();
      if (bv == null || v.count > bv.count || (v.count == bv.count && v.confSum > bv.confSum)) {
        best = e.getKey();
        bv = v;
      }
    }
    if (best == null || bv.count < minVotes) return;
    Long prev = recent.get(best);
    boolean repeat = prev != null && t.firstPts - prev <= dedupMs;
    remember(t, best);
    if (repeat) return;
    out.add(new Decision(t.id, best, bv.confSum / bv.count, bv.count, t.valid, t.sightings, t.box, t.firstPts, t.lastPts, t.firstFrame,
        t.lastFrame));
  }

  /** Keeps the decided plate's last sighting for de-duplication (bounded, oldest forgotten). */
  private void remember(Track t, String plate) {
    String p = plate;
    if (p == null) {
      // an early-decided track ended: refresh its plate's last sighting
      int best = -1;
      for (Map.Entry<String, Vote> e : t.votes.entrySet()) {
        if (e.getValue().count > best) {
          best = e.getValue().count;
          p = e.getKey();
        }
      }
      if (p == null) return;
    }
    recent.remove(p);
    recent.put(p, t.lastPts);
    while (recent.size() > MAX_REMEMBERED) recent.remove(recent.keySet().iterator().next());
  }
}
