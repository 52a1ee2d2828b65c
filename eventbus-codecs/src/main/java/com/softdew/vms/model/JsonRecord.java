package com.softdew.vms.model;

import io.vertx.core.json.JsonObject;

/** A contract record with a stable JSON form (the wire form on the clustered bus and in Kafka). */
public interface JsonRecord {
  JsonObject toJson();
}
