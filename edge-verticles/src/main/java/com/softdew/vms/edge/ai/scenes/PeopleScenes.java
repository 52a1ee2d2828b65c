package com.softdew.vms.edge.ai.scenes;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.circle;
import static org.bytedeco.opencv.global.opencv_imgproc.line;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.Zone;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Scenes for the people models: figures (head, striped shirt, legs and arms that move) rendered with
 * OpenCV on a textured ground, along scripted paths, with the ground-truth box of every person on every
 * frame. The figures give real pixels to the pixel-based parts (motion gating, optical flow of the fight
 * test) but are not photographs: OpenCV's HOG does not detect them, so tests feed the truth boxes through
 * a deterministic detector into {@code DefaultPerception} (tracking and gating still run). Detector accuracy
 * is tested separately on real footage (vtest.avi, scripts/fetch-footage.sh).
 *
 * <p>All scenes are 320x240 at 10 fps; deterministic (no randomness beyond a fixed seed).
 */
public final class PeopleScenes {
  public static final int W = 320, H = 240;
  public static final double FPS = 10;

  private PeopleScenes() {}

  /** A clip with the true box of every visible person per frame (class person, confidence 0.9, no track id). */
  public record Scene(SyntheticClip clip, List<List<Detection>> truth) {
    public List<Zone> zones() {
      return clip.zones().stream().map(Zone::parse).toList();
    }
  }

  /** A person's path: box (foot x, foot y, width, height) at key frames, linear between; visible from first to last key. */
  static final class Actor {
    final List<double[]> keys = new ArrayList<>(); // frame, footX, footY, w, h
    boolean flail;
    final int shirt;

    Actor(int shirt) {
      this.shirt = shirt;
    }

    Actor at(int frame, double footX, double footY, double w, double h) {
      keys.add(new double[] {frame, footX, footY, w, h});
      return this;
    }

    Box box(int frame) {
      if (keys.isEmpty() || frame < keys.get(0)[0] || frame > keys.get(keys.size() - 1)[0]) return null;
      for (int i = 0; i + 1 < keys.size(); i++) {
        double[] a = keys.get(i), b = keys.get(i + 1);
        if (frame >= a[0] && frame <= b[0]) {
          double t = b[0] == a[0] ? 0 : (frame - a[0]) / (b[0] - a[0]);
          double fx = a[1] + t * (b[1] - a[1]), fy = a[2] + t * (b[2] - a[2]), w = a[3] + t * (b[3] - a[3]), h = a[4] + t * (b[4] - a[4]);
          return new Box(fx - w / 2, fy - h, w, h);
        }
      }
      double[] k = keys.get(keys.size() - 1);
      return new Box(k[1] - k[3] / 2, k[2] - k[4], k[3], k[4]);
    }
  }

  private static final double[][] SHIRTS = {{40, 40, 200}, {200, 80, 30}, {40, 160, 40}, {160, 40, 160}, {30, 160, 200}, {200, 200, 40},
      {90, 90, 90}, {20, 100, 220}};

  static Scene render(String name, int frames, List<Actor> actors, List<SyntheticClip.Label> labels, List<String> zones, Zone countIn) {
    List<byte[]> out = new ArrayList<>(frames);
    List<List<Detection>> truth = new ArrayList<>(frames);
    List<Integer> counts = new ArrayList<>(frames);
    Random jitter = new Random(42);
    try (Mat ground = ground(); Mat canvas = new Mat()) {
      for (int f = 0; f < frames; f++) {
        ground.copyTo(canvas);
        List<Detection> ds = new ArrayList<>();
        int count = 0;
        for (Actor a : actors) {
          Box b = a.box(f);
          if (b == null) continue;
          drawPerson(canvas, b, a, f, jitter);
          ds.add(new Detection("person", 0.9, b));
          if (countIn == null || countIn.contains(b.footX(), b.footY())) count++;
        }
        out.add(SyntheticClip.rgbOf(canvas));
        truth.add(List.copyOf(ds));
        counts.add(count);
      }
    }
    return new Scene(new SyntheticClip(name, W, H, FPS, out, labels, counts, zones), List.copyOf(truth));
  }

  /** Grass-and-gravel texture: seeded noise, blurred. */
  private static Mat ground() {
    Mat m = new Mat(H, W, CV_8UC3);
    byte[] px = new byte[W * H * 3];
    Random r = new Random(7);
    for (int i = 0; i < px.length; i += 3) {
      int n = r.nextInt(40);
      px[i] = (byte) (70 + n);      // B
      px[i + 1] = (byte) (110 + n); // G
      px[i + 2] = (byte) (90 + n);  // R
    }
    m.data().put(px);
    try (Size k = new Size(3, 3)) {
      GaussianBlur(m, m, k, 0);
    }
    return m;
  }

  private static void drawPerson(Mat m, Box b, Actor a, int frame, Random jitter) {
    try (PointerScope scope = new PointerScope()) {
      double[] c = SHIRTS[a.shirt % SHIRTS.length];
      Scalar shirt = new Scalar(c[0], c[1], c[2], 0), stripe = new Scalar(255 - c[0], 255 - c[1], 255 - c[2], 0);
      Scalar skin = new Scalar(120, 160, 210, 0), trousers = new Scalar(60, 40, 30, 0);
      if (b.w() > b.h()) {
        // lying: head on the left, body and legs to the right
        double r = b.h() * 0.35, cy = b.y() + b.h() / 2;
        circle(m, p(b.x() + r, cy), (int) Math.max(2, r), skin, FILLED, LINE_AA, 0);
        rectangle(m, p(b.x() + 2 * r, b.y() + b.h() * 0.15), p(b.x() + b.w() * 0.65, b.y() + b.h() * 0.85), shirt, FILLED, 8, 0);
        for (double x = b.x() + 2 * r + 3; x < b.x() + b.w() * 0.65; x += 6) line(m, p(x, b.y() + b.h() * 0.15), p(x, b.y() + b.h() * 0.85), stripe, 1, 8, 0);
        int t = (int) Math.max(2, b.h() * 0.2);
        line(m, p(b.x() + b.w() * 0.65, cy - b.h() * 0.15), p(b.x() + b.w(), cy - b.h() * 0.2), trousers, t, LINE_AA, 0);
        line(m, p(b.x() + b.w() * 0.65, cy + b.h() * 0.15), p(b.x() + b.w(), cy + b.h() * 0.25), trousers, t, LINE_AA, 0);
        return;
      }
      double jx = a.flail ? jitter.nextGaussian() * b.w() * 0.08 : 0;
      double cx = b.cx() + jx, top = b.y();
      double headR = Math.min(b.w() * 0.3, b.h() * 0.1);
      circle(m, p(cx, top + headR), (int) Math.max(2, headR), skin, FILLED, LINE_AA, 0);
      double sy0 = top + 2 * headR, sy1 = top + b.h() * 0.58, half = b.w() * 0.32;
      rectangle(m, p(cx - half, sy0), p(cx + half, sy1), shirt, FILLED, 8, 0);
      for (double y = sy0 + 3; y < sy1; y += 5) line(m, p(cx - half, y), p(cx + half, y), stripe, 1, 8, 0);
      int limb = (int) Math.max(2, b.w() * 0.18);
      // legs swing with the walk
      double phase = Math.sin(frame * 1.3 + a.shirt);
      double foot = b.y() + b.h();
      line(m, p(cx - half * 0.5, sy1), p(b.cx() - half * 0.5 + phase * b.w() * 0.25, foot), trousers, limb, LINE_AA, 0);
      line(m, p(cx + half * 0.5, sy1), p(b.cx() + half * 0.5 - phase * b.w() * 0.25, foot), trousers, limb, LINE_AA, 0);
      // arms: hanging and swinging gently, or flailing (a fight): hands thrown in a new direction every frame
      for (int side = -1; side <= 1; side += 2) {
        double sx = cx + side * half, shoulder = sy0 + 2;
        double ang = a.flail ? jitter.nextDouble() * Math.PI * 2 : Math.PI / 2 + side * 0.15 * phase;
        double len = b.h() * (a.flail ? 0.4 : 0.3);
        line(m, p(sx, shoulder), p(sx + Math.cos(ang) * len * (a.flail ? 1 : 0.3) * side, shoulder + Math.sin(ang) * len), skin, limb, LINE_AA, 0);
      }
    }
  }

  private static Point p(double x, double y) {
    return new Point((int) Math.round(x), (int) Math.round(y));
  }

  private static List<SyntheticClip.Label> label(String type, String zone, long start, long end) {
    return List.of(new SyntheticClip.Label(type, zone, start, end));
  }

  // ---- scenes ---------------------------------------------------------------------------------------

  /** Zone "restricted" in the lower right. Positive: a person walks in and stays 3 s; negative: walks past above it. */
  public static Scene intrusion(boolean enters, double minDwellSeconds) {
    String zone = "restricted=200,130;315,130;315,235;200,235";
    Actor a = new Actor(0);
    List<SyntheticClip.Label> labels = List.of();
    if (enters) {
      a.at(0, 20, 200, 24, 60).at(30, 260, 200, 24, 60).at(60, 262, 201, 24, 60);
      int entry = (int) Math.ceil(30 * (200 - 20) / 240.0); // foot x crosses 200
      labels = label("intrusion", "restricted", entry + Math.round(minDwellSeconds * FPS), 60);
    } else {
      a.at(0, 20, 110, 24, 60).at(60, 300, 110, 24, 60);
    }
    return render("intrusion-" + (enters ? "enters" : "passes"), 61, List.of(a), labels, List.of(zone), null);
  }

  /** {@code people} persons milling about in zone "plaza" (the centre) for 5 s; counts = people in the zone. */
  public static Scene crowd(int people, int maxPeople, double minSeconds) {
    String zone = "plaza=40,60;280,60;280,235;40,235";
    List<Actor> actors = new ArrayList<>();
    for (int i = 0; i < people; i++) {
      double fx = 60 + (i % 5) * 45, fy = 120 + (i / 5) * 50;
      Actor a = new Actor(i);
      for (int k = 0; k <= 50; k += 10) a.at(k, fx + ((k / 10 + i) % 2 == 0 ? 6 : -6), fy + (k / 10 % 2) * 4, 20, 50);
      actors.add(a);
    }
    List<SyntheticClip.Label> labels = people >= maxPeople ? label("crowd", "plaza", Math.round(minSeconds * FPS), 50) : List.of();
    return render("crowd-" + people, 51, actors, labels, List.of(zone), Zone.parse(zone));
  }

  /** A person walks for 2 s, then falls (0.5 s) and lies for 4 s; the negative crouches instead (box 0.9 w/h) and gets up. */
  public static Scene fallen(boolean falls, double minDownSeconds) {
    Actor a = new Actor(1).at(0, 40, 180, 22, 60).at(20, 140, 180, 22, 60);
    List<SyntheticClip.Label> labels = List.of();
    if (falls) {
      a.at(25, 160, 185, 64, 22).at(65, 160, 185, 64, 22);
      labels = label("fallen", null, 25 + Math.round(minDownSeconds * FPS), 65);
    } else {
      a.at(25, 145, 182, 34, 38).at(45, 145, 182, 34, 38).at(50, 145, 180, 22, 60).at(65, 200, 180, 22, 60);
    }
    return render("fallen-" + (falls ? "falls" : "crouches"), 66, List.of(a), labels, List.of(), null);
  }

  /** Door zone "door" (x 150..210); two people walk through it left to right, the second {@code gapSeconds} after the first. */
  public static Scene tailgating(double gapSeconds, double windowSeconds) {
    String zone = "door=150,120;210,120;210,235;150,235";
    int gap = (int) Math.round(gapSeconds * FPS);
    Actor first = new Actor(0).at(0, 20, 200, 22, 60).at(40, 300, 200, 22, 60);
    Actor second = new Actor(3).at(gap, 20, 200, 22, 60).at(gap + 40, 300, 200, 22, 60);
    int crossFirst = (int) Math.ceil(40 * (150 - 20) / 280.0), crossSecond = gap + crossFirst;
    List<SyntheticClip.Label> labels = gapSeconds <= windowSeconds
        ? label("tailgating", "door", crossSecond, crossFirst + Math.round(windowSeconds * FPS)) : List.of();
    return render("tailgating-gap" + gapSeconds, gap + 45, List.of(first, second), labels, List.of(zone), null);
  }

  /** One person crossing the frame at {@code heightsPerSecond} box-heights per second (box 50 px high). */
  public static Scene running(double heightsPerSecond) {
    double pxPerFrame = heightsPerSecond * 50 / FPS;
    int frames = (int) Math.min(80, Math.floor(290 / pxPerFrame));
    Actor a = new Actor(2).at(0, 15, 190, 20, 50).at(frames, 15 + pxPerFrame * frames, 190, 20, 50);
    List<SyntheticClip.Label> labels = heightsPerSecond > 1.5 ? label("abnormalBehavior", null, 10, frames) : List.of();
    return render("running-" + heightsPerSecond, frames + 1, List.of(a), labels, List.of(), null);
  }

  /** A person for 12 s: loitering (wandering within ~20 px) or walking slowly across the frame. */
  public static Scene loitering(boolean loiters, double loiterSeconds) {
    Actor a = new Actor(4);
    if (loiters) {
      for (int k = 0; k <= 120; k += 15) a.at(k, 160 + (k / 15 % 3 - 1) * 10, 180 + (k / 15 % 2) * 8, 20, 50);
    } else {
      a.at(0, 15, 180, 20, 50).at(120, 305, 190, 20, 50);
    }
    List<SyntheticClip.Label> labels = loiters ? label("abnormalBehavior", null, Math.round(loiterSeconds * FPS), 120) : List.of();
    return render("loitering-" + loiters, 121, List.of(a), labels, List.of(), null);
  }

  /** Two people side by side for 4 s: fighting (flailing arms, jerky bodies) or walking together calmly. */
  public static Scene fighting(boolean fight) {
    Actor a = new Actor(0), b = new Actor(5);
    if (fight) {
      a.at(0, 140, 200, 26, 70).at(40, 142, 200, 26, 70);
      b.at(0, 172, 200, 26, 70).at(40, 170, 200, 26, 70);
      a.flail = b.flail = true;
    } else {
      a.at(0, 40, 200, 26, 70).at(40, 180, 200, 26, 70);
      b.at(0, 72, 200, 26, 70).at(40, 212, 200, 26, 70);
    }
    List<SyntheticClip.Label> labels = fight ? label("abnormalBehavior", null, 10, 40) : List.of();
    return render("fighting-" + fight, 41, List.of(a, b), labels, List.of(), null);
  }
}
