package com.softdew.vms.platform.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One documented configuration key with its type, default and bounds (in the spirit of Kafka's
 * {@code ConfigDef}). {@link #coerce} turns a raw value from any layer into the key's type or throws a
 * {@link ConfigException} that names the key, the value and what is allowed.
 */
public record ConfigKey(String name, Type type, Object defaultValue, Double min, Double max, List<String> allowed, String doc) {

  public enum Type { STRING, INT, LONG, DOUBLE, BOOLEAN, LIST }

  public static ConfigKey string(String name, String def, String doc) {
    return new ConfigKey(name, Type.STRING, def, null, null, List.of(), doc);
  }

  public static ConfigKey choice(String name, String def, List<String> allowed, String doc) {
    return new ConfigKey(name, Type.STRING, def, null, null, List.copyOf(allowed), doc);
  }

  public static ConfigKey integer(String name, int def, int min, int max, String doc) {
    return new ConfigKey(name, Type.INT, def, (double) min, (double) max, List.of(), doc);
  }

  public static ConfigKey longKey(String name, long def, long min, long max, String doc) {
    return new ConfigKey(name, Type.LONG, def, (double) min, (double) max, List.of(), doc);
  }

  public static ConfigKey decimal(String name, double def, double min, double max, String doc) {
    return new ConfigKey(name, Type.DOUBLE, def, min, max, List.of(), doc);
  }

  public static ConfigKey bool(String name, boolean def, String doc) {
    return new ConfigKey(name, Type.BOOLEAN, def, null, null, List.of(), doc);
  }

  public static ConfigKey list(String name, List<String> def, String doc) {
    return new ConfigKey(name, Type.LIST, List.copyOf(def), null, null, List.of(), doc);
  }

  /** What may be given, for error messages: "[1, 65535]", "one of [text, json]", "true|false". */
  public String allowedDescription() {
    return switch (type) {
      case INT, LONG -> "integer in [" + min.longValue() + ", " + max.longValue() + "]";
      case DOUBLE -> "number in [" + min + ", " + max + "]";
      case BOOLEAN -> "true or false";
      case LIST -> "a list of strings (YAML list or comma-separated)";
      case STRING -> allowed.isEmpty() ? "a string" : "one of " + allowed;
    };
  }

  /** Converts a raw layer value (YAML scalar, env text, property text) to this key's type, checking bounds. */
  public Object coerce(Object raw, String origin) {
    if (raw == null) return defaultValue;
    try {
      Object v = switch (type) {
        case STRING -> raw instanceof String s ? s : scalarText(raw);
        case INT -> (int) checkRange(toLong(raw));
        case LONG -> checkRange(toLong(raw));
        case DOUBLE -> checkRange(toDouble(raw));
        case BOOLEAN -> toBoolean(raw);
        case LIST -> toList(raw);
      };
      if (type == Type.STRING && !allowed.isEmpty() && !allowed.contains(v)) throw new IllegalArgumentException();
      return v;
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new ConfigException(name, String.valueOf(raw), allowedDescription(), origin);
    }
  }

  private static String scalarText(Object raw) {
    if (raw instanceof java.util.Map || raw instanceof java.util.Collection) throw new IllegalArgumentException();
    return String.valueOf(raw);
  }

  private long checkRange(long v) {
    if (v < min || v > max) throw new IllegalArgumentException();
    return v;
  }

  private double checkRange(double v) {
    if (Double.isNaN(v) || v < min || v > max) throw new IllegalArgumentException();
    return v;
  }

  private static long toLong(Object raw) {
    if (raw instanceof Integer || raw instanceof Long || raw instanceof Short) return ((Number) raw).longValue();
    if (raw instanceof Number n) {
      double d = n.doubleValue();
      if (d != Math.rint(d)) throw new IllegalArgumentException();
      return (long) d;
    }
    if (raw instanceof String s) return Long.parseLong(s.trim().replace("_", ""));
    throw new IllegalArgumentException();
  }

  private static double toDouble(Object raw) {
    if (raw instanceof Number n) return n.doubleValue();
    if (raw instanceof String s) return Double.parseDouble(s.trim());
    throw new IllegalArgumentException();
  }

  private static boolean toBoolean(Object raw) {
    if (raw instanceof Boolean b) return b;
    if (raw instanceof String s) {
      switch (s.trim().toLowerCase(Locale.ROOT)) {
        case "true": return true;
        case "false": return false;
        default: throw new IllegalArgumentException();
      }
    }
    throw new IllegalArgumentException();
  }

  private static List<String> toList(Object raw) {
    List<String> out = new ArrayList<>();
    if (raw instanceof List<?> l) {
      for (Object o : l) out.add(scalarText(o));
    } else if (raw instanceof String s) {
      for (String part : s.split(",")) if (!part.isBlank()) out.add(part.trim());
    } else {
      throw new IllegalArgumentException();
    }
    return List.copyOf(out);
  }
}
