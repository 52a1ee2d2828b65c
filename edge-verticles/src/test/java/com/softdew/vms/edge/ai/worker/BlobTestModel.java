package com.softdew.vms.edge.ai.worker;

import static org.bytedeco.opencv.global.opencv_imgproc.CHAIN_APPROX_SIMPLE;
import static org.bytedeco.opencv.global.opencv_imgproc.RETR_EXTERNAL;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY_INV;
import static org.bytedeco.opencv.global.opencv_imgproc.boundingRect;
import static org.bytedeco.opencv.global.opencv_imgproc.findContours;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;

import com.softdew.vms.edge.ai.Alarm;
import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.Box;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelEnvironment;
import com.softdew.vms.edge.ai.ModelParams;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Zone;
import com.softdew.vms.model.Priority;
import com.softdew.vms.platform.config.ConfigKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;

/**
 * TEST-ONLY model doing real pixel work: boxes of bright (or dark) blobs found with OpenCV threshold +
 * findContours on the grey frame; a blob whose centre is in a zone raises an alarm of type {@code id()}
 * for that zone.
 */
public abstract class BlobTestModel implements AnalyticsModel {
  /** Sessions opened / init calls over every instance (for tests). */
  public static final AtomicInteger INITS = new AtomicInteger();

  private final String id;
  private final boolean dark;
  private final ModelParams params;

  protected BlobTestModel(String id, boolean dark) {
    this.id = id;
    this.dark = dark;
    this.params = new ModelParams(id, List.of(
        ConfigKey.integer("threshold", dark ? 50 : 200, 1, 254, "grey level separating blobs from the background"),
        ConfigKey.integer("minAreaPx", 100, 1, 1_000_000, "smallest blob, square pixels")));
  }

  @Override public String id() { return id; }
  @Override public Priority priority() { return Priority.MEDIUM; }
  @Override public ModelParams params() { return params; }
  @Override public void init(ModelEnvironment env) { INITS.incrementAndGet(); }

  @Override
  public ModelSession open(CameraContext camera) {
    int thr = camera.params().getInteger("threshold");
    int minArea = camera.params().getInteger("minAreaPx");
    return frames -> {
      List<FrameResult> out = new ArrayList<>();
      for (FrameView f : frames) {
        List<Detection> found = new ArrayList<>();
        List<Alarm> alarms = new ArrayList<>();
        try (Mat bin = new Mat(); MatVector contours = new MatVector()) {
          threshold(f.gray(), bin, thr, 255, dark ? THRESH_BINARY_INV : THRESH_BINARY);
          findContours(bin, contours, RETR_EXTERNAL, CHAIN_APPROX_SIMPLE);
          for (long i = 0; i < contours.size(); i++) {
            try (Mat c = contours.get(i); Rect r = boundingRect(c)) {
              if ((double) r.width() * r.height() < minArea) continue;
              Box b = new Box(r.x(), r.y(), r.width(), r.height());
              Zone z = camera.zoneAt(b.cx(), b.cy());
              Detection d = new Detection(dark ? "dark" : "bright", 0.9, b).withZone(z == null ? null : z.name());
              found.add(d);
              if (z != null) alarms.add(new Alarm(id, z.name(), null, 0.9, id + " blob in " + z.name()));
            }
          }
        }
        out.add(FrameResult.of(id, f, found, alarms));
      }
      return out;
    };
  }

  /** Bright blobs. */
  public static final class Bright extends BlobTestModel {
    public Bright() { super("test-bright", false); }
  }

  /** Dark blobs. */
  public static final class Dark extends BlobTestModel {
    public Dark() { super("test-dark", true); }
  }
}
