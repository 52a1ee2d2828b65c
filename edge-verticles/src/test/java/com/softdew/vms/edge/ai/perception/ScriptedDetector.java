package com.softdew.vms.edge.ai.perception;

import com.softdew.vms.edge.ai.Detection;
import com.softdew.vms.edge.ai.FrameView;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Test detector returning the known boxes of a scene for each frame (by frame index): exercises gating,
 * tracking and the models' logic without depending on a detector's accuracy. Counts the frames it saw.
 */
public final class ScriptedDetector implements ObjectDetector {
  private final Function<Long, List<Detection>> truth;
  private int frames;
  private int calls;

  public ScriptedDetector(Function<Long, List<Detection>> truthByFrameIndex) {
    this.truth = truthByFrameIndex;
  }

  /** Truth per frame as a list indexed by frame index (empty beyond its end). */
  public static ScriptedDetector of(List<List<Detection>> perFrame) {
    return new ScriptedDetector(i -> i < perFrame.size() ? perFrame.get((int) (long) i) : List.of());
  }

  @Override
  public synchronized List<List<Detection>> detect(List<FrameView> in) {
    calls++;
    List<List<Detection>> out = new ArrayList<>();
    for (FrameView f : in) {
      frames++;
      out.add(truth.apply(f.index()));
    }
    return out;
  }

  public synchronized int frames() { return frames; }

  public synchronized int calls() { return calls; }

  @Override
  public String describe() {
    return "scripted";
  }
}
