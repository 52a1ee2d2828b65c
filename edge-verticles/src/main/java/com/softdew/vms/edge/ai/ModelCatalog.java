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
    return select(ids, List.of());
  }

  /**
   * As {@link #select(Collection)} over the class path's models plus {@code extra} (user models built
   * from configuration); an extra model may not reuse a shipped model's id.
   */
  public static List<AnalyticsModel> select(Collection<String> ids, List<AnalyticsModel> extra) {
    Map<String, AnalyticsModel> all = load();
    for (AnalyticsModel m : extra) {
      if (all.putIfAbsent(m.id(), m) != null) throw new IllegalArgumentException("user model id '" + m.id() + "' is already a shipped model's id");
    }
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
