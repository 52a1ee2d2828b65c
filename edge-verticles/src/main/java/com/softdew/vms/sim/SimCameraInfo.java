package com.softdew.vms.sim;

/**
 * What one simulated ONVIF camera reports: identity, its two RTSP streams and the credentials it accepts.
 *
 * @param codec H264, H265 or JPEG
 */
public record SimCameraInfo(String serial, String manufacturer, String model, String firmware, String rtspMain,
    String rtspSub, int mainWidth, int mainHeight, int subWidth, int subHeight, String codec, String user,
    String password) {

  public SimCameraInfo {
    if (!codec.equals("H264") && !codec.equals("H265") && !codec.equals("JPEG")) {
      throw new IllegalArgumentException("codec must be H264, H265 or JPEG, not " + codec);
    }
  }
}
