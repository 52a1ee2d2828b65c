package com.softdew.vms.sim;

import com.softdew.vms.sim.Codec;
import io.vertx.core.Future;
import java.io.IOException;
import java.net.ServerSocket;

/** Test support: one simulated camera of a codec on a free RTSP port. */
public final class SimCameras {
  private SimCameras() {}

  /** A port nobody listens on right now. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts one camera of {@code codec} on a free port. */
  public static Future<CameraSimulator.Descriptor> one(CameraSimulator sim, Codec codec) throws IOException {
    return sim.start(1, codec, freePort()).map(l -> l.get(0));
  }
}
