package com.softdew.vms.model;

/** A message or request field that is missing or out of range; carries the field path and the reason. */
public class InvalidFieldException extends IllegalArgumentException {
  private final String field;
  private final String reason;

  public InvalidFieldException(String field, String reason) {
    super(field + " " + reason);
    this.field = field;
    this.reason = reason;
  }

  public String field() {
    return field;
  }

  public String reason() {
    return reason;
  }
}
