package com.softdew.vms.edge.ai.scenes;

import com.softdew.vms.edge.ai.scenes.SyntheticClip.Label;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Clips for the "missingObject" model, 7 s each. Missing object: a zone "safe" marks a striped case on
 * the floor; a person walks up, takes it and leaves (positive), or walks past in front of it while the
 * light changes (negative). Abandoned object: a person carries a box in, puts it down and leaves
 * (positive), or carries it straight through (negative).
 */
public final class ObjectScenes {
  private ObjectScenes() {}

  public static final double FPS = 15;
  private static final double SECONDS = 7;

  /** Zone of the watched object in {@link #objectRemoved} and {@link #objectStays}. */
  public static String safeZone(int w, int h) {
    int[] r = caseRect(w, h);
    int m = Math.max(3, w / 64);
    return SceneKit.rectZone("safe", r[0] - m, r[1] - m, r[2] + 2 * m, r[3] + 2 * m);
  }

  private static int[] caseRect(int w, int h) {
    return new int[] {w * 5 / 8, h / 2, w / 6, h / 6};
  }

  private static void drawCase(Mat m, int w, int h) {
    int[] r = caseRect(w, h);
    SceneKit.box(m, r[0], r[1], r[2], r[3], 40, 150, 190); // a yellow-brown case
    int stripes = 4;
    for (int s = 0; s < stripes; s++) {
      int x = r[0] + (s * 2 + 1) * r[2] / (2 * stripes + 1);
      SceneKit.box(m, x, r[1] + r[3] / 6, Math.max(2, r[2] / (2 * stripes + 1)), r[3] * 2 / 3, 20, 40, 60);
    }
    SceneKit.box(m, r[0] + r[2] / 3, r[1] - r[3] / 8, r[2] / 3, Math.max(2, r[3] / 8), 30, 30, 30); // handle
  }

  /**
   * A person walks from the left (1.5 s) to the case, takes it at 3 s and walks back out with it (gone by
   * 4.5 s). Label "missingObject" in zone "safe" from 3 s to the end.
   */
  public static SyntheticClip objectRemoved(long seed, int w, int h) {
    return caseScene("object-removed-seed" + seed, seed, w, h, true);
  }

  /** Negative: the person walks past in front of the case (occluding it ~0.5 s) and the lights go up 25 % at 4.5 s. */
  public static SyntheticClip objectStays(long seed, int w, int h) {
    return caseScene("object-stays-seed" + seed, seed, w, h, false);
  }

  private static SyntheticClip caseScene(String name, long seed, int w, int h, boolean taken) {
    SplittableRandom rnd = new SplittableRandom(seed ^ name.hashCode());
    int n = SceneKit.frames(FPS, SECONDS);
    int enter = SceneKit.frames(FPS, 1.5), take = SceneKit.frames(FPS, 3), gone = SceneKit.frames(FPS, 4.5), lights = SceneKit.frames(FPS, 4.5);
    int[] cr = caseRect(w, h);
    int fw = Math.max(8, w / 12), fh = Math.max(16, h / 3);
    int stand = cr[0] - fw / 2 + cr[2] / 2;
    List<byte[]> frames = new ArrayList<>();
    try (Mat bg = SceneKit.background(w, h, seed); Mat canvas = new Mat()) {
      for (int i = 0; i < n; i++) {
        bg.copyTo(canvas);
        boolean hasCase = !taken || i < take;
        if (hasCase) drawCase(canvas, w, h);
        if (i >= enter && i <= gone) {
          int x;
          if (taken) {
            x = i <= take ? (int) Math.round(-fw + (i - enter) * (stand + fw) / (double) (take - enter))
                : (int) Math.round(stand - (i - take) * (stand + fw) / (double) (gone - take));
          } else {
            x = (int) Math.round(-fw + (i - enter) * (w + fw) / (double) (gone - enter));
          }
          SceneKit.figure(canvas, x, cr[1] + cr[3] - fh + h / 30, fw, fh, 120, 80, 70);
          if (taken && i > take) SceneKit.box(canvas, x + fw / 2, cr[1] + cr[3] / 3, cr[2] * 2 / 3, cr[3] * 2 / 3, 40, 150, 190);
        }
        if (!taken && i >= lights) canvas.convertTo(canvas, -1, 1.25, 5);
        frames.add(SceneKit.finish(canvas, rnd, 3));
      }
    }
    List<Label> labels = taken ? List.of(new Label("missingObject", "safe", take, n - 1)) : List.of();
    return new SyntheticClip(name, w, h, FPS, frames, labels, List.of(), List.of(safeZone(w, h)));
  }

  /**
   * A person carries a box in from the left, puts it down in the middle of the floor at 2 s and walks on
   * out of the picture (gone by 3.5 s); the box stays. Label "abandonedObject" from 2 s to the end.
   */
  public static SyntheticClip boxAbandoned(long seed, int w, int h) {
    return boxScene("box-abandoned-seed" + seed, seed, w, h, true);
  }

  /** Negative: the person carries the box straight through the picture (1 s to 4.5 s) without stopping. */
  public static SyntheticClip boxPassing(long seed, int w, int h) {
    return boxScene("box-passing-seed" + seed, seed, w, h, false);
  }

  private static SyntheticClip boxScene(String name, long seed, int w, int h, boolean dropped) {
    SplittableRandom rnd = new SplittableRandom(seed ^ name.hashCode());
    int n = SceneKit.frames(FPS, SECONDS);
    int enter = SceneKit.frames(FPS, 1), drop = SceneKit.frames(FPS, 2), out = SceneKit.frames(FPS, dropped ? 3.5 : 4.5);
    int fw = Math.max(8, w / 12), fh = Math.max(16, h / 3), bw = w / 10, bh = h / 10;
    int floorY = h * 3 / 4;
    int dropX = w / 2 - bw / 2;
    List<byte[]> frames = new ArrayList<>();
    try (Mat bg = SceneKit.background(w, h, seed); Mat canvas = new Mat()) {
      for (int i = 0; i < n; i++) {
        bg.copyTo(canvas);
        double x;
        if (dropped) {
          x = i <= drop ? -fw - bw + (i - enter) * (dropX + fw + bw) / (double) (drop - enter)
              : dropX + (i - drop) * (w - dropX + fw) / (double) (out - drop);
        } else {
          x = -fw - bw + (i - enter) * (w + 2 * fw + 2 * bw) / (double) (out - enter);
        }
        if (dropped && i >= drop) drawBox(canvas, dropX, floorY - bh, bw, bh);
        if (i >= enter && i <= out) {
          int fx = (int) Math.round(x) + bw;
          SceneKit.figure(canvas, fx, floorY - fh, fw, fh, 120, 80, 70);
          if (!dropped || i < drop) drawBox(canvas, (int) Math.round(x), floorY - bh - fh / 4, bw, bh);
        }
        frames.add(SceneKit.finish(canvas, rnd, 3));
      }
    }
    List<Label> labels = dropped ? List.of(new Label("abandonedObject", null, drop, n - 1)) : List.of();
    return new SyntheticClip(name, w, h, FPS, frames, labels, List.of(), List.of());
  }

  private static void drawBox(Mat m, int x, int y, int bw, int bh) {
    SceneKit.box(m, x, y, bw, bh, 60, 90, 120); // cardboard
    SceneKit.box(m, x, y + bh / 2 - 1, bw, Math.max(2, bh / 8), 150, 170, 180); // tape
  }
}
