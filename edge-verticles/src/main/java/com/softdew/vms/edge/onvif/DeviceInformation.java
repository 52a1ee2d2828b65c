package com.softdew.vms.edge.onvif;

/** Answer of tds:GetDeviceInformation. */
public record DeviceInformation(String manufacturer, String model, String firmwareVersion, String serialNumber,
    String hardwareId) {}
