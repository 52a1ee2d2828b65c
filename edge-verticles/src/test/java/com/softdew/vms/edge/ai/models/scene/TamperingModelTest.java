package com.softdew.vms.edge.ai.models.scene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import com.softdew.vms.edge.ai.scenes.TamperScenes;
import com.softdew.vms.platform.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class TamperingModelTest {
  private final TamperingModel model = new TamperingModel();

  private void positive(SyntheticClip clip) {
    String kind = TamperScenes.kindOf(clip);
    SceneRun run = SceneRun.run(model, clip, new JsonObject());
    run.assertDetected(clip, kind);
    // the kind raised is the right one: no other kind for more than a blink
    List<String> others = run.events.stream().filter(e -> !kind.equals(e.key()) && e.endFrame() - e.startFrame() > 3).map(e -> e.key()).toList();
    assertTrue(others.isEmpty(), clip.name() + ": other kinds " + others + " in " + run.events);
  }

  @Test
  void coveredLens() {
    positive(TamperScenes.covered(1, 320, 240));
  }

  @Test
  void defocusedLens() {
    positive(TamperScenes.defocused(2, 320, 240));
  }

  @Test
  void movedCamera() {
    positive(TamperScenes.moved(3, 320, 240));
  }

  @Test
  void lightSwitchedOn() {
    positive(TamperScenes.lightChange(4, 320, 240));
  }

  @Test
  void untouchedViewWithAPasserByIsNoTamper() {
    SyntheticClip clip = TamperScenes.untouched(5, 320, 240);
    SceneRun.run(model, clip, new JsonObject()).assertNone(clip, "tampering");
  }

  @Test
  void paramsResolveAndAreChecked() {
    assertEquals(15, model.params().defaults().getInteger("referenceFrames"));
    assertEquals(0.5, model.params().resolve(new JsonObject().put("persistSeconds", 0.5)).getDouble("persistSeconds"));
    assertThrows(ConfigException.class, () -> model.params().resolve(new JsonObject().put("coveredStdRatio", 2)));
  }
}
