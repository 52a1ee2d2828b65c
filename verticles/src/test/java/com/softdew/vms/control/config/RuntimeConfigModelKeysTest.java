package com.softdew.vms.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.ai.AnalyticsModel;
import com.softdew.vms.edge.ai.CameraContext;
import com.softdew.vms.edge.ai.ModelParams;
import com.softdew.vms.edge.ai.ModelSession;
import com.softdew.vms.platform.config.ConfigException;
import com.softdew.vms.platform.config.ConfigKey;
import com.softdew.vms.platform.config.ConfigSchema;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Model zones and parameters as runtime configuration keys (AI workers). */
class RuntimeConfigModelKeysTest {
  static final class Crowd implements AnalyticsModel {
    @Override public String id() { return "crowd"; }
    @Override public ModelParams params() {
      return new ModelParams("crowd", List.of(ConfigKey.integer("maxPeople", 10, 1, 1000, "people before the alarm"),
          ConfigKey.decimal("minConfidence", 0.4, 0, 1, "weakest person kept")));
    }
    @Override public ModelSession open(CameraContext camera) { throw new UnsupportedOperationException(); }
  }

  @Test
  void zonesForEverySeedModelAndParamsOfLoadedModels() {
    ConfigSchema schema = new ConfigSchema(RuntimeConfigSchema.modelKeys(List.of(new Crowd())));
    for (String[] m : RuntimeConfigSchema.MODELS) assertNotNull(schema.key("models." + m[0] + ".zones"), m[0]);
    ConfigKey max = schema.key("models.crowd.params.maxPeople");
    assertEquals(10, max.defaultValue());
    assertEquals(25, max.coerce(25, "test"));
    ConfigException e = assertThrows(ConfigException.class, () -> max.coerce(0, "test"));
    assertTrue(e.getMessage().contains("models.crowd.params.maxPeople"), e.getMessage());
    assertEquals(0.4, schema.key("models.crowd.params.minConfidence").defaultValue());
    assertNull(schema.key("models.fire.params.maxPeople"));
    assertEquals(List.of("door=0,0;10,0;10,10", "hall=5,5;9,5;9,9"),
        schema.key("models.crowd.zones").coerce(List.of("door=0,0;10,0;10,10", "hall=5,5;9,5;9,9"), "test"));
  }

  @Test
  void theRuntimeSchemaStillBuilds() {
    ConfigSchema s = RuntimeConfigSchema.create();
    assertNotNull(s.key("models.fire.zones"));
    assertNotNull(s.key("models.fire.enabled"));
  }
}
