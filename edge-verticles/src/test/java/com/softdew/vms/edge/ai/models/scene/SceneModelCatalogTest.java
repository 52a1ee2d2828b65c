package com.softdew.vms.edge.ai.models.scene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.ModelCatalog;
import com.softdew.vms.edge.job.ModelRequirements;
import com.softdew.vms.model.Priority;
import com.softdew.vms.platform.config.ConfigKey;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The four scene models are registered with ServiceLoader under their seed ids, with documented params. */
class SceneModelCatalogTest {
  @Test
  void registeredUnderSeedIds() {
    Map<String, AnalyticsModel> all = ModelCatalog.load();
    assertInstanceOf(MotionModel.class, all.get("motion"));
    assertInstanceOf(TamperingModel.class, all.get("tampering"));
    assertInstanceOf(FireModel.class, all.get("fire"));
    assertInstanceOf(MissingObjectModel.class, all.get("missingObject"));
    assertEquals(Priority.CRITICAL, all.get("fire").priority());
    for (String id : new String[] {"motion", "tampering", "fire", "missingObject"}) {
      AnalyticsModel m = all.get(id);
      assertTrue(ModelRequirements.models().contains(id));
      assertEquals(id, m.params().model());
      for (ConfigKey k : m.params().keys()) assertTrue(k.doc() != null && !k.doc().isBlank(), id + "." + k.name() + " documented");
      // every default is inside its own bounds: resolving the defaults as overrides passes
      assertEquals(m.params().defaults(), m.params().resolve(m.params().defaults()));
    }
  }
}
