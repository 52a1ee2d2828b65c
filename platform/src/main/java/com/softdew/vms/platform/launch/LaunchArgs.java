package com.softdew.vms.platform.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Our own command-line options, split from the ones handed to the Vert.x application launcher
 * ({@code --cluster}, {@code --cluster-host}, {@code --cluster-port}, {@code --options}, ...).
 */
public record LaunchArgs(Role role, String profile, Path confFile, boolean clustered, List<String> vertxArgs, List<String> models) {

  /** Start-up keys set by our options ({@code --models fire,anpr} → {@code ai.models}); empty when none given. */
  public java.util.Map<String, Object> overrides() {
    return models == null ? java.util.Map.of() : java.util.Map.of("ai.models", models);
  }


  public static LaunchArgs parse(String[] args, Role defaultRole) {
    Role role = defaultRole;
    String profile = null;
    Path conf = null;
    boolean clustered = false;
    List<String> models = null;
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      switch (name) {
        case "--role", "--profile", "--conf", "--models" -> {
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
            case "--models" -> {
              models = new ArrayList<>();
              for (String m : value.split(",")) if (!m.isBlank()) models.add(m.trim());
              if (models.isEmpty()) throw new IllegalArgumentException("--models needs at least one model id, e.g. --models fire,anpr");
              models = List.copyOf(models);
            }
            default -> conf = Path.of(value);
          }
        }
        default -> {
          if (a.equals("--cluster") || a.equals("-cluster") || a.equals("-c")) clustered = true;
          rest.add(a);
        }
      }
    }
    return new LaunchArgs(role, profile, conf, clustered, List.copyOf(rest), models);
  }
}
