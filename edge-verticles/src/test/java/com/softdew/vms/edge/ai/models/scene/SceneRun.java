package com.softdew.vms.edge.ai.models.scene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.EventAccumulator;
import com.softdew.vms.edge.ai.EventAccumulator.ModelEvent;
import com.softdew.vms.edge.ai.FrameGeometry;
import com.softdew.vms.edge.ai.FrameResult;
import com.softdew.vms.edge.ai.FrameView;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.edge.ai.Zone;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs a clip through a model session the way the workers do: in segments of 2 s that overlap by
 * 0.5 s (the overlap frames come again and must not count twice), results into an
 * {@link EventAccumulator}.
 */
final class SceneRun {
  final List<FrameResult> results = new ArrayList<>();
  final List<ModelEvent> events = new ArrayList<>();

  static SceneRun run(AnalyticsModel model, SyntheticClip clip, JsonObject overrides) {
    SceneRun r = new SceneRun();
    List<Zone> zones = clip.zones().stream().map(Zone::parse).toList();
    CameraContext ctx = new CameraContext("tenant-a", "cam-" + clip.name(), zones, model.params().resolve(overrides),
        FrameGeometry.identity(clip.width(), clip.height()), clip.fps());
    EventAccumulator acc = new EventAccumulator(400);
    List<FrameView> views = clip.views();
    int seg = (int) Math.round(clip.fps() * 2), overlap = (int) Math.round(clip.fps() * 0.5);
    try (ModelSession s = model.open(ctx)) {
      int from = 0;
      long lastPts = Long.MIN_VALUE;
      while (from < views.size()) {
        int start = Math.max(0, from - overlap);
        List<FrameView> batch = views.subList(start, Math.min(views.size(), from + seg));
        List<FrameResult> out = s.analyze(batch);
        assertEquals(batch.size(), out.size(), "one result per frame");
        for (FrameResult fr : out) {
          if (fr.ptsMs() > lastPts) {
            r.results.add(fr);
            lastPts = fr.ptsMs();
          } else {
            FrameResult first = r.results.get((int) fr.frameIndex());
            assertEquals(first.alarms(), fr.alarms(), "a replayed frame gets its first result");
          }
          r.events.addAll(acc.accept(fr));
        }
        from += seg;
      }
    } finally {
      views.forEach(FrameView::close);
    }
    r.events.addAll(acc.flush());
    if (System.getProperty("debugScenes") != null) r.results.forEach(x -> System.out.println(x.toJson().encode()));
    System.out.println(model.id() + " on " + clip.name() + ": " + r.events.stream().map(e -> e.toJson().encode()).toList());
    return r;
  }

  /** Events of the type (and zone, and key when not null) whose frames overlap the clip's label. */
  List<ModelEvent> matching(SyntheticClip.Label label, String key) {
    return events.stream()
        .filter(e -> e.type().equals(label.eventType()) && Objects.equals(e.zone(), label.zone()) && (key == null || key.equals(e.key())))
        .filter(e -> e.startFrame() <= label.endFrame() && e.endFrame() >= label.startFrame())
        .toList();
  }

  void assertDetected(SyntheticClip clip, String key) {
    assertTrue(!clip.labels().isEmpty(), clip.name() + " is a positive clip");
    for (SyntheticClip.Label l : clip.labels()) {
      assertTrue(!matching(l, key).isEmpty(), clip.name() + ": expected " + l.toJson().encode() + (key == null ? "" : " key " + key) + ", got " + events);
    }
  }

  void assertNone(SyntheticClip clip, String... types) {
    for (String t : types) {
      List<ModelEvent> bad = events.stream().filter(e -> e.type().equals(t)).toList();
      assertTrue(bad.isEmpty(), clip.name() + ": expected no " + t + " event, got " + bad);
    }
  }
}
