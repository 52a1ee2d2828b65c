package com.softdew.vms.edge.ai.perception;

import com.softdew.vms.edge.ai.ModelEnvironment;
import com.softdew.vms.edge.ai.Perception;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.Locale;

/**
 * Builds the host's shared perception from the {@code ai.*} start-up settings: {@code detector.kind}
 * "hog" (default) → {@link HogDetector}; "onnx" → {@value #ONNX_DETECTOR} loaded reflectively with a
 * {@code (ModelEnvironment)} constructor (it lives in the runtime package, written separately).
 */
public final class Perceptions {
  public static final String ONNX_DETECTOR = "com.softdew.vms.edge.ai.runtime.OnnxYoloDetector";

  private Perceptions() {}

  public static Perception create(ModelEnvironment env) {
    return new DefaultPerception(detector(env), DefaultPerception.Options.defaults(), null);
  }

  /** The detector named by {@code detector.kind}. */
  public static ObjectDetector detector(ModelEnvironment env) {
    String kind = env.settings().getString("detector.kind", "hog").trim().toLowerCase(Locale.ROOT);
    return switch (kind) {
      case "hog" -> new HogDetector();
      case "onnx" -> onnx(env);
      default -> throw new IllegalArgumentException("ai.detector.kind '" + kind + "' is not one of [hog, onnx]");
    };
  }

  private static ObjectDetector onnx(ModelEnvironment env) {
    Class<?> c;
    try {
      c = Class.forName(ONNX_DETECTOR, true, Perceptions.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("ai.detector.kind=onnx needs " + ONNX_DETECTOR + ", which is not in this build", e);
    }
    if (!ObjectDetector.class.isAssignableFrom(c)) {
      throw new IllegalStateException(ONNX_DETECTOR + " does not implement " + ObjectDetector.class.getName());
    }
    try {
      Constructor<?> k = c.getConstructor(ModelEnvironment.class);
      return (ObjectDetector) k.newInstance(env);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(ONNX_DETECTOR + " needs a public constructor (ModelEnvironment)", e);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      throw new IllegalStateException("ONNX detector could not start: " + cause.getMessage(), cause);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("ONNX detector could not be created: " + e, e);
    }
  }
}
