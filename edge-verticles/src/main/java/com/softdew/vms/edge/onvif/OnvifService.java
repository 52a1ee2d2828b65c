package com.softdew.vms.edge.onvif;

/** One entry of tds:GetServices: the service namespace, where to call it, and its version. */
public record OnvifService(String namespace, String xaddr, int major, int minor) {}
