package com.softdew.vms.platform.store;

/** The stores a role may need; each becomes a health component of the same name. */
public enum StoreKind {
  SQL("sql"), MONGO("mongo"), CACHE("cache"), KAFKA("kafka");

  private final String id;

  StoreKind(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }
}
