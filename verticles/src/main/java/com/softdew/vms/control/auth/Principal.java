package com.softdew.vms.control.auth;

/** The authenticated caller of a request (from a verified access token). */
public record Principal(String userId, String tenantId, String username, Role role) {

  /** May this caller act on data of {@code tenantId}? Own tenant, or any tenant for the platform operator. */
  public boolean mayAccessTenant(String tenantId) {
    return role.platform() || this.tenantId.equals(tenantId);
  }

  /** Actor string for audit entries. */
  public String actor() {
    return username + " (" + userId + ")";
  }
}
