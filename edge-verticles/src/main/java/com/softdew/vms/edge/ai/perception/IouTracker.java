package com.softdew.vms.edge.ai.perception;

import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.Detection;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Multi-object tracker of one camera: greedy IoU matching of detections to tracks whose boxes are
 * predicted with a constant-velocity alpha-beta filter on the box centre (size smoothed). A track is
 * born (gets the next id "t1", "t2"... of this camera) after {@code minHits} matched detections and dies
 * after more than {@code maxMisses} detector runs without a match; only classes equal match.
 *
 * <p>Capture order: a frame whose ptsMs is not after the last one seen (segment overlap) never advances
 * the tracker: it gets the tracks computed for that pts when they are still cached (the last
 * {@code cacheFrames} frames), else its detections matched against the current tracks without updating
 * them. Not thread-safe (one per camera, used under the camera's lock).
 */
public final class IouTracker {
  /**
   * @param minHits     matched detections before a track is born (reported with an id)
   * @param maxMisses   detector runs without a match after which a track dies
   * @param iouMin      least IoU between a predicted box and a detection to match them
   * @param alpha       position gain of the alpha-beta filter (1 = trust detections fully)
   * @param beta        velocity gain
   * @param maxTracks   live tracks per camera at most; detections beyond are not tracked (counted)
   * @param cacheFrames results kept per pts for overlap re-feeds
   */
  public record Options(int minHits, int maxMisses, double iouMin, double alpha, double beta, int maxTracks, int cacheFrames) {
    public Options {
      if (minHits < 1 || maxMisses < 0) throw new IllegalArgumentException("minHits must be >= 1 and maxMisses >= 0");
      if (!(iouMin > 0 && iouMin < 1)) throw new IllegalArgumentException("iouMin must be in (0,1)");
      if (!(alpha > 0 && alpha <= 1) || !(beta >= 0 && beta <= 1)) throw new IllegalArgumentException("alpha in (0,1], beta in [0,1]");
      if (maxTracks < 1 || cacheFrames < 0) throw new IllegalArgumentException("maxTracks >= 1, cacheFrames >= 0");
    }

    public static Options defaults() {
      return new Options(2, 5, 0.2, 0.6, 0.3, 256, 256);
    }
  }

  private static final class Track {
    String id;
    final String cls;
    double cx, cy, w, h, vx, vy; // velocity in px per ms
    int hits, misses;
    double conf;
    long lastPts;

    Track(Detection d, long pts) {
      cls = d.objectClass();
      Box b = d.box();
      cx = b.cx(); cy = b.cy(); w = b.w(); h = b.h();
      hits = 1;
      conf = d.confidence();
      lastPts = pts;
    }

    Box box() {
      return new Box(cx - w / 2, cy - h / 2, w, h);
    }
  }

  private final Options options;
  private final Runnable onOverflow;
  private final List<Track> tracks = new ArrayList<>();
  private final LinkedHashMap<Long, List<Detection>> cache;
  private long lastPts = Long.MIN_VALUE;
  private int nextId;

  public IouTracker(Options options) {
    this(options, () -> {});
  }

  /** {@code onOverflow} runs once per detection that could not be tracked because of {@code maxTracks}. */
  public IouTracker(Options options, Runnable onOverflow) {
    this.options = options;
    this.onOverflow = onOverflow;
    int cap = options.cacheFrames();
    this.cache = new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, List<Detection>> e) {
        return size() > cap;
      }
    };
  }

  public long lastPts() { return lastPts; }

  /** Live tracks (born or not). */
  public int size() { return tracks.size(); }

  /** Feeds the detector's output for the frame at {@code ptsMs}; returns the born tracks matched on it. */
  public List<Detection> update(List<Detection> detections, long ptsMs) {
    if (ptsMs <= lastPts) return replay(detections, ptsMs);
    double dt = lastPts == Long.MIN_VALUE ? 0 : ptsMs - lastPts;
    predict(ptsMs, 1.0);
    boolean[] usedDet = new boolean[detections.size()];
    boolean[] usedTrack = new boolean[tracks.size()];
    for (int[] m : match(detections)) {
      usedTrack[m[0]] = true;
      usedDet[m[1]] = true;
      correct(tracks.get(m[0]), detections.get(m[1]), dt, ptsMs);
    }
    List<Track> alive = new ArrayList<>();
    for (int i = 0; i < tracks.size(); i++) {
      Track t = tracks.get(i);
      if (!usedTrack[i]) {
        t.misses++;
        // a tentative track that missed once is noise; a born one survives maxMisses detector runs
        if (t.id == null || t.misses > options.maxMisses()) continue;
      }
      alive.add(t);
    }
    tracks.clear();
    tracks.addAll(alive);
    for (int j = 0; j < detections.size(); j++) {
      if (usedDet[j]) continue;
      if (tracks.size() >= options.maxTracks()) {
        onOverflow.run();
        continue;
      }
      tracks.add(new Track(detections.get(j), ptsMs));
    }
    for (Track t : tracks) {
      if (t.id == null && t.hits >= options.minHits()) t.id = "t" + (++nextId);
    }
    List<Detection> out = output(false);
    remember(ptsMs, out);
    return out;
  }

  /**
   * A frame the detector did not run on (no motion): tracks move on by their velocity, damped (nothing
   * moved much, or the gate would have fired: velocity x0.3 per frame), and no miss is counted. Returns the born tracks seen at
   * the last detector run, marked {@code predicted}.
   */
  public List<Detection> coast(long ptsMs) {
    if (ptsMs <= lastPts) {
      List<Detection> cached = cache.get(ptsMs);
      return cached != null ? cached : List.of();
    }
    predict(ptsMs, 0.3);
    List<Detection> out = output(true);
    remember(ptsMs, out);
    return out;
  }

  private void predict(long ptsMs, double damping) {
    double dt = lastPts == Long.MIN_VALUE ? 0 : ptsMs - lastPts;
    for (Track t : tracks) {
      t.vx *= damping;
      t.vy *= damping;
      t.cx += t.vx * dt;
      t.cy += t.vy * dt;
    }
    lastPts = ptsMs;
  }

  private void correct(Track t, Detection d, double dt, long ptsMs) {
    Box b = d.box();
    double rx = b.cx() - t.cx, ry = b.cy() - t.cy;
    if (t.hits == 1) {
      // second sighting: take the measurement and the velocity it implies
      if (dt > 0) {
        t.vx += rx / dt;
        t.vy += ry / dt;
      }
      t.cx = b.cx();
      t.cy = b.cy();
      t.w = b.w();
      t.h = b.h();
    } else {
      double a = options.alpha();
      t.cx += a * rx;
      t.cy += a * ry;
      if (dt > 0) {
        t.vx += options.beta() * rx / dt;
        t.vy += options.beta() * ry / dt;
      }
      t.w += a * (b.w() - t.w);
      t.h += a * (b.h() - t.h);
    }
    t.hits++;
    t.misses = 0;
    t.conf = d.confidence();
    t.lastPts = ptsMs;
  }

  /** Greedy matching by IoU, best pairs first: [trackIndex, detectionIndex]. */
  private List<int[]> match(List<Detection> detections) {
    List<double[]> pairs = new ArrayList<>();
    for (int i = 0; i < tracks.size(); i++) {
      Track t = tracks.get(i);
      Box tb = t.box();
      for (int j = 0; j < detections.size(); j++) {
        Detection d = detections.get(j);
        if (!d.objectClass().equals(t.cls)) continue;
        double iou = tb.iou(d.box());
        if (iou >= options.iouMin()) {
          pairs.add(new double[] {iou, i, j, t.id != null ? 1 : 0});
        } else {
          // small or fast objects at a low frame rate (and new tracks, which have no velocity yet) may not
          // overlap their prediction: accept a jump of up to one box height to a box of similar size,
          // ranked below every IoU match
          Box b = d.box();
          double h = Math.max(tb.h(), b.h());
          double dist = Math.hypot(tb.cx() - b.cx(), tb.cy() - b.cy());
          double sizeRatio = b.area() / Math.max(1e-9, tb.area());
          if (dist < h && sizeRatio > 0.5 && sizeRatio < 2) {
            pairs.add(new double[] {options.iouMin() * 0.99 * (1 - dist / h), i, j, t.id != null ? 1 : 0});
          }
        }
      }
    }
    // born tracks first at equal IoU, then the highest IoU
    pairs.sort((p, q) -> p[0] != q[0] ? Double.compare(q[0], p[0]) : Double.compare(q[3], p[3]));
    boolean[] ut = new boolean[tracks.size()];
    boolean[] ud = new boolean[detections.size()];
    List<int[]> out = new ArrayList<>();
    for (double[] p : pairs) {
      int i = (int) p[1], j = (int) p[2];
      if (ut[i] || ud[j]) continue;
      ut[i] = ud[j] = true;
      out.add(new int[] {i, j});
    }
    return out;
  }

  private List<Detection> output(boolean predicted) {
    List<Detection> out = new ArrayList<>();
    for (Track t : tracks) {
      if (t.id == null || t.misses > 0) continue;
      JsonObject attrs = new JsonObject().put("vx", Math.round(t.vx * 1000 * 10) / 10.0).put("vy", Math.round(t.vy * 1000 * 10) / 10.0);
      if (predicted) attrs.put("predicted", true);
      out.add(new Detection(t.cls, Math.max(0, Math.min(1, t.conf)), t.box(), t.id, null, attrs));
    }
    return List.copyOf(out);
  }

  private void remember(long ptsMs, List<Detection> out) {
    if (options.cacheFrames() > 0) cache.put(ptsMs, out);
  }

  private List<Detection> replay(List<Detection> detections, long ptsMs) {
    List<Detection> cached = cache.get(ptsMs);
    if (cached != null) return cached;
    // too old to be cached: label what the detector found with the current tracks, change nothing
    List<Detection> out = new ArrayList<>();
    boolean[] used = new boolean[tracks.size()];
    for (Detection d : detections) {
      int best = -1;
      double bestIou = options.iouMin();
      for (int i = 0; i < tracks.size(); i++) {
        Track t = tracks.get(i);
        if (used[i] || t.id == null || !t.cls.equals(d.objectClass())) continue;
        double iou = t.box().iou(d.box());
        if (iou >= bestIou) {
          bestIou = iou;
          best = i;
        }
      }
      if (best >= 0) {
        used[best] = true;
        out.add(d.withTrack(tracks.get(best).id));
      }
    }
    return List.copyOf(out);
  }

  /** True when a track waits for more hits to be born: the gate then lets the next frame through. */
  public boolean hasTentative() {
    for (Track t : tracks) if (t.id == null) return true;
    return false;
  }

  /** The tracks reported for the frame at {@code ptsMs} when still cached, else null. */
  public List<Detection> cached(long ptsMs) {
    return cache.get(ptsMs);
  }

  /** Ids of the born tracks, for tests and logs. */
  public List<String> trackIds() {
    List<String> ids = new ArrayList<>();
    for (Iterator<Track> it = tracks.iterator(); it.hasNext(); ) {
      Track t = it.next();
      if (t.id != null) ids.add(t.id);
    }
    return ids;
  }
}
