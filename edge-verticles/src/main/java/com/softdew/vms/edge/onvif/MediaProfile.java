package com.softdew.vms.edge.onvif;

/**
 * A media profile (Media ver10 or Media2 ver20) reduced to what stream selection needs.
 *
 * @param encoding H264, H265, JPEG or MPEG4 as the camera names it
 * @param fps the encoder's frame-rate limit, null when the profile does not say
 * @param bitrateKbps the encoder's bitrate limit, null when the profile does not say
 * @param ptzConfigurationToken null when the profile has no PTZ configuration
 */
public record MediaProfile(String token, String name, String encoding, int width, int height, Double fps,
    Integer bitrateKbps, String videoSourceToken, String ptzConfigurationToken) {}
