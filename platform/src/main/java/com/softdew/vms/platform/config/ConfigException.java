package com.softdew.vms.platform.config;

/** A configuration value that is unknown or out of range; the message is the one line printed at exit. */
public class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, String value, String allowed, String origin) {
    super("invalid configuration: key '" + key + "' = '" + value + "' (from " + origin + "): allowed " + allowed);
    this.key = key;
  }

  public ConfigException(String key, String message) {
    super("invalid configuration: key '" + key + "': " + message);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
