package com.softdew.vms.sim;

/** Video codecs the camera simulator can serve, with their RTP payload formats. */
public enum Codec {
  /** H.264, RTP payload RFC 6184 (single NAL unit and FU-A), dynamic payload type 96. */
  H264("h264", "H264", 96, "h264"),
  /** H.265, RTP payload RFC 7798 (single NAL unit and FU), dynamic payload type 96. */
  H265("hevc", "H265", 96, "h265"),
  /** Motion JPEG, RTP payload RFC 2435, static payload type 26. */
  MJPEG("mjpeg", "JPEG", 26, "mjpeg");

  /** The name ffprobe reports as {@code codec_name}. */
  public final String ffprobeName;
  /** The encoding name of the SDP {@code a=rtpmap} line. */
  public final String rtpEncoding;
  public final int payloadType;
  /** File extension of the pre-encoded elementary stream. */
  public final String extension;

  Codec(String ffprobeName, String rtpEncoding, int payloadType, String extension) {
    this.ffprobeName = ffprobeName;
    this.rtpEncoding = rtpEncoding;
    this.payloadType = payloadType;
    this.extension = extension;
  }

  public static Codec parse(String s) {
    String v = s.trim().toUpperCase(java.util.Locale.ROOT).replace(".", "");
    return switch (v) {
      case "H264", "AVC" -> H264;
      case "H265", "HEVC" -> H265;
      case "MJPEG", "JPEG", "MJPG" -> MJPEG;
      default -> throw new IllegalArgumentException("unknown codec " + s);
    };
  }
}
