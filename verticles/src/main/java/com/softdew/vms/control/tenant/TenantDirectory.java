package com.softdew.vms.control.tenant;

import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.store.TenantSql;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's view of every tenant and its licence, reloaded from SQL on change (bus) and
 * periodically: what the per-request checks (IP allowlist, licence expiry, licensed models, camera
 * limit) read without a query.
 */
public final class TenantDirectory {
  /** A tenant with its licence; models are the purchased subset of the 10. */
  public record TenantInfo(String tenantId, String name, String status, String timeZone, List<String> allowlist, Licence licence) {
    public JsonObject toJson() {
      return new JsonObject().put("tenantId", tenantId).put("name", name).put("status", status).put("timeZone", timeZone)
          .put("ipAllowlist", new JsonArray(allowlist)).put("licence", licence == null ? null : licence.toJson());
    }
  }

  /** Camera limit, validity window, licensed models. */
  public record Licence(int cameraLimit, Instant validFrom, Instant validUntil, Set<String> models, int version) {
    public boolean activeAt(Instant t) {
      return !t.isBefore(validFrom) && t.isBefore(validUntil);
    }

    public JsonObject toJson() {
      return new JsonObject().put("cameraLimit", cameraLimit).put("validFrom", validFrom.toString())
          .put("validUntil", validUntil.toString()).put("models", new JsonArray(models.stream().sorted().toList())).put("version", version);
    }
  }

  private final TenantSql sql;
  private final Map<String, TenantInfo> tenants = new ConcurrentHashMap<>();
  private final Map<String, List<IPAddress>> networks = new ConcurrentHashMap<>();

  public TenantDirectory(TenantSql sql) {
    this.sql = sql;
  }

  /** Reloads every tenant (platform-wide read). */
  public Future<Void> reload() {
    return sql.asPlatform(c -> c.query("SELECT t.tenant_id, t.name, t.status, t.time_zone, t.ip_allowlist, l.camera_limit, l.valid_from,"
            + " l.valid_until, l.models, l.version FROM tenant t LEFT JOIN licence l ON l.tenant_id = t.tenant_id").execute())
        .map(rows -> {
          Set<String> seen = new java.util.HashSet<>();
          for (Row r : rows) {
            String id = r.getString(0);
            seen.add(id);
            List<String> allow = splitList(r.getString(4));
            Licence lic = r.getValue(5) == null ? null : new Licence(r.getInteger(5), Instant.parse(r.getString(6)),
                Instant.parse(r.getString(7)), Set.copyOf(splitList(r.getString(8))), r.getInteger(9));
            tenants.put(id, new TenantInfo(id, r.getString(1), r.getString(2), r.getString(3), allow, lic));
            networks.put(id, allow.stream().map(a -> new IPAddressString(a).getAddress()).filter(java.util.Objects::nonNull).toList());
          }
          tenants.keySet().retainAll(seen);
          networks.keySet().retainAll(seen);
          return null;
        });
  }

  static List<String> splitList(String s) {
    if (s == null || s.isBlank()) return List.of();
    return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }

  /** Validates CIDRs (IPv4 and IPv6), naming the offending entry. */
  public static List<String> validateAllowlist(JsonArray list) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Object v = list.getValue(i);
      IPAddress a = v instanceof String s ? new IPAddressString(s).getAddress() : null;
      if (a == null) throw ApiException.invalid("ipAllowlist[" + i + "]", "must be an IP address or CIDR block (e.g. 10.0.0.0/8), got " + v);
      out.add(a.toPrefixBlock().toCanonicalString());
    }
    return out;
  }

  public TenantInfo get(String tenantId) {
    return tenants.get(tenantId);
  }

  public List<TenantInfo> all() {
    return tenants.values().stream().sorted(java.util.Comparator.comparing(TenantInfo::tenantId)).toList();
  }

  /** Is this client address allowed for the tenant? An empty list allows any address. */
  public boolean allows(String tenantId, String ip) {
    List<IPAddress> nets = networks.get(tenantId);
    if (nets == null || nets.isEmpty()) return true;
    if (ip == null) return false;
    IPAddress a = new IPAddressString(ip).getAddress();
    return a != null && nets.stream().anyMatch(n -> n.contains(a));
  }

  /** True when the tenant's licence is missing or not valid now: the API then accepts reads only. */
  public boolean readOnly(String tenantId) {
    TenantInfo t = tenants.get(tenantId);
    return t != null && (t.licence() == null || !t.licence().activeAt(Instant.now()));
  }

  public String licenceEnd(String tenantId) {
    TenantInfo t = tenants.get(tenantId);
    return t == null || t.licence() == null ? "(no licence)" : t.licence().validUntil().toString();
  }

  /** 403 when a model outside the licence is enabled. */
  public void requireModelLicensed(String tenantId, String model) {
    TenantInfo t = tenants.get(tenantId);
    if (t == null || t.licence() == null || !t.licence().models().contains(model)) {
      throw new ApiException(403, "model-not-licensed", "Model not licensed",
          "model '" + model + "' is not in the licence of tenant " + tenantId + " (licensed: "
              + (t == null || t.licence() == null ? "none" : t.licence().models().stream().sorted().toList()) + ")",
          new JsonObject().put("model", model));
    }
  }

  /** 409 naming the limit when one more camera would exceed the licence. */
  public void requireCameraSlot(String tenantId, int camerasNow) {
    TenantInfo t = tenants.get(tenantId);
    int limit = t == null || t.licence() == null ? 0 : t.licence().cameraLimit();
    if (camerasNow + 1 > limit) {
      throw new ApiException(409, "camera-limit", "Camera limit reached",
          "the licence of tenant " + tenantId + " allows " + limit + " cameras", new JsonObject().put("cameraLimit", limit));
    }
  }
}
