package com.softdew.vms.control.auth;

/** User roles: three inside a tenant, and the platform operator above all tenants. */
public enum Role {
  OPERATOR, ADMIN, SUPERVISOR, VIEWER;

  public boolean platform() {
    return this == OPERATOR;
  }
}
