package com.softdew.vms.platform.testing;

import com.softdew.vms.platform.config.ConfigLoader;
import com.softdew.vms.platform.config.ConfigSchema;
import com.softdew.vms.platform.config.VmsConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** Start-up configuration for tests: the test profile, no process environment, a private data dir. */
public final class TestConfigs {
  private TestConfigs() {}

  public static VmsConfig create(Path dataDir, Map<String, Object> overrides) {
    VmsConfig base = new ConfigLoader(ConfigSchema.platform()).load("test", null, Map.of(), new Properties());
    Map<String, Object> o = new HashMap<>(overrides);
    o.putIfAbsent("data.dir", dataDir.toString());
    return base.with(o);
  }
}
