package com.softdew.vms.edge.onvif;

import java.util.List;

/**
 * Where each ONVIF service of a device is called; null where the device has none.
 *
 * @param search the recording search service (Profile G), ver10 search
 * @param replay the replay service (Profile G), ver10 replay
 */
public record ServiceEndpoints(String device, String media, String media2, String ptz, String events, String imaging,
    String search, String replay) {

  /** Endpoints from tds:GetServices. */
  public static ServiceEndpoints of(List<OnvifService> services) {
    String device = null, media = null, media2 = null, ptz = null, events = null, imaging = null, search = null,
        replay = null;
    for (OnvifService s : services) {
      switch (s.namespace()) {
        case OnvifNamespaces.TDS -> device = s.xaddr();
        case OnvifNamespaces.TRT -> media = s.xaddr();
        case OnvifNamespaces.TR2 -> media2 = s.xaddr();
        case OnvifNamespaces.TPTZ -> ptz = s.xaddr();
        case OnvifNamespaces.TEV -> events = s.xaddr();
        case OnvifNamespaces.TIMG -> imaging = s.xaddr();
        case OnvifNamespaces.TSE -> search = s.xaddr();
        case OnvifNamespaces.TRP -> replay = s.xaddr();
        default -> { }
      }
    }
    return new ServiceEndpoints(device, media, media2, ptz, events, imaging, search, replay);
  }
}
