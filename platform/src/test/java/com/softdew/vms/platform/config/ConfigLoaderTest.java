package com.softdew.vms.platform.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  final ConfigLoader loader = new ConfigLoader(ConfigSchema.platform());

  @Test
  void defaultYamlDocumentsEveryKeyWithTheSchemaDefault() throws Exception {
    VmsConfig c = loader.load(null, null, Map.of(), new Properties());
    for (ConfigKey k : ConfigSchema.platform().keys()) {
      assertEquals("conf/default.yaml", c.origin(k.name()), k.name() + " is missing from conf/default.yaml");
      assertEquals(k.defaultValue(), c.values().get(k.name()), k.name() + ": default.yaml and the schema disagree");
    }
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("conf/default.yaml")) {
      String text = new String(in.readAllBytes());
      for (ConfigKey k : ConfigSchema.platform().keys()) {
        String leaf = k.name().substring(k.name().lastIndexOf('.') + 1);
        int at = text.indexOf("  " + leaf + ":");
        assertTrue(at > 0, leaf);
        String before = text.substring(0, at);
        assertTrue(before.substring(before.lastIndexOf(":\n") + 2).contains("#"), k.name() + " has no comment in default.yaml");
      }
    }
    assertEquals(8080, c.integer("http.port"));
    assertEquals("./data", c.string("data.dir"));
  }

  @Test
  void layersOverrideInOrder(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("site.yaml");
    Files.writeString(conf, "http:\n  port: 9000\nsql:\n  poolSize: 4\ncluster:\n  members: [10.0.0.1, 10.0.0.2:5702]\n");
    Properties props = new Properties();

    VmsConfig profileOnly = loader.load("test", null, Map.of(), props);
    assertEquals(0, profileOnly.integer("http.port"));
    assertEquals("conf/test.yaml", profileOnly.origin("http.port"));

    VmsConfig withFile = loader.load("test", conf, Map.of(), props);
    assertEquals(9000, withFile.integer("http.port"));
    assertEquals(List.of("10.0.0.1", "10.0.0.2:5702"), withFile.list("cluster.members"));

    VmsConfig withEnv = loader.load("test", conf, Map.of("VMS_HTTP_PORT", "9100", "VMS_DATA_DIR", "/srv/vms",
        "VMS_KAFKA_BOOTSTRAP_SERVERS", "k1:9092", "VMS_TEST_MSSQL_URL", "ignored", "PATH", "/bin"), props);
    assertEquals(9100, withEnv.integer("http.port"));
    assertEquals("env VMS_HTTP_PORT", withEnv.origin("http.port"));
    assertEquals("/srv/vms", withEnv.string("data.dir"));
    assertEquals("k1:9092", withEnv.string("kafka.bootstrapServers"));
    assertEquals(4, withEnv.integer("sql.poolSize"));

    props.setProperty("vms.http.port", "9200");
    props.setProperty("vms.cluster.members", "a,b");
    VmsConfig all = loader.load("test", conf, Map.of("VMS_HTTP_PORT", "9100"), props);
    assertEquals(9200, all.integer("http.port"));
    assertEquals("-Dvms.http.port", all.origin("http.port"));
    assertEquals(List.of("a", "b"), all.list("cluster.members"));
    assertEquals(4, all.slice("sql").getInteger("poolSize"));
  }

  @Test
  void unknownKeysAndOutOfRangeValuesAreNamed(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("bad.yaml");
    Files.writeString(conf, "http:\n  prot: 8080\n");
    ConfigException e = assertThrows(ConfigException.class, () -> loader.load(null, conf, Map.of(), new Properties()));
    assertEquals("http.prot", e.key());
    assertTrue(e.getMessage().contains("unknown key"), e.getMessage());

    Files.writeString(conf, "http:\n  port: 70000\n");
    e = assertThrows(ConfigException.class, () -> loader.load(null, conf, Map.of(), new Properties()));
    assertEquals("http.port", e.key());
    assertTrue(e.getMessage().contains("'70000'") && e.getMessage().contains("[0, 65535]"), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), "one line");

    e = assertThrows(ConfigException.class, () -> loader.load(null, null, Map.of("VMS_HTTP_PORT", "eighty"), new Properties()));
    assertEquals("http.port", e.key());
    e = assertThrows(ConfigException.class, () -> loader.load(null, null, Map.of("VMS_NO_SUCH", "1"), new Properties()));
    assertEquals("VMS_NO_SUCH", e.key());
    Properties p = new Properties();
    p.setProperty("vms.log.format", "xml");
    e = assertThrows(ConfigException.class, () -> loader.load(null, null, Map.of(), p));
    assertTrue(e.getMessage().contains("one of [text, json]"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> loader.load("prod", null, Map.of(), new Properties()));
    assertEquals("--profile", e.key());
    e = assertThrows(ConfigException.class, () -> loader.load(null, dir.resolve("missing.yaml"), Map.of(), new Properties()));
    assertEquals("--conf", e.key());
  }

  @Test
  void everyProfileLoads() {
    for (String p : ConfigLoader.PROFILES) loader.load(p, null, Map.of(), new Properties());
    new ObjectMapper(new YAMLFactory()); // jackson-yaml present for --conf files
  }
}
