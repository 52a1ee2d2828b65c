package com.softdew.vms.platform.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Canonical JSON text of a value, for hashing: object keys sorted recursively (by UTF-16 code units, as in RFC 8785),
 * no whitespace, a fixed string escaping and a value-based rendering of numbers.
 *
 * <p>Why: a hash over {@code JsonObject.encode()} is not reproducible. JSON key order is not stable across stores
 * (Mongo, the driver's codecs and JSON libraries may return fields in a different order than they were written),
 * whitespace and escaping depend on the encoder, and numbers change type on the way through a store (int vs. long,
 * {@code Double.toString} even changed output between JDK 17 and 19). The canonical form depends only on the value:
 *
 * <ul>
 *   <li>objects: {@code {"a":1,"b":2}} with keys sorted; arrays keep their order;
 *   <li>strings: {@code "} and {@code \} escaped, control characters below U+0020 as {@code \}{@code uXXXX}, everything
 *       else verbatim;
 *   <li>numbers: by value, never by Java type; integral values as plain integers ({@code 1}, {@code 1L} and
 *       {@code 1.0} all give {@code 1}), others as the exact plain decimal of the value ({@code 0.5}); NaN and
 *       infinities are refused.
 * </ul>
 */
public final class CanonicalJson {
  private CanonicalJson() {}

  public static String of(Object value) {
    StringBuilder sb = new StringBuilder(256);
    write(sb, value);
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String s) {
      string(sb, s);
    } else if (v instanceof Boolean b) {
      sb.append(b.booleanValue());
    } else if (v instanceof Number n) {
      sb.append(number(n));
    } else if (v instanceof JsonObject o) {
      object(sb, o.getMap());
    } else if (v instanceof Map<?, ?> m) {
      object(sb, m);
    } else if (v instanceof JsonArray a) {
      array(sb, a.getList());
    } else if (v instanceof List<?> l) {
      array(sb, l);
    } else if (v instanceof CharSequence cs) {
      string(sb, cs.toString());
    } else {
      throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }
  }

  private static void object(StringBuilder sb, Map<?, ?> m) {
    List<String> keys = new ArrayList<>(m.size());
    for (Object k : m.keySet()) keys.add(String.valueOf(k));
    Collections.sort(keys); // String.compareTo: UTF-16 code units
    sb.append('{');
    boolean first = true;
    for (String k : keys) {
      if (!first) sb.append(',');
      first = false;
      string(sb, k);
      sb.append(':');
      write(sb, m.get(k));
    }
    sb.append('}');
  }

  private static void array(StringBuilder sb, List<?> l) {
    sb.append('[');
    for (int i = 0; i < l.size(); i++) {
      if (i > 0) sb.append(',');
      write(sb, l.get(i));
    }
    sb.append(']');
  }

  static String number(Number n) {
    if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) return Long.toString(n.longValue());
    if (n instanceof BigInteger bi) return bi.toString();
    BigDecimal d;
    if (n instanceof BigDecimal bd) {
      d = bd;
    } else {
      double x = n.doubleValue();
      if (Double.isNaN(x) || Double.isInfinite(x)) throw new IllegalArgumentException("not a JSON number: " + x);
      d = new BigDecimal(x); // exact binary value: independent of Double.toString's algorithm
    }
    if (d.signum() == 0) return "0";
    d = d.stripTrailingZeros();
    return d.scale() <= 0 ? d.toBigIntegerExact().toString() : d.toPlainString();
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }
}
