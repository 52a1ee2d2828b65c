package com.softdew.vms.edge.plugin;

import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The camera plugins on the classpath, by id. */
public final class CameraPlugins {
  private static final Map<String, CameraPlugin> BY_ID = load();

  private CameraPlugins() {}

  private static Map<String, CameraPlugin> load() {
    Map<String, CameraPlugin> m = new TreeMap<>();
    for (CameraPlugin p : ServiceLoader.load(CameraPlugin.class)) m.put(p.id().toLowerCase(Locale.ROOT), p);
    return Map.copyOf(m);
  }

  /** The plugin with this id, or null. */
  public static CameraPlugin get(String id) {
    return id == null ? null : BY_ID.get(id.toLowerCase(Locale.ROOT));
  }

  /** Does any plugin read {@code failure} as a credentials refusal? */
  public static boolean isAuthFailure(Throwable failure) {
    return BY_ID.values().stream().anyMatch(p -> p.isAuthFailure(failure));
  }

  /** The HTTP status of a camera answer carried by {@code failure}, as any plugin reads it; 0 when none does. */
  public static int httpStatus(Throwable failure) {
    return BY_ID.values().stream().mapToInt(p -> p.httpStatus(failure)).max().orElse(0);
  }

  public static java.util.Set<String> ids() {
    return new java.util.TreeSet<>(BY_ID.keySet());
  }
}
