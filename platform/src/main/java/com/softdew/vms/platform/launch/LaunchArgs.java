package com.softdew.vms.platform.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Our own command-line options, split from the ones handed to the Vert.x application launcher
 * ({@code --cluster}, {@code --cluster-host}, {@code --cluster-port}, {@code --options}, ...).
 */
public record LaunchArgs(Role role, String profile, Path confFile, boolean clustered, List<String> vertxArgs) {

  public static LaunchArgs parse(String[] args, Role defaultRole) {
    Role role = defaultRole;
    String profile = null;
    Path conf = null;
    boolean clustered = false;
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      switch (name) {
        case "--role", "--profile", "--conf" -> {
          String value;
          if (a.contains("=")) {
            value = a.substring(a.indexOf('=') + 1);
          } else {
            if (i + 1 >= args.length) throw new IllegalArgumentException(name + " needs a value");
            value = args[++i];
          }
          switch (name) {
            case "--role" -> role = Role.parse(value);
            case "--profile" -> profile = value;
            default -> conf = Path.of(value);
          }
        }
        default -> {
          if (a.equals("--cluster") || a.equals("-cluster") || a.equals("-c")) clustered = true;
          rest.add(a);
        }
      }
    }
    return new LaunchArgs(role, profile, conf, clustered, List.copyOf(rest));
  }
}
