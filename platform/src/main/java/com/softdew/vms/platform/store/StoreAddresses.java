package com.softdew.vms.platform.store;

/**
 * Where each store really is once embedded defaults have been started: what clients connect to,
 * and whether the address is embedded (shown by /health/detailed).
 */
public record StoreAddresses(
    String sqlDialect, String sqlUrl, boolean sqlEmbedded,
    String mongoUrl, String mongoDatabase, boolean mongoEmbedded,
    String redisUrl,
    String kafkaBootstrap, boolean kafkaEmbedded) {

  /** Connection URL with the password masked, for logs and health output. */
  public static String redact(String url) {
    if (url == null) return null;
    return url.replaceAll("(://[^:/@]+:)[^@]*@", "$1***@");
  }
}
