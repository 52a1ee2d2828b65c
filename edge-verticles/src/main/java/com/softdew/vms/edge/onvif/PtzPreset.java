package com.softdew.vms.edge.onvif;

/** A PTZ preset; the position is null where the camera does not report it. */
public record PtzPreset(String token, String name, Double pan, Double tilt, Double zoom) {}
