package com.softdew.vms.platform.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The validated, layered start-up configuration: flat dotted keys with typed values and their origin. */
public final class VmsConfig {
  private final Map<String, Object> values;
  private final Map<String, String> origins;

  public VmsConfig(Map<String, Object> values, Map<String, String> origins) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    this.origins = Collections.unmodifiableMap(new TreeMap<>(origins));
  }

  public String string(String key) {
    return (String) require(key);
  }

  public int integer(String key) {
    return (Integer) require(key);
  }

  public boolean bool(String key) {
    return (Boolean) require(key);
  }

  @SuppressWarnings("unchecked")
  public List<String> list(String key) {
    return (List<String>) require(key);
  }

  /** Where a value came from: "default.yaml", "profile dev", "--conf FILE", "env VMS_X", "-Dvms.x". */
  public String origin(String key) {
    return origins.get(key);
  }

  public Map<String, Object> values() {
    return values;
  }

  /** A copy with some keys replaced (tests, and embedded stores publishing the addresses they bound). */
  public VmsConfig with(Map<String, Object> overrides) {
    Map<String, Object> v = new TreeMap<>(values);
    Map<String, String> o = new TreeMap<>(origins);
    overrides.forEach((k, val) -> {
      require(k);
      v.put(k, val);
      o.put(k, "runtime");
    });
    return new VmsConfig(v, o);
  }

  /** The subtree under a prefix as nested JSON (what a verticle receives as its config). */
  public JsonObject slice(String prefix) {
    JsonObject all = toJson();
    JsonObject cur = all;
    for (String part : prefix.split("\\.")) {
      cur = cur.getJsonObject(part);
      if (cur == null) return new JsonObject();
    }
    return cur;
  }

  /** All keys as nested JSON. */
  public JsonObject toJson() {
    return nest(values);
  }

  /** Dotted keys to nested JSON objects ({@code a.b=1} → {@code {a:{b:1}}}); lists become arrays. */
  public static JsonObject nest(Map<String, Object> flat) {
    JsonObject root = new JsonObject();
    flat.forEach((k, v) -> {
      String[] parts = k.split("\\.");
      JsonObject cur = root;
      for (int i = 0; i < parts.length - 1; i++) {
        JsonObject next = cur.getJsonObject(parts[i]);
        if (next == null) {
          next = new JsonObject();
          cur.put(parts[i], next);
        }
        cur = next;
      }
      cur.put(parts[parts.length - 1], v instanceof List<?> l ? new JsonArray(new java.util.ArrayList<>(l)) : v);
    });
    return root;
  }

  private Object require(String key) {
    if (!values.containsKey(key)) throw new IllegalArgumentException("no configuration key " + key);
    return values.get(key);
  }
}
