package com.softdew.vms.edge.ai.scenes;

import com.softdew.vms.edge.ai.scenes.SyntheticClip.Label;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Clips for the "motion" model: a person-like figure walking across a textured room (positive), the
 * same room under a brightness ramp and a sudden light switch (negative), and zone variants.
 */
public final class MotionScenes {
  private MotionScenes() {}

  public static final double FPS = 15;

  /** A figure walks across the whole frame from 1 s on; label "motion" on the frames it is visible. */
  public static SyntheticClip walker(long seed, int w, int h) {
    return walk("motion-walker-seed" + seed, seed, w, h, List.of(), null, h / 2 - h / 8);
  }

  /**
   * Zone "aisle" (the middle third); the figure walks through it: label "motion" in zone "aisle" on the
   * frames its centre is in the zone.
   */
  public static SyntheticClip walkerThroughZone(long seed, int w, int h) {
    int zx = w / 3, zw = w / 3;
    String zone = SceneKit.rectZone("aisle", zx, 0, zw, h);
    return walk("motion-zone-walker-seed" + seed, seed, w, h, List.of(zone), new int[] {zx, zx + zw}, h / 2 - h / 8);
  }

  /** Zone "door" in the top-left corner; the figure walks along the bottom right, never in it: negative. */
  public static SyntheticClip walkerOutsideZone(long seed, int w, int h) {
    String zone = SceneKit.rectZone("door", 0, 0, w / 4, h / 3);
    return walk("motion-outside-zone-seed" + seed, seed, w, h, List.of(zone), new int[] {-1, -1}, h / 2 + h / 10);
  }

  private static SyntheticClip walk(String name, long seed, int w, int h, List<String> zones, int[] zoneX, int top) {
    SplittableRandom rnd = new SplittableRandom(seed ^ 0x5eed);
    int n = SceneKit.frames(FPS, 5);
    int fw = Math.max(8, w / 12), fh = Math.max(16, h / 4);
    int start = SceneKit.frames(FPS, 1);
    double speed = (w + fw) / (double) (n - start - 5); // crosses in the rest of the clip
    List<byte[]> frames = new ArrayList<>();
    long first = -1, last = -1;
    try (Mat bg = SceneKit.background(w, h, seed); Mat canvas = new Mat()) {
      for (int i = 0; i < n; i++) {
        bg.copyTo(canvas);
        if (i >= start) {
          int x = (int) Math.round(-fw + (i - start) * speed);
          int y = top + (int) Math.round(3 * Math.sin(i * 0.7)); // a walking bob
          if (x + fw > 0 && x < w) {
            SceneKit.figure(canvas, x, y, fw, fh, 60 + seed % 40, 40, 150);
            double cx = x + fw / 2.0;
            boolean counts = zoneX == null || (cx >= zoneX[0] && cx < zoneX[1]);
            if (counts) {
              if (first < 0) first = i;
              last = i;
            }
          }
        }
        frames.add(SceneKit.finish(canvas, rnd, 3));
      }
    }
    String zoneName = zones.isEmpty() ? null : zones.get(0).substring(0, zones.get(0).indexOf('='));
    List<Label> labels = first < 0 ? List.of() : List.of(new Label("motion", zoneName, first, last));
    return new SyntheticClip(name, w, h, FPS, frames, labels, List.of(), zones);
  }

  /**
   * Negative: nothing moves, but the light does: a slow brightness ramp (gain 1.0 to 1.35 and offset
   * 0 to +15 over 2.5 s), then a sudden switch (+35) at 4 s that persists.
   */
  public static SyntheticClip lightChanges(long seed, int w, int h) {
    SplittableRandom rnd = new SplittableRandom(seed ^ 0x11647);
    int n = SceneKit.frames(FPS, 6);
    int rampStart = SceneKit.frames(FPS, 1), rampEnd = SceneKit.frames(FPS, 3.5), jump = SceneKit.frames(FPS, 4);
    List<byte[]> frames = new ArrayList<>();
    try (Mat bg = SceneKit.background(w, h, seed); Mat canvas = new Mat()) {
      for (int i = 0; i < n; i++) {
        double t = Math.max(0, Math.min(1, (i - rampStart) / (double) (rampEnd - rampStart)));
        double alpha = 1 + 0.35 * t, beta = 15 * t + (i >= jump ? 35 : 0);
        bg.convertTo(canvas, -1, alpha, beta);
        frames.add(SceneKit.finish(canvas, rnd, 3));
      }
    }
    return new SyntheticClip("motion-light-seed" + seed, w, h, FPS, frames, List.of(), List.of(), List.of());
  }

  /** Negative: nothing moves; the lights dim to 60 % over 2 s from 1 s on, then drop by a further 30 levels at 4 s. */
  public static SyntheticClip dimming(long seed, int w, int h) {
    SplittableRandom rnd = new SplittableRandom(seed ^ 0xd11);
    int n = SceneKit.frames(FPS, 6);
    int rampStart = SceneKit.frames(FPS, 1), rampEnd = SceneKit.frames(FPS, 3), drop = SceneKit.frames(FPS, 4);
    List<byte[]> frames = new ArrayList<>();
    try (Mat bg = SceneKit.background(w, h, seed); Mat canvas = new Mat()) {
      for (int i = 0; i < n; i++) {
        double t = Math.max(0, Math.min(1, (i - rampStart) / (double) (rampEnd - rampStart)));
        bg.convertTo(canvas, -1, 1 - 0.4 * t, i >= drop ? -30 : 0);
        frames.add(SceneKit.finish(canvas, rnd, 3));
      }
    }
    return new SyntheticClip("motion-dimming-seed" + seed, w, h, FPS, frames, List.of(), List.of(), List.of());
  }
}
