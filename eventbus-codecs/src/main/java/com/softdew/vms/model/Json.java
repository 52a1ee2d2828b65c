package com.softdew.vms.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Field readers for the records' {@code fromJson}: each failure names the field and why, so a bad
 * message or request body is rejected with a message a caller can act on.
 */
public final class Json {
  private Json() {}

  public static String string(JsonObject o, String field) {
    Object v = o.getValue(field);
    if (v == null) throw new InvalidFieldException(field, "is required");
    if (!(v instanceof String s)) throw new InvalidFieldException(field, "must be a string");
    if (s.isBlank()) throw new InvalidFieldException(field, "must not be blank");
    return s;
  }

  public static String optString(JsonObject o, String field) {
    Object v = o.getValue(field);
    if (v == null) return null;
    if (!(v instanceof String s)) throw new InvalidFieldException(field, "must be a string");
    return s;
  }

  public static UUID uuid(JsonObject o, String field) {
    String s = string(o, field);
    try {
      return UUID.fromString(s);
    } catch (IllegalArgumentException e) {
      throw new InvalidFieldException(field, "must be a UUID, got '" + s + "'");
    }
  }

  public static UUID optUuid(JsonObject o, String field) {
    return o.getValue(field) == null ? null : uuid(o, field);
  }

  public static Instant instant(JsonObject o, String field) {
    String s = string(o, field);
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new InvalidFieldException(field, "must be an ISO-8601 UTC timestamp, got '" + s + "'");
    }
  }

  public static long longValue(JsonObject o, String field, long min, long max) {
    Object v = o.getValue(field);
    if (v == null) throw new InvalidFieldException(field, "is required");
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new InvalidFieldException(field, "must be an integer");
    }
    long l = n.longValue();
    if (l < min || l > max) throw new InvalidFieldException(field, "must be in [" + min + ", " + max + "], got " + l);
    return l;
  }

  public static double doubleValue(JsonObject o, String field, double min, double max) {
    Object v = o.getValue(field);
    if (v == null) throw new InvalidFieldException(field, "is required");
    if (!(v instanceof Number n)) throw new InvalidFieldException(field, "must be a number");
    double d = n.doubleValue();
    if (Double.isNaN(d) || d < min || d > max) {
      throw new InvalidFieldException(field, "must be in [" + min + ", " + max + "], got " + d);
    }
    return d;
  }

  public static JsonObject object(JsonObject o, String field) {
    Object v = o.getValue(field);
    if (v == null) throw new InvalidFieldException(field, "is required");
    if (!(v instanceof JsonObject j)) throw new InvalidFieldException(field, "must be an object");
    return j;
  }

  public static List<String> strings(JsonObject o, String field) {
    Object v = o.getValue(field);
    if (v == null) return List.of();
    if (!(v instanceof JsonArray a)) throw new InvalidFieldException(field, "must be an array of strings");
    List<String> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      if (!(a.getValue(i) instanceof String s)) throw new InvalidFieldException(field + "[" + i + "]", "must be a string");
      out.add(s);
    }
    return List.copyOf(out);
  }

  public static byte[] optBytes(JsonObject o, String field) {
    Object v = o.getValue(field);
    if (v == null) return null;
    if (!(v instanceof String s)) throw new InvalidFieldException(field, "must be base64 text");
    try {
      return Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new InvalidFieldException(field, "must be base64 text");
    }
  }

  public static <E extends Enum<E>> E enumValue(Class<E> type, String field, String value) {
    if (value == null) throw new InvalidFieldException(field, "is required");
    try {
      return Enum.valueOf(type, value);
    } catch (IllegalArgumentException e) {
      throw new InvalidFieldException(field, "must be one of " + List.of(type.getEnumConstants()) + ", got '" + value + "'");
    }
  }

  /** Prefixes a nested field failure with its parent, e.g. {@code metadata.sourceQuality.fps}. */
  public static <T> T nested(String parent, java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (InvalidFieldException e) {
      throw new InvalidFieldException(parent + "." + e.field(), e.reason());
    }
  }
}
