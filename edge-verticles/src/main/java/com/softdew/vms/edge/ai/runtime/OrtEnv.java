package com.softdew.vms.edge.ai.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;

/**
 * ONNX Runtime's process-wide environment, created once on a thread with a 16 MiB stack: initialising
 * ONNX Runtime 1.29.0 recurses deeply and overflows a default 1-2 MiB Java thread stack on this
 * machine (SIGSEGV without hs_err, seen with the plain {@code java} launcher; 4 MiB was enough). Every
 * user of ONNX Runtime in the process gets it from here.
 */
public final class OrtEnv {
  private static OrtEnvironment env;

  private OrtEnv() {}

  public static synchronized OrtEnvironment get() throws OrtException {
    if (env != null) return env;
    OrtEnvironment[] made = new OrtEnvironment[1];
    Throwable[] err = new Throwable[1];
    Thread t = new Thread(null, () -> {
      try {
        made[0] = OrtEnvironment.getEnvironment();
      } catch (Throwable e) {
        err[0] = e;
      }
    }, "onnxruntime-init", 16L << 20);
    t.start();
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while ONNX Runtime was initialising", e);
    }
    if (err[0] instanceof OrtException oe) throw oe;
    if (err[0] != null) throw new IllegalStateException("ONNX Runtime did not initialise: " + err[0], err[0]);
    env = made[0];
    return env;
  }

  /** As {@link #get()}, with the checked exception wrapped. */
  public static OrtEnvironment getUnchecked() {
    try {
      return get();
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime did not initialise: " + e.getMessage(), e);
    }
  }
}
