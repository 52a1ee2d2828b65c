package com.softdew.vms.edge.ai.models.scene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.softdew.vms.edge.ai.scenes.ObjectScenes;
import com.softdew.vms.edge.ai.scenes.SyntheticClip;
import com.softdew.vms.platform.config.ConfigException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class MissingObjectModelTest {
  private final MissingObjectModel model = new MissingObjectModel();
  /** The clips are 7 s long: thresholds of 2 s instead of the 5 s defaults. */
  private final JsonObject fast = new JsonObject().put("missingSeconds", 2.0).put("abandonedSeconds", 2.0);

  @Test
  void objectTakenFromItsZoneIsMissing() {
    SyntheticClip clip = ObjectScenes.objectRemoved(1, 320, 240);
    SceneRun run = SceneRun.run(model, clip, fast);
    run.assertDetected(clip, null);
    run.assertNone(clip, "abandonedObject");
  }

  @Test
  void objectPassedInFrontOfAndRelitIsNotMissing() {
    SyntheticClip clip = ObjectScenes.objectStays(2, 320, 240);
    SceneRun.run(model, clip, fast).assertNone(clip, "missingObject", "abandonedObject");
  }

  @Test
  void boxLeftBehindIsAbandoned() {
    SyntheticClip clip = ObjectScenes.boxAbandoned(3, 320, 240);
    SceneRun.run(model, clip, fast).assertDetected(clip, null);
  }

  @Test
  void boxCarriedThroughIsNotAbandoned() {
    SyntheticClip clip = ObjectScenes.boxPassing(4, 320, 240);
    SceneRun.run(model, clip, fast).assertNone(clip, "abandonedObject", "missingObject");
  }

  @Test
  void paramsResolveAndAreChecked() {
    assertEquals(5.0, model.params().defaults().getDouble("missingSeconds"));
    assertEquals(2.0, model.params().resolve(fast).getDouble("abandonedSeconds"));
    assertThrows(ConfigException.class, () -> model.params().resolve(new JsonObject().put("missingSeconds", -1)));
  }
}
