package com.softdew.vms.control.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a request may do. Every API operation names one in its OpenAPI {@code x-vms-permission}; the
 * matrix below (mirrored in docs/permissions.md, tested row by row) says which roles hold it.
 * Tenant roles act only inside their own tenant; OPERATOR acts on any tenant.
 */
public enum Permission {
  SYSTEM_READ(Role.OPERATOR, Role.ADMIN, Role.SUPERVISOR, Role.VIEWER),
  TENANT_READ(Role.OPERATOR, Role.ADMIN),
  TENANT_CREATE(Role.OPERATOR),
  TENANT_UPDATE(Role.OPERATOR, Role.ADMIN),
  LICENCE_READ(Role.OPERATOR, Role.ADMIN),
  LICENCE_WRITE(Role.OPERATOR),
  USER_READ(Role.OPERATOR, Role.ADMIN, Role.SUPERVISOR),
  USER_WRITE(Role.OPERATOR, Role.ADMIN),
  SITE_READ(Role.OPERATOR, Role.ADMIN, Role.SUPERVISOR, Role.VIEWER),
  SITE_WRITE(Role.OPERATOR, Role.ADMIN),
  CAMERA_READ(Role.OPERATOR, Role.ADMIN, Role.SUPERVISOR, Role.VIEWER),
  CAMERA_WRITE(Role.OPERATOR, Role.ADMIN),
  PTZ_CONTROL(Role.OPERATOR, Role.ADMIN, Role.SUPERVISOR),
  PTZ_CONFIGURE(Role.OPERATOR, Role.ADMIN),
  CONFIG_READ(Role.OPERATOR, Role.ADMIN, Role.SUPERVISOR, Role.VIEWER),
  CONFIG_WRITE(Role.OPERATOR, Role.ADMIN, Role.SUPERVISOR),
  CONFIG_SYSTEM_WRITE(Role.OPERATOR),
  AUDIT_READ(Role.OPERATOR, Role.ADMIN);

  private final Set<Role> roles;

  Permission(Role... roles) {
    this.roles = EnumSet.of(roles[0], roles);
  }

  public boolean grantedTo(Role role) {
    return roles.contains(role);
  }

  public Set<Role> roles() {
    return roles;
  }

  /** "config.write" → CONFIG_WRITE. */
  public static Permission of(String id) {
    return valueOf(id.toUpperCase(Locale.ROOT).replace('.', '_'));
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '.');
  }

  /** The matrix as role → permissions, for the docs endpoint. */
  public static Map<Role, Set<Permission>> matrix() {
    Map<Role, Set<Permission>> m = new java.util.EnumMap<>(Role.class);
    for (Role r : Role.values()) m.put(r, EnumSet.noneOf(Permission.class));
    for (Permission p : values()) for (Role r : p.roles) m.get(r).add(p);
    return m;
  }
}
