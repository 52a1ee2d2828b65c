package com.softdew.vms.model;

/** Processing priority of a model, a job and an event (seed §6, §7). */
public enum Priority {
  CRITICAL, HIGH, MEDIUM, STANDARD;

  /** Parses a priority, naming the field on failure. */
  public static Priority parse(String field, String value) {
    return Json.enumValue(Priority.class, field, value);
  }
}
