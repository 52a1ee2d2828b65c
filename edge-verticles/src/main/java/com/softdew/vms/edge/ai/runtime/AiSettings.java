package com.softdew.vms.edge.ai.runtime;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@code ai.*} start-up settings handed to models ({@link com.softdew.vms.edge.ai.ModelEnvironment#settings()}):
 * a flat object ({@code "gpu.enabled": true}) as documented, or the same keys nested ({@code "gpu": {"enabled": true}}).
 */
final class AiSettings {
  private AiSettings() {}

  static Object value(JsonObject s, String key) {
    if (s == null) return null;
    if (s.containsKey(key)) return s.getValue(key);
    Object cur = s;
    for (String part : key.split("\\.")) {
      if (!(cur instanceof JsonObject o) || !o.containsKey(part)) return null;
      cur = o.getValue(part);
    }
    return cur;
  }

  static boolean bool(JsonObject s, String key, boolean def) {
    Object v = value(s, key);
    if (v == null) return def;
    if (v instanceof Boolean b) return b;
    String t = v.toString().trim().toLowerCase();
    if (t.equals("true")) return true;
    if (t.equals("false")) return false;
    throw new IllegalArgumentException("ai." + key + " must be true or false, got '" + v + "'");
  }

  static long number(JsonObject s, String key, long def, long min, long max) {
    Object v = value(s, key);
    if (v == null || v.toString().isBlank()) return def;
    long n;
    try {
      n = v instanceof Number num ? num.longValue() : Long.parseLong(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("ai." + key + " must be a whole number, got '" + v + "'");
    }
    if (n < min || n > max) throw new IllegalArgumentException("ai." + key + " must be in [" + min + ", " + max + "], got " + n);
    return n;
  }

  static String string(JsonObject s, String key, String def) {
    Object v = value(s, key);
    return v == null ? def : v.toString();
  }

  /** A list given as a JSON array, a Java list or a comma-separated string; null when absent. */
  static List<String> list(JsonObject s, String key) {
    Object v = value(s, key);
    if (v == null) return null;
    List<String> out = new ArrayList<>();
    if (v instanceof JsonArray a) {
      for (Object o : a) out.add(String.valueOf(o).trim());
    } else if (v instanceof List<?> l) {
      for (Object o : l) out.add(String.valueOf(o).trim());
    } else {
      for (String p : v.toString().split(",")) if (!p.isBlank()) out.add(p.trim());
    }
    return out;
  }
}
