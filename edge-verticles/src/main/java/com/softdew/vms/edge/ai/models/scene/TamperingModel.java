package com.softdew.vms.edge.ai.models.scene;

import static org.bytedeco.opencv.global.opencv_core.CV_16S;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_imgproc.Laplacian;
import static org.bytedeco.opencv.global.opencv_imgproc.TM_CCOEFF_NORMED;
import static org.bytedeco.opencv.global.opencv_imgproc.accumulateWeighted;
import static org.bytedeco.opencv.global.opencv_imgproc.createHanningWindow;
import static org.bytedeco.opencv.global.opencv_imgproc.matchTemplate;
import static org.bytedeco.opencv.global.opencv_imgproc.phaseCorrelate;
import static org.bytedeco.opencv.global.opencv_imgproc.pyrDown;

import com.softdew.vms.edge.ai.Alarm;
import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelParams;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.platform.config.ConfigKey;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point2d;

/**
 * Camera tampering against a reference learnt over the first {@code referenceFrames} frames: the view is
 * <b>covered</b> (contrast collapses), <b>defocused</b> (Laplacian energy drops), <b>moved</b> (phase
 * correlation finds a large shift of the whole picture, or the picture no longer correlates with the
 * reference at all) or the <b>light</b> changed (mean brightness jumped). A condition must hold for
 * {@code persistSeconds} before the alarm "tampering" with key = kind; while nothing holds, the reference
 * adapts slowly ({@code adaptRate}) to follow the day.
 */
public final class TamperingModel implements AnalyticsModel {
  public static final String ID = "tampering";

  /** Tamper kinds, in precedence order: a covered view also looks defocused and dark, only "covered" is raised. */
  enum Kind {
    COVERED("covered"), MOVED("moved"), DEFOCUSED("defocused"), LIGHT("light");

    final String key;

    Kind(String key) { this.key = key; }
  }

  private static final ModelParams PARAMS = new ModelParams(ID, List.of(
      ConfigKey.integer("referenceFrames", 15, 1, 10_000, "frames averaged into the reference before any alarm"),
      ConfigKey.decimal("adaptRate", 0.01, 0, 1, "per-frame weight of the current frame in the reference while no tamper condition holds"),
      ConfigKey.decimal("persistSeconds", 1.0, 0, 3600, "a condition must hold this long before the alarm"),
      ConfigKey.decimal("coveredStdRatio", 0.35, 0.01, 1, "covered when the grey standard deviation falls below this fraction of the reference's"),
      ConfigKey.decimal("defocusRatio", 0.35, 0.01, 1, "defocused when the Laplacian energy falls below this fraction of the reference's"),
      ConfigKey.decimal("moveMinShift", 0.05, 0.005, 1, "moved when the whole picture shifted by more than this fraction of the frame width"),
      ConfigKey.decimal("moveMinResponse", 0.05, 0, 1, "phase correlation peak needed to trust a shift"),
      ConfigKey.decimal("sceneMinCorrelation", 0.25, -1, 1, "moved when the picture's normalised correlation with the reference falls below this (pointed elsewhere)"),
      ConfigKey.decimal("lightDelta", 40, 1, 255, "light change when the mean grey level differs from the reference's by more than this"),
      ConfigKey.integer("analysisWidth", 320, 80, 4096, "frames wider than this are shrunk for analysis")));

  @Override
  public String id() { return ID; }

  @Override
  public ModelParams params() { return PARAMS; }

  @Override
  public boolean needsEveryFrame() { return true; }

  @Override
  public ModelSession open(CameraContext camera) {
    return new Session(camera);
  }

  static final class Session extends SceneSession {
    private final int referenceFrames, analysisWidth;
    private final double adaptRate, persistMs, coveredRatio, defocusRatio, moveMinShift, moveMinResponse, minCorr, lightDelta;
    private final Mat small = new Mat(), half = new Mat(), half32 = new Mat(), lap = new Mat(), ncc = new Mat(), pcRef = new Mat(), pcCur = new Mat();
    private Mat refHalf32, window;
    private double refMean, refStd, refFocus;
    private long learnt;
    private final Map<Kind, Long> since = new EnumMap<>(Kind.class);

    Session(CameraContext camera) {
      super(ID, camera);
      JsonObject p = camera.params();
      referenceFrames = p.getInteger("referenceFrames");
      analysisWidth = p.getInteger("analysisWidth");
      adaptRate = p.getDouble("adaptRate");
      persistMs = p.getDouble("persistSeconds") * 1000;
      coveredRatio = p.getDouble("coveredStdRatio");
      defocusRatio = p.getDouble("defocusRatio");
      moveMinShift = p.getDouble("moveMinShift");
      moveMinResponse = p.getDouble("moveMinResponse");
      minCorr = p.getDouble("sceneMinCorrelation");
      lightDelta = p.getDouble("lightDelta");
    }

    @Override
    protected FrameResult step(FrameView f) {
      Cv.shrink(f.gray(), small, analysisWidth);
      pyrDown(small, half); // halves sensor noise's share of the Laplacian; phase correlation on the half image
      half.convertTo(half32, CV_32F);
      double[] ms = Cv.meanStd(small, null);
      Laplacian(half, lap, CV_16S);
      double focus = Math.pow(Cv.meanStd(lap, null)[1], 2);
      if (learnt < referenceFrames) {
        learn(ms, focus, 1.0 / (learnt + 1));
        learnt++;
        return FrameResult.of(ID, f, List.of(), List.of());
      }
      Point2d shift;
      double[] response = new double[1];
      // phaseCorrelate multiplies its inputs by the window in place when their size is DFT-optimal: give it copies
      refHalf32.copyTo(pcRef);
      half32.copyTo(pcCur);
      shift = phaseCorrelate(pcRef, pcCur, window, response);
      double dx = shift.x() * 2, dy = shift.y() * 2; // half-image pixels to analysis pixels
      shift.close();
      double shiftFrac = Math.hypot(dx, dy) / small.cols();
      matchTemplate(half32, refHalf32, ncc, TM_CCOEFF_NORMED);
      double corr;
      try (FloatIndexer i = ncc.createIndexer()) {
        corr = i.get(0, 0);
      }
      double stdRatio = ms[1] / Math.max(1e-6, refStd), focusRatio = focus / Math.max(1e-6, refFocus), dMean = ms[0] - refMean;

      Map<Kind, String> hold = new LinkedHashMap<>();
      Map<Kind, Double> conf = new EnumMap<>(Kind.class);
      if (stdRatio < coveredRatio) {
        hold.put(Kind.COVERED, String.format("contrast %.0f %% of the reference's (< %.0f %%)", stdRatio * 100, coveredRatio * 100));
        conf.put(Kind.COVERED, 0.6 + 0.4 * Cv.clamp01(1 - stdRatio / coveredRatio));
      } else {
        if (shiftFrac > moveMinShift && response[0] > moveMinResponse) {
          hold.put(Kind.MOVED, String.format("view shifted by %.0f,%.0f px (%.1f %% of the width, response %.2f)", dx / scaleOf(f), dy / scaleOf(f), shiftFrac * 100, response[0]));
          conf.put(Kind.MOVED, 0.6 + 0.4 * Cv.clamp01(response[0] * 3));
        } else if (corr < minCorr) {
          hold.put(Kind.MOVED, String.format("view no longer matches the reference (correlation %.2f < %.2f)", corr, minCorr));
          conf.put(Kind.MOVED, 0.6 + 0.4 * Cv.clamp01((minCorr - corr) / (1 + minCorr)));
        }
        if (focusRatio < defocusRatio && !hold.containsKey(Kind.MOVED)) {
          hold.put(Kind.DEFOCUSED, String.format("sharpness %.0f %% of the reference's (< %.0f %%)", focusRatio * 100, defocusRatio * 100));
          conf.put(Kind.DEFOCUSED, 0.6 + 0.4 * Cv.clamp01(1 - focusRatio / defocusRatio));
        }
        if (Math.abs(dMean) > lightDelta) {
          hold.put(Kind.LIGHT, String.format("mean brightness %+.0f vs the reference (> %.0f)", dMean, lightDelta));
          conf.put(Kind.LIGHT, 0.6 + 0.4 * Cv.clamp01((Math.abs(dMean) - lightDelta) / lightDelta));
        }
      }
      since.keySet().retainAll(hold.keySet());
      List<Detection> dets = new ArrayList<>();
      List<Alarm> alarms = new ArrayList<>();
      JsonObject metrics = new JsonObject().put("contrastRatio", r3(stdRatio)).put("sharpnessRatio", r3(focusRatio))
          .put("shiftFraction", r3(shiftFrac)).put("shiftResponse", r3(response[0])).put("correlation", r3(corr)).put("brightnessDelta", r3(dMean));
      for (Map.Entry<Kind, String> e : hold.entrySet()) {
        Kind k = e.getKey();
        long from = since.computeIfAbsent(k, x -> f.ptsMs());
        double held = f.ptsMs() - from;
        dets.add(new Detection("tamper", conf.get(k), new Box(0, 0, f.width(), f.height()), null, null,
            metrics.copy().put("kind", k.key).put("heldSeconds", held / 1000.0)));
        if (held >= persistMs) alarms.add(new Alarm(ID, null, k.key, conf.get(k), e.getValue() + String.format(" for %.1f s", held / 1000)));
      }
      if (hold.isEmpty() && adaptRate > 0) learn(ms, focus, adaptRate);
      return new FrameResult(ID, f.index(), f.ptsMs(), alarms.size(), dets, alarms, false);
    }

    private double scaleOf(FrameView f) {
      return (double) small.cols() / f.width();
    }

    private void learn(double[] ms, double focus, double rate) {
      if (refHalf32 == null) {
        refHalf32 = new Mat();
        half32.copyTo(refHalf32);
        window = new Mat();
        try (org.bytedeco.opencv.opencv_core.Size size = half32.size()) {
          createHanningWindow(window, size, CV_32F);
        }
        refMean = ms[0];
        refStd = ms[1];
        refFocus = focus;
        return;
      }
      accumulateWeighted(half32, refHalf32, rate);
      refMean += rate * (ms[0] - refMean);
      refStd += rate * (ms[1] - refStd);
      refFocus += rate * (focus - refFocus);
    }

    private static double r3(double v) {
      return Math.round(v * 1000) / 1000.0;
    }

    @Override
    public void close() {
      small.close();
      half.close();
      half32.close();
      lap.close();
      ncc.close();
      pcRef.close();
      pcCur.close();
      if (refHalf32 != null) {
        refHalf32.close();
        window.close();
      }
    }
  }
}
