package com.softdew.vms.platform.http;

import io.vertx.core.json.JsonObject;

/** A refusal with a stable problem type, turned into problem+json by the router's failure handler. */
public class ApiException extends RuntimeException {
  private final int status;
  private final String type;
  private final String title;
  private final JsonObject extra;

  public ApiException(int status, String type, String title, String detail, JsonObject extra) {
    super(detail);
    this.status = status;
    this.type = type;
    this.title = title;
    this.extra = extra;
  }

  public static ApiException notFound(String what) {
    return new ApiException(404, "not-found", "Not found", what, null);
  }

  public static ApiException conflict(String detail) {
    return new ApiException(409, "conflict", "Conflict", detail, null);
  }

  public static ApiException invalid(String field, String reason) {
    return new ApiException(400, "validation", "Invalid request", field + " " + reason, new JsonObject().put("field", field));
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String title() {
    return title;
  }

  public JsonObject extra() {
    return extra;
  }
}
