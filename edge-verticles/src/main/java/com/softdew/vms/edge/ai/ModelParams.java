package com.softdew.vms.edge.ai;

import com.softdew.vms.platform.config.ConfigException;
import com.softdew.vms.platform.config.ConfigKey;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's tunable thresholds and parameters: names (relative to the model, e.g. "minAreaPx"),
 * defaults, bounds and documentation, as platform {@link ConfigKey}s so they validate like every other
 * setting. The hierarchical configuration exposes them as {@code models.<id>.params.<name>}.
 */
public final class ModelParams {
  private final String model;
  private final Map<String, ConfigKey> keys = new LinkedHashMap<>();

  public ModelParams(String model, List<ConfigKey> keys) {
    this.model = model;
    for (ConfigKey k : keys) {
      if (k.name().contains(".")) throw new IllegalArgumentException("param " + k.name() + " of " + model + " must be a plain name");
      if (this.keys.put(k.name(), k) != null) throw new IllegalArgumentException("duplicate param " + k.name() + " of " + model);
    }
  }

  public String model() { return model; }

  public java.util.Collection<ConfigKey> keys() { return keys.values(); }

  /** Every param with its default. */
  public JsonObject defaults() {
    return resolve(new JsonObject());
  }

  /**
   * Defaults overlaid with {@code overrides}; an unknown name or a value out of bounds is a
   * {@link ConfigException} naming {@code models.<id>.params.<name>}.
   */
  public JsonObject resolve(JsonObject overrides) {
    JsonObject out = new JsonObject();
    for (String name : overrides.fieldNames()) {
      if (!keys.containsKey(name)) {
        throw new ConfigException("models." + model + ".params." + name, String.valueOf(overrides.getValue(name)),
            "one of " + keys.keySet(), "model parameters");
      }
    }
    for (ConfigKey k : keys.values()) {
      Object raw = overrides.getValue(k.name());
      if (raw instanceof io.vertx.core.json.JsonArray a) raw = a.getList(); // list params arrive as JSON arrays from the config service
      try {
        out.put(k.name(), k.coerce(raw, "model parameters"));
      } catch (ConfigException e) {
        throw new ConfigException("models." + model + ".params." + k.name(), String.valueOf(raw), k.allowedDescription(), "model parameters");
      }
    }
    return out;
  }
}
