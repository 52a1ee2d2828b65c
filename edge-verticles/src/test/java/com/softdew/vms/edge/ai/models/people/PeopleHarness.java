package com.softdew.vms.edge.ai.models.people;

import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.EventAccumulator;
import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Perception;
import com.softdew.vms.edge.ai.Zone;
import com.softdew.vms.edge.ai.perception.DefaultPerception;
import com.softdew.vms.edge.ai.perception.ObjectDetector;
import com.softdew.vms.edge.ai.perception.ScriptedDetector;
import com.softdew.vms.edge.ai.scenes.PeopleScenes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a people model the way the AI worker will: frames in segments that overlap (here 30 frames with
 * 10 frames of overlap), each segment annotated by a {@link DefaultPerception} (motion gating on) and
 * then analysed by the model's session; alarms joined into events by an {@link EventAccumulator}.
 */
final class PeopleHarness {
  record Run(List<FrameResult> results, List<EventAccumulator.ModelEvent> events, double modelMsPerFrame) {
    List<FrameResult> alarmFrames() {
      return results.stream().filter(r -> !r.alarms().isEmpty()).toList();
    }

    long firstAlarmFrame() {
      return results.stream().filter(r -> !r.alarms().isEmpty()).mapToLong(FrameResult::frameIndex).min().orElse(-1);
    }
  }

  static final int SEGMENT = 30, OVERLAP = 10;

  static Run run(AnalyticsModel model, JsonObject params, PeopleScenes.Scene scene) {
    return run(model, params, scene.clip().views(), scene.zones(), scene.clip().fps(), ScriptedDetector.of(scene.truth()));
  }

  static Run run(AnalyticsModel model, JsonObject params, List<FrameView> frames, List<Zone> zones, double fps, ObjectDetector detector) {
    CameraContext cam = new CameraContext("acme", "cam-1", zones, model.params().resolve(params),
        FrameGeometry.identity(frames.get(0).width(), frames.get(0).height()), fps);
    List<FrameResult> results = new ArrayList<>();
    EventAccumulator acc = new EventAccumulator(300);
    List<EventAccumulator.ModelEvent> events = new ArrayList<>();
    long modelNs = 0;
    int analysed = 0;
    try (DefaultPerception perception = new DefaultPerception(detector, DefaultPerception.Options.defaults(), new SimpleMeterRegistry());
        ModelSession session = model.open(cam)) {
      long next = 0; // first frame index not analysed yet
      for (int start = 0; start < frames.size(); start += SEGMENT - OVERLAP) {
        int s = Math.max(0, start == 0 ? 0 : start);
        List<FrameView> seg = new ArrayList<>();
        for (int i = s; i < Math.min(frames.size(), s + SEGMENT); i++) {
          // each segment is decoded anew: new FrameView objects, same pts for the overlap
          FrameView src = frames.get(i);
          seg.add(new FrameView(src.index(), src.ptsMs(), src.width(), src.height(), src.rgb()));
        }
        perception.annotate(List.of(new Perception.CameraFrames(cam, seg)));
        long t0 = System.nanoTime();
        List<FrameResult> rs = session.analyze(seg);
        modelNs += System.nanoTime() - t0;
        analysed += seg.size();
        if (rs.size() != seg.size()) throw new AssertionError("one result per frame expected");
        for (FrameResult r : rs) {
          if (r.frameIndex() >= next) {
            results.add(r);
            events.addAll(acc.accept(r));
            next = r.frameIndex() + 1;
          } else {
            events.addAll(acc.accept(r)); // overlap: ignored by the accumulator
          }
        }
        seg.forEach(FrameView::close);
        if (s + SEGMENT >= frames.size()) break;
      }
    }
    events.addAll(acc.flush());
    frames.forEach(FrameView::close);
    return new Run(results, events, modelNs / 1e6 / Math.max(1, analysed));
  }
}
