package com.softdew.vms.platform.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Loads the start-up configuration in layers, each overriding the one before:
 * {@code conf/default.yaml} → {@code conf/<profile>.yaml} → {@code --conf FILE} → {@code VMS_*}
 * environment → {@code -Dvms.*} system properties. Unknown keys and out-of-range values fail with a
 * {@link ConfigException} naming the key, the value and the allowed range. The YAML files ship on
 * the classpath under {@code conf/} (copied from the repository's {@code conf} folder at build).
 */
public final class ConfigLoader {
  public static final List<String> PROFILES = List.of("dev", "edge", "cloud", "test");
  /** Environment variables with this prefix belong to the test suite, not to the process. */
  static final String TEST_ENV_PREFIX = "VMS_TEST_";

  private final ConfigSchema schema;
  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

  public ConfigLoader(ConfigSchema schema) {
    this.schema = schema;
  }

  public VmsConfig load(String profile, Path confFile, Map<String, String> env, Properties sysProps) {
    Map<String, Object> values = new LinkedHashMap<>();
    Map<String, String> origins = new LinkedHashMap<>();
    for (ConfigKey k : schema.keys()) {
      values.put(k.name(), k.defaultValue());
      origins.put(k.name(), "schema default");
    }
    apply(values, origins, readClasspath("conf/default.yaml", true), "conf/default.yaml");
    if (profile != null) {
      if (!PROFILES.contains(profile)) {
        throw new ConfigException("--profile", profile, "one of " + PROFILES, "command line");
      }
      apply(values, origins, readClasspath("conf/" + profile + ".yaml", true), "conf/" + profile + ".yaml");
    }
    if (confFile != null) apply(values, origins, readFile(confFile), "--conf " + confFile);
    env.forEach((name, v) -> {
      if (!name.startsWith("VMS_") || name.startsWith(TEST_ENV_PREFIX)) return;
      String key = schema.keyForEnv(name.substring(4));
      if (key == null) throw new ConfigException(name, "unknown environment variable (no such configuration key)");
      set(values, origins, key, v, "env " + name);
    });
    for (String name : sysProps.stringPropertyNames()) {
      if (!name.startsWith("vms.")) continue;
      String key = name.substring(4);
      if (schema.key(key) == null) throw new ConfigException(key, "unknown key (from -D" + name + ")");
      set(values, origins, key, sysProps.getProperty(name), "-D" + name);
    }
    return new VmsConfig(values, origins);
  }

  /** Loads from the real process environment and properties. */
  public VmsConfig load(String profile, Path confFile) {
    return load(profile, confFile, System.getenv(), System.getProperties());
  }

  private void apply(Map<String, Object> values, Map<String, String> origins, Map<String, Object> layer, String origin) {
    flatten("", layer, values, origins, origin);
  }

  @SuppressWarnings("unchecked")
  private void flatten(String prefix, Map<String, Object> node, Map<String, Object> values, Map<String, String> origins, String origin) {
    for (Map.Entry<String, Object> e : node.entrySet()) {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue() instanceof Map<?, ?> m && schema.key(key) == null) {
        flatten(key, (Map<String, Object>) m, values, origins, origin);
      } else {
        set(values, origins, key, e.getValue(), origin);
      }
    }
  }

  private void set(Map<String, Object> values, Map<String, String> origins, String key, Object raw, String origin) {
    ConfigKey k = schema.key(key);
    if (k == null) throw new ConfigException(key, "unknown key (from " + origin + ")");
    values.put(key, k.coerce(raw, origin));
    origins.put(key, origin);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> readClasspath(String resource, boolean required) {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        if (required) throw new IllegalStateException("missing " + resource + " on the classpath");
        return Map.of();
      }
      Map<String, Object> m = yaml.readValue(in, Map.class);
      return m == null ? Map.of() : m;
    } catch (IOException e) {
      throw new ConfigException(resource, "cannot be parsed: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> readFile(Path file) {
    if (!Files.isReadable(file)) throw new ConfigException("--conf", "file " + file + " is not readable");
    try {
      Map<String, Object> m = yaml.readValue(file.toFile(), Map.class);
      return m == null ? Map.of() : m;
    } catch (IOException e) {
      throw new ConfigException("--conf", "file " + file + " cannot be parsed: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }
}
