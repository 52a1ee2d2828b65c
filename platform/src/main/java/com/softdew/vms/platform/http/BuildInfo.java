package com.softdew.vms.platform.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Facts the build wrote into vms-build.properties: product version, Swagger UI webjar version. */
public final class BuildInfo {
  private static final Properties PROPS = load();

  private BuildInfo() {}

  public static String version() {
    return PROPS.getProperty("vms.version", "dev");
  }

  public static String swaggerUiVersion() {
    return PROPS.getProperty("swaggerUi.version");
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getClassLoader().getResourceAsStream("vms-build.properties")) {
      if (in != null) p.load(in);
    } catch (IOException e) {
      // an unreadable build file only costs the version string
    }
    return p;
  }
}
