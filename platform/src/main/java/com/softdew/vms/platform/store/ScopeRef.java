package com.softdew.vms.platform.store;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One level of the configuration hierarchy (seed §8): system → customer → site → camera. Every scope
 * belongs to a tenant (system scope to the pseudo-tenant {@value #SYSTEM_TENANT}), and every query
 * about it is filtered by that tenant.
 */
public record ScopeRef(Level level, String tenantId, String id) {
  public static final String SYSTEM_TENANT = "_system";
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  public enum Level {
    SYSTEM, CUSTOMER, SITE, CAMERA;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public ScopeRef {
    if (!ID.matcher(tenantId).matches()) throw new IllegalArgumentException("customerId must match " + ID + ", got '" + tenantId + "'");
    if (!ID.matcher(id).matches()) throw new IllegalArgumentException(level.id() + "Id must match " + ID + ", got '" + id + "'");
    if (level == Level.CUSTOMER && !tenantId.equals(id)) throw new IllegalArgumentException("a customer scope is its own tenant");
    if (level == Level.SYSTEM && !tenantId.equals(SYSTEM_TENANT)) throw new IllegalArgumentException("system scope has no tenant");
  }

  public static ScopeRef system() {
    return new ScopeRef(Level.SYSTEM, SYSTEM_TENANT, "default");
  }

  public static ScopeRef customer(String customerId) {
    return new ScopeRef(Level.CUSTOMER, customerId, customerId);
  }

  public static ScopeRef site(String customerId, String siteId) {
    return new ScopeRef(Level.SITE, customerId, siteId);
  }

  public static ScopeRef camera(String customerId, String cameraId) {
    return new ScopeRef(Level.CAMERA, customerId, cameraId);
  }

  /**
   * Cache key in the seed's layout: config:system:doc, config:customer:{id}:doc, config:site:{id}:doc,
   * config:camera:{id}:doc. Site and camera ids are taken as unique across tenants (UUIDs in the registry);
   * the tenant is still added so that two tenants choosing the same id cannot read each other's entry.
   */
  public String cacheKey() {
    return switch (level) {
      case SYSTEM -> "config:system:doc";
      case CUSTOMER -> "config:customer:" + id + ":doc";
      case SITE, CAMERA -> "config:" + level.id() + ":" + id + ":doc:" + tenantId;
    };
  }

  /** The API notation, also how the effective view names where a value came from: system, customer:acme, camera:acme:cam-1. */
  public String label() {
    return switch (level) {
      case SYSTEM -> "system";
      case CUSTOMER -> "customer:" + id;
      case SITE, CAMERA -> level.id() + ":" + tenantId + ":" + id;
    };
  }
}
