package com.softdew.vms.edge.onvif;

import static com.softdew.vms.edge.onvif.OnvifNamespaces.TR2;
import static com.softdew.vms.edge.onvif.OnvifNamespaces.TT;
import static com.softdew.vms.edge.onvif.OnvifNamespaces.WSNT;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.namespace.QName;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * Reads ONVIF response envelopes (as DOM) into records. Paths are namespace-exact XPath with the
 * prefixes of {@link OnvifNamespaces}; the camera's own prefixes do not matter. Each method throws
 * {@link IllegalArgumentException} when the expected response element is missing.
 */
public final class OnvifReplies {
  private OnvifReplies() {}

  private static Element response(Document doc, String qname) {
    Element e = SoapXml.find(doc, "/s:Envelope/s:Body/" + qname);
    if (e == null) throw new IllegalArgumentException("no " + qname + " in the SOAP body");
    return e;
  }

  private static Integer intOrNull(String s) {
    if (s == null) return null;
    try {
      return Integer.valueOf(s.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Double doubleOrNull(String s) {
    if (s == null) return null;
    try {
      return Double.valueOf(s.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  public static DeviceInformation deviceInformation(Document doc) {
    Element r = response(doc, "tds:GetDeviceInformationResponse");
    return new DeviceInformation(SoapXml.text(r, "tds:Manufacturer"), SoapXml.text(r, "tds:Model"),
        SoapXml.text(r, "tds:FirmwareVersion"), SoapXml.text(r, "tds:SerialNumber"),
        SoapXml.text(r, "tds:HardwareId"));
  }

  /** The camera's UTC clock from GetSystemDateAndTime (LocalDateTime taken as UTC when UTC is absent). */
  public static Instant systemDateAndTime(Document doc) {
    Element r = response(doc, "tds:GetSystemDateAndTimeResponse/tds:SystemDateAndTime");
    Element dt = SoapXml.find(r, "tt:UTCDateTime");
    if (dt == null) dt = SoapXml.find(r, "tt:LocalDateTime");
    if (dt == null) throw new IllegalArgumentException("SystemDateAndTime without UTCDateTime");
    Integer y = intOrNull(SoapXml.text(dt, "tt:Date/tt:Year"));
    Integer mo = intOrNull(SoapXml.text(dt, "tt:Date/tt:Month"));
    Integer d = intOrNull(SoapXml.text(dt, "tt:Date/tt:Day"));
    Integer h = intOrNull(SoapXml.text(dt, "tt:Time/tt:Hour"));
    Integer mi = intOrNull(SoapXml.text(dt, "tt:Time/tt:Minute"));
    Integer s = intOrNull(SoapXml.text(dt, "tt:Time/tt:Second"));
    if (y == null || mo == null || d == null || h == null || mi == null || s == null) {
      throw new IllegalArgumentException("incomplete UTCDateTime");
    }
    return LocalDateTime.of(y, mo, d, h, mi, s).toInstant(ZoneOffset.UTC);
  }

  public static List<OnvifService> services(Document doc) {
    List<OnvifService> out = new ArrayList<>();
    for (Element s : SoapXml.findAll(response(doc, "tds:GetServicesResponse"), "tds:Service")) {
      Integer major = intOrNull(SoapXml.text(s, "tds:Version/tt:Major"));
      Integer minor = intOrNull(SoapXml.text(s, "tds:Version/tt:Minor"));
      out.add(new OnvifService(SoapXml.text(s, "tds:Namespace"), SoapXml.text(s, "tds:XAddr"),
          major == null ? 0 : major, minor == null ? 0 : minor));
    }
    return out;
  }

  /** Service addresses from the older GetCapabilities (no Media2 there). */
  public static ServiceEndpoints capabilities(Document doc) {
    Element c = response(doc, "tds:GetCapabilitiesResponse/tds:Capabilities");
    return new ServiceEndpoints(SoapXml.text(c, "tt:Device/tt:XAddr"), SoapXml.text(c, "tt:Media/tt:XAddr"),
        null, SoapXml.text(c, "tt:PTZ/tt:XAddr"), SoapXml.text(c, "tt:Events/tt:XAddr"),
        SoapXml.text(c, "tt:Imaging/tt:XAddr"), SoapXml.text(c, "tt:Extension/tt:Search/tt:XAddr"),
        SoapXml.text(c, "tt:Extension/tt:Replay/tt:XAddr"));
  }

  /** Profiles from either trt:GetProfilesResponse (Media) or tr2:GetProfilesResponse (Media2). */
  public static List<MediaProfile> profiles(Document doc) {
    List<MediaProfile> out = new ArrayList<>();
    Element media1 = SoapXml.find(doc, "/s:Envelope/s:Body/trt:GetProfilesResponse");
    if (media1 != null) {
      for (Element p : SoapXml.findAll(media1, "trt:Profiles")) {
        Element enc = SoapXml.child(p, TT, "VideoEncoderConfiguration");
        Element vsc = SoapXml.child(p, TT, "VideoSourceConfiguration");
        Element ptz = SoapXml.child(p, TT, "PTZConfiguration");
        out.add(profile(p, SoapXml.text(SoapXml.child(p, TT, "Name")), enc, vsc, ptz));
      }
      return out;
    }
    Element media2 = response(doc, "tr2:GetProfilesResponse");
    for (Element p : SoapXml.findAll(media2, "tr2:Profiles")) {
      Element conf = SoapXml.child(p, TR2, "Configurations");
      out.add(profile(p, SoapXml.text(SoapXml.child(p, TR2, "Name")), SoapXml.child(conf, TR2, "VideoEncoder"),
          SoapXml.child(conf, TR2, "VideoSource"), SoapXml.child(conf, TR2, "PTZ")));
    }
    return out;
  }

  private static MediaProfile profile(Element p, String name, Element enc, Element vsc, Element ptz) {
    String encoding = null;
    int w = 0, h = 0;
    Double fps = null;
    Integer bitrate = null;
    if (enc != null) {
      encoding = SoapXml.text(enc, "tt:Encoding");
      Integer wi = intOrNull(SoapXml.text(enc, "tt:Resolution/tt:Width"));
      Integer hi = intOrNull(SoapXml.text(enc, "tt:Resolution/tt:Height"));
      w = wi == null ? 0 : wi;
      h = hi == null ? 0 : hi;
      fps = doubleOrNull(SoapXml.text(enc, "tt:RateControl/tt:FrameRateLimit"));
      bitrate = intOrNull(SoapXml.text(enc, "tt:RateControl/tt:BitrateLimit"));
    }
    return new MediaProfile(p.getAttribute("token"), name, encoding, w, h, fps, bitrate,
        vsc == null ? null : SoapXml.text(vsc, "tt:SourceToken"), ptz == null ? null : SoapXml.attr(ptz, "token"));
  }

  /** The URI of a GetStreamUri or GetSnapshotUri answer, Media (MediaUri/Uri) or Media2 (Uri). */
  public static String mediaUri(Document doc) {
    Element body = SoapXml.find(doc, "/s:Envelope/s:Body");
    Element r = body == null ? null : SoapXml.firstChildElement(body);
    if (r == null) throw new IllegalArgumentException("empty SOAP body");
    String uri = TR2.equals(r.getNamespaceURI()) ? SoapXml.text(r, "tr2:Uri") : SoapXml.text(r, "trt:MediaUri/tt:Uri");
    if (uri == null) throw new IllegalArgumentException("no Uri in " + r.getLocalName());
    return uri;
  }

  public static PtzStatus ptzStatus(Document doc) {
    Element s = response(doc, "tptz:GetStatusResponse/tptz:PTZStatus");
    Element pt = SoapXml.find(s, "tt:Position/tt:PanTilt");
    Element z = SoapXml.find(s, "tt:Position/tt:Zoom");
    Double pan = pt == null ? null : doubleOrNull(SoapXml.attr(pt, "x"));
    Double tilt = pt == null ? null : doubleOrNull(SoapXml.attr(pt, "y"));
    Double zoom = z == null ? null : doubleOrNull(SoapXml.attr(z, "x"));
    return new PtzStatus(pan == null ? 0 : pan, tilt == null ? 0 : tilt, zoom == null ? 0 : zoom,
        SoapXml.text(s, "tt:MoveStatus/tt:PanTilt"), SoapXml.text(s, "tt:MoveStatus/tt:Zoom"),
        SoapXml.text(s, "tt:UtcTime"));
  }

  public static List<PtzPreset> presets(Document doc) {
    List<PtzPreset> out = new ArrayList<>();
    for (Element p : SoapXml.findAll(response(doc, "tptz:GetPresetsResponse"), "tptz:Preset")) {
      Element pt = SoapXml.find(p, "tt:PTZPosition/tt:PanTilt");
      Element z = SoapXml.find(p, "tt:PTZPosition/tt:Zoom");
      out.add(new PtzPreset(p.getAttribute("token"), SoapXml.text(p, "tt:Name"),
          pt == null ? null : doubleOrNull(SoapXml.attr(pt, "x")), pt == null ? null : doubleOrNull(SoapXml.attr(pt, "y")),
          z == null ? null : doubleOrNull(SoapXml.attr(z, "x"))));
    }
    return out;
  }

  public static String presetToken(Document doc) {
    String t = SoapXml.text(response(doc, "tptz:SetPresetResponse"), "tptz:PresetToken");
    if (t == null) throw new IllegalArgumentException("SetPresetResponse without PresetToken");
    return t;
  }

  public static PullPointSubscription pullPointSubscription(Document doc) {
    Element r = response(doc, "tev:CreatePullPointSubscriptionResponse");
    String address = SoapXml.text(r, "tev:SubscriptionReference/wsa:Address");
    if (address == null) throw new IllegalArgumentException("CreatePullPointSubscriptionResponse without Address");
    return new PullPointSubscription(address, SoapXml.text(r, "wsnt:CurrentTime"),
        SoapXml.text(r, "wsnt:TerminationTime"));
  }

  /** Notification messages of a tev:PullMessagesResponse (also accepts a wsnt:Notify body). */
  public static List<OnvifEvent> notifications(Document doc) {
    Element r = SoapXml.find(doc, "/s:Envelope/s:Body/tev:PullMessagesResponse");
    if (r == null) r = response(doc, "wsnt:Notify");
    List<OnvifEvent> out = new ArrayList<>();
    for (Element n : SoapXml.children(r, WSNT, "NotificationMessage")) {
      Element topicEl = SoapXml.child(n, WSNT, "Topic");
      String topic = SoapXml.text(topicEl);
      if (topic != null) {
        QName q = SoapXml.resolveQName(topicEl, topic);
        if (OnvifNamespaces.TNS1.equals(q.getNamespaceURI())) topic = "tns1:" + q.getLocalPart();
      }
      Element msg = SoapXml.find(n, "wsnt:Message/tt:Message");
      Map<String, String> source = new LinkedHashMap<>();
      Map<String, String> data = new LinkedHashMap<>();
      String utc = null, op = null;
      if (msg != null) {
        utc = SoapXml.attr(msg, "UtcTime");
        op = SoapXml.attr(msg, "PropertyOperation");
        for (Element si : SoapXml.findAll(msg, "tt:Source/tt:SimpleItem")) source.put(si.getAttribute("Name"), si.getAttribute("Value"));
        for (Element si : SoapXml.findAll(msg, "tt:Data/tt:SimpleItem")) data.put(si.getAttribute("Name"), si.getAttribute("Value"));
      }
      out.add(new OnvifEvent(topic, utc, op, Collections.unmodifiableMap(source), Collections.unmodifiableMap(data)));
    }
    return out;
  }

  // ------------------------------------------------------------------ Profile G

  /**
   * An xs:dateTime as cameras write it: with Z or an offset, with or without fractions; one without a
   * zone is taken as UTC. Null for null; IllegalArgumentException for garbage.
   */
  public static Instant dateTime(String s) {
    if (s == null) return null;
    String v = s.trim();
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(v).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException("not an xs:dateTime: " + v, e2);
      }
    }
  }

  public static RecordingSummary recordingSummary(Document doc) {
    Element r = response(doc, "tse:GetRecordingSummaryResponse/tse:Summary");
    Integer n = intOrNull(SoapXml.text(r, "tt:NumberRecordings"));
    return new RecordingSummary(dateTime(SoapXml.text(r, "tt:DataFrom")), dateTime(SoapXml.text(r, "tt:DataUntil")),
        n == null ? 0 : n);
  }

  /** The SearchToken of a FindRecordings or FindEvents answer. */
  public static String searchToken(Document doc) {
    Element body = SoapXml.find(doc, "/s:Envelope/s:Body");
    Element r = body == null ? null : SoapXml.firstChildElement(body);
    String t = r == null ? null : SoapXml.text(SoapXml.child(r, OnvifNamespaces.TSE, "SearchToken"));
    if (t == null) throw new IllegalArgumentException("no tse:SearchToken in the answer");
    return t;
  }

  /** One page of tse:GetRecordingSearchResults: the search state and the recordings of this page. */
  public record RecordingResultPage(String searchState, List<RecordingInfo> recordings) {
    public boolean completed() {
      return "Completed".equals(searchState);
    }
  }

  public static RecordingResultPage recordingSearchResults(Document doc) {
    Element r = response(doc, "tse:GetRecordingSearchResultsResponse/tse:ResultList");
    List<RecordingInfo> out = new ArrayList<>();
    for (Element ri : SoapXml.children(r, TT, "RecordingInformation")) out.add(recordingInformation(ri));
    return new RecordingResultPage(SoapXml.text(r, "tt:SearchState"), out);
  }

  /** tse:GetRecordingInformation. */
  public static RecordingInfo recordingInformation(Document doc) {
    return recordingInformation(response(doc, "tse:GetRecordingInformationResponse/tse:RecordingInformation"));
  }

  private static RecordingInfo recordingInformation(Element ri) {
    String token = SoapXml.text(ri, "tt:RecordingToken");
    if (token == null) throw new IllegalArgumentException("RecordingInformation without RecordingToken");
    List<RecordingInfo.Track> tracks = new ArrayList<>();
    for (Element t : SoapXml.children(ri, TT, "Track")) {
      tracks.add(new RecordingInfo.Track(SoapXml.text(t, "tt:TrackToken"), SoapXml.text(t, "tt:TrackType"),
          SoapXml.text(t, "tt:Description"), dateTime(SoapXml.text(t, "tt:DataFrom")),
          dateTime(SoapXml.text(t, "tt:DataTo"))));
    }
    return new RecordingInfo(token, SoapXml.text(ri, "tt:Source/tt:Name"),
        dateTime(SoapXml.text(ri, "tt:EarliestRecording")), dateTime(SoapXml.text(ri, "tt:LatestRecording")),
        SoapXml.text(ri, "tt:Content"), SoapXml.text(ri, "tt:RecordingStatus"), List.copyOf(tracks));
  }

  public static String replayUri(Document doc) {
    String uri = SoapXml.text(response(doc, "trp:GetReplayUriResponse"), "trp:Uri");
    if (uri == null) throw new IllegalArgumentException("GetReplayUriResponse without Uri");
    return uri;
  }
}
