package com.softdew.vms.control.event;

import com.softdew.vms.control.camera.CameraService;
import com.softdew.vms.control.tenant.TenantDirectory;
import com.softdew.vms.edge.pipeline.CameraPipeline;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps the name-based UUIDs of detections ({@link CameraPipeline#uuidOf}) back to the tenant id and the registry
 * camera id. Tenants come from the {@link TenantDirectory} (kept current by its own reload); a tenant's cameras are
 * listed once and listed again on a miss, at most once per {@link #RELOAD_MS} per tenant (a detection of a deleted
 * camera must not list the registry on every record).
 */
public final class CameraKeys {
  public static final long RELOAD_MS = 5_000;
  public static final int MAX_CAMERAS_PER_TENANT = 100_000;

  /** A resolved camera. */
  public record Key(String tenantId, String cameraKey) {}

  private final TenantDirectory tenants;
  private final CameraService cameras;
  private final Map<String, Map<UUID, String>> byTenant = new ConcurrentHashMap<>();
  private final Map<String, Long> listedAt = new ConcurrentHashMap<>();

  public CameraKeys(TenantDirectory tenants, CameraService cameras) {
    this.tenants = tenants;
    this.cameras = cameras;
  }

  /** The tenant and camera of a detection, or null when either is unknown. */
  public Future<Key> resolve(UUID customerId, UUID cameraId) {
    String tenant = null;
    for (TenantDirectory.TenantInfo t : tenants.all()) {
      if (CameraPipeline.uuidOf("tenant", t.tenantId()).equals(customerId)) {
        tenant = t.tenantId();
        break;
      }
    }
    if (tenant == null) return Future.succeededFuture(null);
    String t = tenant;
    Map<UUID, String> cams = byTenant.get(t);
    String hit = cams == null ? null : cams.get(cameraId);
    if (hit != null) return Future.succeededFuture(new Key(t, hit));
    Long last = listedAt.get(t);
    if (last != null && System.currentTimeMillis() - last < RELOAD_MS) return Future.succeededFuture(null);
    listedAt.put(t, System.currentTimeMillis());
    return cameras.list(t, null, null, null, MAX_CAMERAS_PER_TENANT, 0).map(list -> {
      Map<UUID, String> m = new ConcurrentHashMap<>();
      for (Object o : (JsonArray) list) {
        String id = ((JsonObject) o).getString("cameraId");
        m.put(CameraPipeline.uuidOf("camera", id), id);
      }
      byTenant.put(t, m);
      String id = m.get(cameraId);
      return id == null ? null : new Key(t, id);
    });
  }

  /** Forget a tenant's cameras (a camera was added or removed). */
  public void invalidate(String tenantId) {
    if (tenantId == null) {
      byTenant.clear();
      listedAt.clear();
    } else {
      byTenant.remove(tenantId);
      listedAt.remove(tenantId);
    }
  }
}
