package com.softdew.vms.edge.onvif;

import static com.softdew.vms.edge.onvif.OnvifNamespaces.TDS;
import static com.softdew.vms.edge.onvif.OnvifNamespaces.TEV;
import static com.softdew.vms.edge.onvif.OnvifNamespaces.TPTZ;
import static com.softdew.vms.edge.onvif.OnvifNamespaces.TR2;
import static com.softdew.vms.edge.onvif.OnvifNamespaces.TRP;
import static com.softdew.vms.edge.onvif.OnvifNamespaces.TRT;
import static com.softdew.vms.edge.onvif.OnvifNamespaces.TSE;
import static com.softdew.vms.edge.onvif.OnvifNamespaces.TT;
import static com.softdew.vms.edge.onvif.OnvifNamespaces.WSA;
import static com.softdew.vms.edge.onvif.OnvifNamespaces.WSNT;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * Non-blocking ONVIF client for one device (Device, Media, Media2, PTZ, Events pull-point, and the Profile G
 * recording search and replay services) over a Vert.x
 * {@link WebClient}, authenticating every call except GetSystemDateAndTime with a WS-Security
 * UsernameToken digest.
 *
 * <p>The SOAP bodies are written through DOM ({@link SoapMessage}) and answers read with XPath
 * ({@link OnvifReplies}) rather than code generated from the ONVIF WSDLs: JAX-WS stubs for the full
 * ONVIF schema set are very heavy (hundreds of classes and a SOAP runtime) for the handful of
 * operations a VMS calls.
 *
 * <p>Clock: the digest hashes the creation time, and cameras reject tokens whose time is far from their
 * own clock. {@link #connect()} reads the camera clock first and writes every token in camera time; a
 * NotAuthorized answer makes the client re-read the clock once and retry when the offset moved.
 */
public final class OnvifClient {
  /** Difference in camera clock estimates above which a NotAuthorized call is retried. */
  private static final Duration RESYNC_RETRY_THRESHOLD = Duration.ofSeconds(2);
  /** How long the device keeps a search alive between our calls (tse KeepAliveTime). */
  private static final Duration SEARCH_KEEP_ALIVE = Duration.ofSeconds(10);
  /** How long one GetRecordingSearchResults may wait on the device for results. */
  private static final Duration SEARCH_WAIT = Duration.ofSeconds(1);
  /** Results asked per GetRecordingSearchResults page. */
  private static final int SEARCH_PAGE = 50;
  /** Pages after which a search that never says Completed is given up (a broken device must not loop us). */
  private static final int MAX_SEARCH_PAGES = 200;

  private final WebClient web;
  private final String deviceUrl;
  private final String username;
  private final String password;
  private final long timeoutMs;
  private volatile Duration clockOffset = Duration.ZERO;
  private volatile ServiceEndpoints endpoints;
  private volatile boolean preferMedia2 = true;

  /** Writes one operation's content into its element of a request being built. */
  @FunctionalInterface
  private interface BodyWriter {
    void write(SoapMessage m, Element op);
  }

  /**
   * @param deviceUrl the device service, e.g. {@code http://10.0.0.5/onvif/device_service}
   * @param timeout per-request timeout (pull requests add their own wait on top)
   */
  public OnvifClient(WebClient web, String deviceUrl, String username, String password, Duration timeout) {
    this.web = web;
    this.deviceUrl = deviceUrl;
    this.username = username;
    this.password = password;
    this.timeoutMs = timeout.toMillis();
  }

  public OnvifClient(WebClient web, String deviceUrl, String username, String password) {
    this(web, deviceUrl, username, password, Duration.ofSeconds(10));
  }

  /** Whether to use Media2 (Profile T) when the device offers it; Media (Profile S) otherwise. */
  public OnvifClient preferMedia2(boolean prefer) {
    this.preferMedia2 = prefer;
    return this;
  }

  /** Camera clock minus ours, as last measured. */
  public Duration clockOffset() {
    return clockOffset;
  }

  /** Service addresses learnt by {@link #connect()}, or null before. */
  public ServiceEndpoints endpoints() {
    return endpoints;
  }

  public String deviceUrl() {
    return deviceUrl;
  }

  /** Reads the camera clock, then the service addresses (GetServices, or GetCapabilities on old devices). */
  public Future<OnvifClient> connect() {
    return syncClock()
        .compose(off -> getServices().map(ServiceEndpoints::of).recover(err -> {
          if (err instanceof OnvifException oe && !oe.isNotAuthorized() && oe.httpStatus() != 0) return getCapabilities();
          return Future.failedFuture(err);
        }))
        .map(ep -> {
          endpoints = ep;
          return this;
        });
  }

  // ---------------------------------------------------------------- device

  /** Reads the camera clock (unauthenticated, as the ONVIF core spec allows) and stores the offset. */
  public Future<Duration> syncClock() {
    long sent = System.currentTimeMillis();
    return send("GetSystemDateAndTime", deviceUrl, TDS, SoapMessage.request(TDS, "GetSystemDateAndTime"), 0)
        .compose(doc -> parse("GetSystemDateAndTime", doc, OnvifReplies::systemDateAndTime))
        .map(camera -> {
          long received = System.currentTimeMillis();
          // the camera reports whole seconds: its clock is somewhere in [t, t + 1 s), take the middle
          long cameraMs = camera.toEpochMilli() + 500;
          clockOffset = Duration.ofMillis(cameraMs - (sent + received) / 2);
          return clockOffset;
        });
  }

  public Future<DeviceInformation> getDeviceInformation() {
    return call("GetDeviceInformation", device(), TDS, null).compose(d -> parse("GetDeviceInformation", d,
        OnvifReplies::deviceInformation));
  }

  public Future<List<OnvifService>> getServices() {
    return call("GetServices", device(), TDS, (m, op) -> m.add(op, TDS, "IncludeCapability", "false"))
        .compose(d -> parse("GetServices", d, OnvifReplies::services));
  }

  public Future<ServiceEndpoints> getCapabilities() {
    return call("GetCapabilities", device(), TDS, (m, op) -> m.add(op, TDS, "Category", "All"))
        .compose(d -> parse("GetCapabilities", d, OnvifReplies::capabilities));
  }

  // ---------------------------------------------------------------- media

  private boolean useMedia2() {
    ServiceEndpoints ep = endpoints;
    return preferMedia2 && ep != null && ep.media2() != null;
  }

  public Future<List<MediaProfile>> getProfiles() {
    if (useMedia2()) {
      return call("GetProfiles", endpoints.media2(), TR2, (m, op) -> m.add(op, TR2, "Type", "All"))
          .compose(d -> parse("GetProfiles", d, OnvifReplies::profiles));
    }
    return call("GetProfiles", media(), TRT, null).compose(d -> parse("GetProfiles", d, OnvifReplies::profiles));
  }

  /** RTSP URI (RTP over RTSP/TCP, unicast) of a profile. */
  public Future<String> getStreamUri(String profileToken) {
    if (useMedia2()) {
      return call("GetStreamUri", endpoints.media2(), TR2, (m, op) -> {
        m.add(op, TR2, "Protocol", "RTSP");
        m.add(op, TR2, "ProfileToken", profileToken);
      }).compose(d -> parse("GetStreamUri", d, OnvifReplies::mediaUri));
    }
    return call("GetStreamUri", media(), TRT, (m, op) -> {
      Element setup = m.add(op, TRT, "StreamSetup");
      m.add(setup, TT, "Stream", "RTP-Unicast");
      Element transport = m.add(setup, TT, "Transport");
      m.add(transport, TT, "Protocol", "RTSP");
      m.add(op, TRT, "ProfileToken", profileToken);
    }).compose(d -> parse("GetStreamUri", d, OnvifReplies::mediaUri));
  }

  public Future<String> getSnapshotUri(String profileToken) {
    String ns = useMedia2() ? TR2 : TRT;
    String url = useMedia2() ? endpoints.media2() : media();
    return call("GetSnapshotUri", url, ns, (m, op) -> m.add(op, ns, "ProfileToken", profileToken))
        .compose(d -> parse("GetSnapshotUri", d, OnvifReplies::mediaUri));
  }

  // ---------------------------------------------------------------- PTZ

  private static String num(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  private static void vector(SoapMessage m, Element parent, Double pan, Double tilt, Double zoom) {
    if (pan != null || tilt != null) {
      Element pt = m.add(parent, TT, "PanTilt");
      pt.setAttribute("x", num(pan == null ? 0 : pan));
      pt.setAttribute("y", num(tilt == null ? 0 : tilt));
    }
    if (zoom != null) m.add(parent, TT, "Zoom").setAttribute("x", num(zoom));
  }

  /** Moves at the given velocities ([-1, 1]) until {@link #stop} or, when not null, the timeout. */
  public Future<Void> continuousMove(String profileToken, double panSpeed, double tiltSpeed, double zoomSpeed,
      Duration timeout) {
    return call("ContinuousMove", ptz(), TPTZ, (m, op) -> {
      m.add(op, TPTZ, "ProfileToken", profileToken);
      vector(m, m.add(op, TPTZ, "Velocity"), panSpeed, tiltSpeed, zoomSpeed);
      if (timeout != null) m.add(op, TPTZ, "Timeout", timeout.toString());
    }).mapEmpty();
  }

  /** Moves to a position in the generic spaces; a null axis is left where it is. */
  public Future<Void> absoluteMove(String profileToken, Double pan, Double tilt, Double zoom) {
    return call("AbsoluteMove", ptz(), TPTZ, (m, op) -> {
      m.add(op, TPTZ, "ProfileToken", profileToken);
      vector(m, m.add(op, TPTZ, "Position"), pan, tilt, zoom);
    }).mapEmpty();
  }

  /** Moves by a translation in the generic spaces; a null axis does not move. */
  public Future<Void> relativeMove(String profileToken, Double pan, Double tilt, Double zoom) {
    return call("RelativeMove", ptz(), TPTZ, (m, op) -> {
      m.add(op, TPTZ, "ProfileToken", profileToken);
      vector(m, m.add(op, TPTZ, "Translation"), pan, tilt, zoom);
    }).mapEmpty();
  }

  public Future<Void> stop(String profileToken) {
    return call("Stop", ptz(), TPTZ, (m, op) -> {
      m.add(op, TPTZ, "ProfileToken", profileToken);
      m.add(op, TPTZ, "PanTilt", "true");
      m.add(op, TPTZ, "Zoom", "true");
    }).mapEmpty();
  }

  public Future<PtzStatus> getStatus(String profileToken) {
    return call("GetStatus", ptz(), TPTZ, (m, op) -> m.add(op, TPTZ, "ProfileToken", profileToken))
        .compose(d -> parse("GetStatus", d, OnvifReplies::ptzStatus));
  }

  /** Stores the current position; a non-null token overwrites that preset. Returns the preset token. */
  public Future<String> setPreset(String profileToken, String name, String presetToken) {
    return call("SetPreset", ptz(), TPTZ, (m, op) -> {
      m.add(op, TPTZ, "ProfileToken", profileToken);
      m.add(op, TPTZ, "PresetName", name);
      m.add(op, TPTZ, "PresetToken", presetToken);
    }).compose(d -> parse("SetPreset", d, OnvifReplies::presetToken));
  }

  public Future<Void> gotoPreset(String profileToken, String presetToken) {
    return call("GotoPreset", ptz(), TPTZ, (m, op) -> {
      m.add(op, TPTZ, "ProfileToken", profileToken);
      m.add(op, TPTZ, "PresetToken", presetToken);
    }).mapEmpty();
  }

  public Future<List<PtzPreset>> getPresets(String profileToken) {
    return call("GetPresets", ptz(), TPTZ, (m, op) -> m.add(op, TPTZ, "ProfileToken", profileToken))
        .compose(d -> parse("GetPresets", d, OnvifReplies::presets));
  }

  public Future<Void> removePreset(String profileToken, String presetToken) {
    return call("RemovePreset", ptz(), TPTZ, (m, op) -> {
      m.add(op, TPTZ, "ProfileToken", profileToken);
      m.add(op, TPTZ, "PresetToken", presetToken);
    }).mapEmpty();
  }

  // ---------------------------------------------------------------- events

  public Future<PullPointSubscription> createPullPointSubscription(Duration initialTermination) {
    return call("CreatePullPointSubscription", events(), TEV,
        (m, op) -> m.add(op, TEV, "InitialTerminationTime", initialTermination.toString()))
        .compose(d -> parse("CreatePullPointSubscription", d, OnvifReplies::pullPointSubscription));
  }

  /**
   * Pulls queued events; the camera holds the request up to {@code wait} when it has none, so the HTTP
   * timeout is the wait plus the client timeout.
   */
  public Future<List<OnvifEvent>> pullMessages(PullPointSubscription sub, Duration wait, int messageLimit) {
    return call("PullMessages", sub.address(), TEV, (m, op) -> {
      addressing(m, sub.address(), TEV + "/PullPointSubscription/PullMessagesRequest");
      m.add(op, TEV, "Timeout", wait.toString());
      m.add(op, TEV, "MessageLimit", Integer.toString(messageLimit));
    }, wait.toMillis()).compose(d -> parse("PullMessages", d, OnvifReplies::notifications));
  }

  public Future<Void> unsubscribe(PullPointSubscription sub) {
    return call("Unsubscribe", sub.address(), WSNT, (m, op) ->
        addressing(m, sub.address(), WSNT + "/SubscriptionManager/UnsubscribeRequest")).mapEmpty();
  }

  /** Some cameras (Hikvision, Dahua) route pull-point calls by wsa:To rather than by URL. */
  private static void addressing(SoapMessage m, String to, String action) {
    m.add(m.header(), WSA, "Action", action);
    m.add(m.header(), WSA, "To", to);
  }

  // ---------------------------------------------------------------- Profile G: search and replay

  /** tse:GetRecordingSummary: first and last recorded instants and the number of recordings. */
  public Future<RecordingSummary> getRecordingSummary() {
    return call("GetRecordingSummary", search(), TSE, null)
        .compose(d -> parse("GetRecordingSummary", d, OnvifReplies::recordingSummary));
  }

  /**
   * Recordings whose recorded span meets [from, to) (a null bound is open), sorted by their earliest data:
   * FindRecordings, then GetRecordingSearchResults until the device reports the search Completed, then
   * EndSearch (also after a failure, so that the device frees the search).
   *
   * <p>The time window is applied here, on the RecordingInformation returned: tse:FindRecordings has no
   * time criterion (its SearchScope only knows included sources/recordings and an XPath filter over
   * RecordingInformation, which cameras implement unevenly). Searching events or metadata within a window
   * is what FindEvents / FindMetadata are for.
   */
  public Future<List<RecordingInfo>> findRecordings(Instant from, Instant to) {
    return call("FindRecordings", search(), TSE, (m, op) -> {
      m.add(op, TSE, "Scope");
      m.add(op, TSE, "KeepAliveTime", SEARCH_KEEP_ALIVE.toString());
    }).compose(d -> parse("FindRecordings", d, OnvifReplies::searchToken))
        .compose(token -> recordingPages(token, new ArrayList<>(), 0)
            .eventually(() -> endSearch(token).otherwiseEmpty()))
        .map(all -> {
          List<RecordingInfo> out = new ArrayList<>();
          for (RecordingInfo r : all) if (r.overlaps(from, to)) out.add(r);
          out.sort(Comparator.comparing(RecordingInfo::earliest, Comparator.nullsLast(Comparator.naturalOrder())));
          return out;
        });
  }

  private Future<List<RecordingInfo>> recordingPages(String token, List<RecordingInfo> acc, int page) {
    if (page >= MAX_SEARCH_PAGES) {
      return Future.failedFuture(new OnvifException("GetRecordingSearchResults", 200, null,
          "search " + token + " not Completed after " + page + " pages", null));
    }
    return call("GetRecordingSearchResults", search(), TSE, (m, op) -> {
      m.add(op, TSE, "SearchToken", token);
      m.add(op, TSE, "MinResults", "1");
      m.add(op, TSE, "MaxResults", Integer.toString(SEARCH_PAGE));
      m.add(op, TSE, "WaitTime", SEARCH_WAIT.toString());
    }, SEARCH_WAIT.toMillis())
        .compose(d -> parse("GetRecordingSearchResults", d, OnvifReplies::recordingSearchResults))
        .compose(p -> {
          acc.addAll(p.recordings());
          return p.completed() ? Future.succeededFuture(acc) : recordingPages(token, acc, page + 1);
        });
  }

  /** tse:EndSearch: frees a search on the device. */
  public Future<Void> endSearch(String searchToken) {
    return call("EndSearch", search(), TSE, (m, op) -> m.add(op, TSE, "SearchToken", searchToken)).mapEmpty();
  }

  /** tse:GetRecordingInformation of one recording. */
  public Future<RecordingInfo> getRecordingInformation(String recordingToken) {
    return call("GetRecordingInformation", search(), TSE, (m, op) -> m.add(op, TSE, "RecordingToken", recordingToken))
        .compose(d -> parse("GetRecordingInformation", d, OnvifReplies::recordingInformation));
  }

  /**
   * trp:GetReplayUri: the RTSP URI (RTP over RTSP/TCP, unicast) that plays a recording. The position is
   * chosen in the RTSP PLAY ({@code Range: clock=...}, ONVIF Streaming spec, replay).
   */
  public Future<String> getReplayUri(String recordingToken) {
    return call("GetReplayUri", replay(), TRP, (m, op) -> {
      Element setup = m.add(op, TRP, "StreamSetup");
      m.add(setup, TT, "Stream", "RTP-Unicast");
      m.add(m.add(setup, TT, "Transport"), TT, "Protocol", "RTSP");
      m.add(op, TRP, "RecordingToken", recordingToken);
    }).compose(d -> parse("GetReplayUri", d, OnvifReplies::replayUri));
  }

  // ---------------------------------------------------------------- plumbing

  private String search() {
    ServiceEndpoints ep = endpoints;
    return ep != null && ep.search() != null ? ep.search() : deviceUrl;
  }

  private String replay() {
    ServiceEndpoints ep = endpoints;
    return ep != null && ep.replay() != null ? ep.replay() : deviceUrl;
  }

  private String device() {
    ServiceEndpoints ep = endpoints;
    return ep != null && ep.device() != null ? ep.device() : deviceUrl;
  }

  private String media() {
    ServiceEndpoints ep = endpoints;
    return ep != null && ep.media() != null ? ep.media() : deviceUrl;
  }

  private String ptz() {
    ServiceEndpoints ep = endpoints;
    return ep != null && ep.ptz() != null ? ep.ptz() : deviceUrl;
  }

  private String events() {
    ServiceEndpoints ep = endpoints;
    return ep != null && ep.events() != null ? ep.events() : deviceUrl;
  }

  private static <T> Future<T> parse(String op, Document doc, Function<Document, T> reader) {
    try {
      return Future.succeededFuture(reader.apply(doc));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new OnvifException(op, 200, null, "unexpected answer: " + e.getMessage(), e));
    }
  }

  private Future<Document> call(String op, String url, String ns, BodyWriter body) {
    return call(op, url, ns, body, 0);
  }

  /** An authenticated call; on NotAuthorized the camera clock is re-read once and the call retried if it moved. */
  private Future<Document> call(String op, String url, String ns, BodyWriter body, long extraTimeoutMs) {
    return attempt(op, url, ns, body, extraTimeoutMs).recover(err -> {
      if (!(err instanceof OnvifException oe) || !oe.isNotAuthorized()) return Future.failedFuture(err);
      Duration before = clockOffset;
      return syncClock().transform(ar -> {
        if (ar.succeeded() && ar.result().minus(before).abs().compareTo(RESYNC_RETRY_THRESHOLD) > 0) {
          return attempt(op, url, ns, body, extraTimeoutMs);
        }
        return Future.failedFuture(err);
      });
    });
  }

  private Future<Document> attempt(String op, String url, String ns, BodyWriter body, long extraTimeoutMs) {
    SoapMessage m = SoapMessage.request(ns, op);
    if (username != null && password != null) {
      WsUsernameToken.addTo(m, username, password, Instant.now().plus(clockOffset));
    }
    if (body != null) body.write(m, m.operation());
    return send(op, url, ns, m, extraTimeoutMs);
  }

  private Future<Document> send(String op, String url, String ns, SoapMessage m, long extraTimeoutMs) {
    return web.postAbs(url)
        .timeout(timeoutMs + extraTimeoutMs)
        .putHeader("Content-Type", "application/soap+xml; charset=utf-8; action=\"" + ns + "/" + op + "\"")
        .sendBuffer(Buffer.buffer(m.toBytes()))
        .transform(ar -> ar.succeeded() ? answer(op, ar.result())
            : Future.failedFuture(new OnvifException(op, 0, null, String.valueOf(ar.cause().getMessage()), ar.cause())));
  }

  private static Future<Document> answer(String op, HttpResponse<Buffer> resp) {
    int status = resp.statusCode();
    Buffer b = resp.body();
    Document doc = null;
    if (b != null && b.length() > 0) {
      try {
        doc = SoapXml.parse(b.getBytes());
      } catch (SoapXml.MalformedXmlException e) {
        if (status / 100 == 2) return Future.failedFuture(new OnvifException(op, status, null, e.getMessage(), e));
      }
    }
    SoapFault fault = doc == null ? null : SoapFault.from(doc);
    if (fault != null) return Future.failedFuture(new OnvifException(op, status, fault, null, null));
    if (status / 100 != 2) return Future.failedFuture(new OnvifException(op, status, null, null, null));
    if (doc == null) return Future.failedFuture(new OnvifException(op, status, null, "empty answer", null));
    return Future.succeededFuture(doc);
  }
}
