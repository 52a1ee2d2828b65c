package com.softdew.vms.control.config;

import com.softdew.vms.platform.http.ApiException;
import com.softdew.vms.platform.store.ScopeRef;

/** Reads the API's scope notation: system | customer:{c} | site:{c}:{s} | camera:{c}:{cam}. */
public final class ScopeParser {
  private ScopeParser() {}

  public static ScopeRef parse(String field, String text) {
    if (text == null) throw ApiException.invalid(field, "is required");
    String[] p = text.split(":", -1);
    try {
      return switch (p[0]) {
        case "system" -> {
          if (p.length != 1) throw new IllegalArgumentException("system takes no id");
          yield ScopeRef.system();
        }
        case "customer" -> {
          if (p.length != 2) throw new IllegalArgumentException("customer:{customerId}");
          yield ScopeRef.customer(p[1]);
        }
        case "site", "camera" -> {
          if (p.length != 3) throw new IllegalArgumentException(p[0] + ":{customerId}:{" + p[0] + "Id}");
          yield p[0].equals("site") ? ScopeRef.site(p[1], p[2]) : ScopeRef.camera(p[1], p[2]);
        }
        default -> throw new IllegalArgumentException("must start with system, customer, site or camera");
      };
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(field, "'" + text + "' is not a scope: " + e.getMessage());
    }
  }
}
