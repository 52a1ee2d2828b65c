package com.softdew.vms.edge.ai.scenes;

import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;

import com.softdew.vms.edge.ai.scenes.SyntheticClip.Label;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Clips for the "tampering" model, 6 s each: the view is fine for 2 s (the model learns its reference),
 * then it is covered, defocused, moved or lit differently until the end. Every label is "tampering"
 * with the kind in {@link #kindOf}; the negative is the untouched room with a person walking through.
 */
public final class TamperScenes {
  private TamperScenes() {}

  public static final double FPS = 15;
  private static final double SECONDS = 6;
  private static final double TAMPER_AT = 2;

  /** The tamper kind a clip of this class shows ("covered", "defocused", "moved", "light"), null for the negative. */
  public static String kindOf(SyntheticClip clip) {
    for (String k : List.of("covered", "defocused", "moved", "light")) if (clip.name().startsWith("tamper-" + k)) return k;
    return null;
  }

  /** A dark, nearly uniform plate slides down over the lens in 0.6 s and stays. */
  public static SyntheticClip covered(long seed, int w, int h) {
    int at = SceneKit.frames(FPS, TAMPER_AT), slide = SceneKit.frames(FPS, 0.6);
    return render("covered", seed, w, h, (i, view) -> {
      if (i < at) return;
      double t = Math.min(1, (i - at + 1) / (double) slide);
      int ch = (int) Math.round(h * t);
      if (ch > 0) SceneKit.box(view, 0, 0, w, ch, 18, 18, 20);
    }, at + slide - 1);
  }

  /** The focus goes: Gaussian blur growing to sigma 5 (at 320 px wide) in 0.5 s, then steady. */
  public static SyntheticClip defocused(long seed, int w, int h) {
    int at = SceneKit.frames(FPS, TAMPER_AT), ramp = SceneKit.frames(FPS, 0.5);
    return render("defocused", seed, w, h, (i, view) -> {
      if (i < at) return;
      double sigma = 5.0 * w / 320 * Math.min(1, (i - at + 1) / (double) ramp);
      try (Size k = new Size(0, 0)) {
        GaussianBlur(view, view, k, sigma);
      }
    }, at + ramp - 1);
  }

  /** The camera is turned: the view pans by 15 % of the width and 6 % of the height in 0.3 s and stays. */
  public static SyntheticClip moved(long seed, int w, int h) {
    int at = SceneKit.frames(FPS, TAMPER_AT), ramp = SceneKit.frames(FPS, 0.3);
    return render("moved", seed, w, h, null, at + ramp - 1, i -> {
      double t = i < at ? 0 : Math.min(1, (i - at + 1) / (double) ramp);
      return new int[] {(int) Math.round(0.15 * w * t), (int) Math.round(0.06 * h * t)};
    });
  }

  /** The lights are switched on: brightness +60 from 2 s on. */
  public static SyntheticClip lightChange(long seed, int w, int h) {
    int at = SceneKit.frames(FPS, TAMPER_AT);
    return render("light", seed, w, h, (i, view) -> {
      if (i >= at) view.convertTo(view, -1, 1.1, 60);
    }, at);
  }

  /** Negative: the room untouched, a person walks through from 2 s to 5 s. */
  public static SyntheticClip untouched(long seed, int w, int h) {
    int at = SceneKit.frames(FPS, TAMPER_AT), end = SceneKit.frames(FPS, 5);
    int fw = Math.max(8, w / 12), fh = Math.max(16, h / 4);
    return render("untouched", seed, w, h, (i, view) -> {
      if (i < at || i > end) return;
      int x = (int) Math.round(-fw + (i - at) * (w + fw) / (double) (end - at));
      SceneKit.figure(view, x, h / 2 - fh / 3, fw, fh, 90, 60, 140);
    }, -1);
  }

  private interface Tamper {
    void apply(int frame, Mat view);
  }

  private interface Pan {
    int[] offset(int frame);
  }

  private static SyntheticClip render(String kind, long seed, int w, int h, Tamper tamper, int labelStart) {
    return render(kind, seed, w, h, tamper, labelStart, i -> new int[] {0, 0});
  }

  private static SyntheticClip render(String kind, long seed, int w, int h, Tamper tamper, int labelStart, Pan pan) {
    SplittableRandom rnd = new SplittableRandom(seed ^ kind.hashCode());
    int n = SceneKit.frames(FPS, SECONDS);
    int mx = w / 5, my = h / 10;
    List<byte[]> frames = new ArrayList<>();
    try (Mat bg = SceneKit.background(w + mx, h + my, seed); Mat view = new Mat()) {
      for (int i = 0; i < n; i++) {
        int[] o = pan.offset(i);
        try (Rect r = new Rect(o[0], o[1], w, h); Mat crop = new Mat(bg, r)) {
          crop.copyTo(view);
        }
        if (tamper != null) tamper.apply(i, view);
        frames.add(SceneKit.finish(view, rnd, 3));
      }
    }
    List<Label> labels = labelStart < 0 ? List.of() : List.of(new Label("tampering", null, labelStart, n - 1));
    return new SyntheticClip("tamper-" + kind + "-seed" + seed, w, h, FPS, frames, labels, List.of(), List.of());
  }
}
