package com.softdew.vms.edge.ai;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The models this build ships, found with {@link ServiceLoader}. Instances are not initialised: the
 * host calls {@link AnalyticsModel#init} on those it runs.
 */
public final class ModelCatalog {
  private ModelCatalog() {}

  /** Every model on the class path, by id (duplicate ids are a build error). */
  public static Map<String, AnalyticsModel> load() {
    Map<String, AnalyticsModel> out = new LinkedHashMap<>();
    for (AnalyticsModel m : ServiceLoader.load(AnalyticsModel.class, ModelCatalog.class.getClassLoader())) {
      AnalyticsModel prev = out.put(m.id(), m);
      if (prev != null) {
        throw new IllegalStateException("two models with id " + m.id() + ": " + prev.getClass().getName() + " and " + m.getClass().getName());
      }
    }
    return out;
  }

  /**
   * The models named in {@code ids} (all of them when empty); IllegalArgumentException naming the
   * unknown id and the known ones.
   */
  public static List<AnalyticsModel> select(Collection<String> ids) {
    Map<String, AnalyticsModel> all = load();
    if (ids.isEmpty()) return new ArrayList<>(all.values());
    List<AnalyticsModel> out = new ArrayList<>();
    for (String id : ids) {
      AnalyticsModel m = all.get(id.trim());
      if (m == null) throw new IllegalArgumentException("unknown model '" + id + "', known: " + all.keySet());
      out.add(m);
    }
    return out;
  }
}
