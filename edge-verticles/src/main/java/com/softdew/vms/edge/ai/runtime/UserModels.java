package com.softdew.vms.edge.ai.runtime;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Builds the user ONNX models of start-up key {@code ai.userModels} (one {@link UserOnnxModel} per entry). */
public final class UserModels {
  private UserModels() {}

  /**
   * One model per spec, not initialised; IllegalArgumentException naming {@code ai.userModels[i]} and
   * the field for a bad entry, and for two entries with the same id.
   */
  public static List<UserOnnxModel> parse(List<String> specs) {
    List<UserOnnxModel> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < specs.size(); i++) {
      UserOnnxModel.Spec s = UserOnnxModel.Spec.parse("ai.userModels[" + i + "]", specs.get(i));
      if (!ids.add(s.id())) throw new IllegalArgumentException("ai.userModels[" + i + "] '" + specs.get(i) + "': field id: '" + s.id()
          + "' is used by an earlier entry");
      out.add(new UserOnnxModel(s));
    }
    return out;
  }

  /** From the {@code ai.*} settings ({@code userModels}); empty when unset. */
  public static List<UserOnnxModel> fromSettings(JsonObject aiSettings) {
    Object v = AiSettings.value(aiSettings, "userModels");
    if (v == null) return List.of();
    // a single spec given as a string holds commas (classes=a,b): never split it
    if (v instanceof String str) return str.isBlank() ? List.of() : parse(List.of(str));
    return parse(AiSettings.list(aiSettings, "userModels"));
  }
}
