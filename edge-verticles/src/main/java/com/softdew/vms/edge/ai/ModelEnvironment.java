package com.softdew.vms.edge.ai;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * What a model may use when the host loads it.
 *
 * @param settings  the process's {@code ai.*} start-up settings as a flat JSON object (keys without
 *                  the "ai." prefix, e.g. "anpr.modelDir", "detector.onnx.path")
 * @param dataDir   the process's data directory (model caches live below it)
 * @param device    where inference runs
 */
public record ModelEnvironment(JsonObject settings, Path dataDir, InferenceDevice device) {}
