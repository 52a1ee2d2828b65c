package com.softdew.vms.sim;

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

import com.softdew.vms.edge.onvif.OnvifNamespaces;
import com.softdew.vms.edge.onvif.SoapFault;
import com.softdew.vms.edge.onvif.SoapMessage;
import com.softdew.vms.edge.onvif.SoapXml;
import com.softdew.vms.edge.onvif.WsUsernameToken;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A simulated ONVIF camera: SOAP 1.2 over HTTP for Device, Media (Profile S, ver10), Media2 (Profile T,
 * ver20), PTZ, Events (pull point), and Profile G's recording Search and Replay services (ver10) over the
 * camera's {@link SimSdCard}, for one {@link SimCameraInfo}.
 *
 * <p>Profile G, what is simulated: GetRecordingSummary; FindRecordings (Scope IncludedRecordings and
 * IncludedSources honoured, MaxMatches, KeepAliveTime; a RecordingInformationFilter XPath is accepted and
 * ignored: every recording has the one video track such filters usually ask for) then
 * GetRecordingSearchResults, which hands out at most {@link #SEARCH_PAGE} results per call with SearchState
 * Searching until the last one (as a slow SD-card search does, so clients must page), then EndSearch;
 * GetRecordingInformation; GetReplayUri (an {@code rtsp://.../replay/<token>} URL on the RTSP server of
 * {@link SimCameraInfo#rtspMain()}), GetReplayConfiguration, GetServiceCapabilities of both. Not simulated:
 * FindEvents / FindPTZPosition / FindMetadata, the recording control service (CreateRecording ...).
 *
 * <p>Authentication follows the ONVIF core spec: every operation but GetSystemDateAndTime needs a
 * WS-Security UsernameToken with PasswordDigest whose wsu:Created lies within
 * {@link #CLOCK_TOLERANCE} of the camera clock (which {@link #setClockOffset} can put off, as real
 * cameras' clocks often are) and whose nonce was not seen before. A failure answers HTTP <b>400</b> with
 * the SOAP fault env:Sender / ter:NotAuthorized, as the spec asks for WS-Security failures (cameras
 * that also do HTTP digest answer 401 to that layer; this one does not do HTTP digest).
 *
 * <p>Quirks kept on purpose: Media (ver10) reports {@code H265} for an H.265 camera, as many real
 * cameras do although the ver10 schema only enumerates JPEG/MPEG4/H264; Media2 is the accurate source.
 * Absolute and relative moves and presets arrive instantly; continuous moves integrate over time
 * ({@link SimPtzHead}). Other faults: unknown profile gives Sender/InvalidArgVal/NoProfile, unknown
 * preset Sender/InvalidArgVal/NoToken, unknown operation Receiver/ActionNotSupported (HTTP 500).
 *
 * <p>The envelopes are built with DOM ({@link SoapMessage}), not from WSDL-generated stubs: see there why.
 */
public final class OnvifDeviceServer {
  private static final Logger LOG = LoggerFactory.getLogger(OnvifDeviceServer.class);

  public static final String DEVICE_PATH = "/onvif/device_service";
  public static final String MEDIA_PATH = "/onvif/media_service";
  public static final String MEDIA2_PATH = "/onvif/media2_service";
  public static final String PTZ_PATH = "/onvif/ptz_service";
  public static final String EVENTS_PATH = "/onvif/events_service";
  public static final String PULLPOINT_PATH = "/onvif/pullpoint/";
  public static final String SNAPSHOT_PATH = "/onvif/snapshot/";
  public static final String SEARCH_PATH = "/onvif/search_service";
  public static final String REPLAY_PATH = "/onvif/replay_service";
  /** Most results one GetRecordingSearchResults returns, whatever MaxResults asks. */
  public static final int SEARCH_PAGE = 2;
  /** How far wsu:Created may be from the camera clock. */
  public static final Duration CLOCK_TOLERANCE = Duration.ofSeconds(60);
  /** Frame rates the simulated encoders report (SimCameraInfo carries resolutions only). */
  public static final int MAIN_FPS = 25, SUB_FPS = 15;

  private static final int MAX_BODY = 256 * 1024;
  private static final int MAX_PRESETS = 100;
  private static final int MAX_SUBSCRIPTIONS = 16;
  private static final int MAX_QUEUED_EVENTS = 256;
  private static final int MAX_REMEMBERED_NONCES = 4096;
  private static final Duration DEFAULT_PTZ_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration MAX_PULL_WAIT = Duration.ofSeconds(60);
  private static final int MAX_SEARCHES = 8;
  private static final Duration DEFAULT_SEARCH_KEEP_ALIVE = Duration.ofSeconds(10);
  private static final Duration MAX_SEARCH_KEEP_ALIVE = Duration.ofMinutes(5);
  private static final String VIDEO_SOURCE = "vidsrc0";

  private final Vertx vertx;
  private final SimCameraInfo info;
  private final String host;
  private final int requestedPort;
  private final String endpointReference;
  private final SimPtzHead ptz = new SimPtzHead();
  private final Map<String, Preset> presets = new LinkedHashMap<>();
  private final Map<String, Subscription> subscriptions = new HashMap<>();
  private final SimSdCard sdCard;
  private final Map<String, Search> searches = new HashMap<>();
  private final Map<String, Boolean> seenNonces = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > MAX_REMEMBERED_NONCES;
    }
  };
  private final AtomicLong ids = new AtomicLong();
  private volatile Duration clockOffset = Duration.ZERO;
  private volatile byte[] snapshot;
  private HttpServer server;
  private int port;

  private record Preset(String token, String name, SimPtzHead.Position position) {}

  private record QueuedEvent(String topic, Instant time, boolean state) {}

  /** A FindRecordings search: recordings not handed out yet, and when the search lapses. */
  private static final class Search {
    final ArrayDeque<SimSdCard.Recording> pending;
    final Duration keepAlive;
    Instant expires;

    Search(List<SimSdCard.Recording> found, Duration keepAlive, Instant now) {
      this.pending = new ArrayDeque<>(found);
      this.keepAlive = keepAlive;
      this.expires = now.plus(keepAlive);
    }
  }

  private static final class Subscription {
    final String id;
    Instant terminates;
    final ArrayDeque<QueuedEvent> queue = new ArrayDeque<>();
    long dropped;
    Runnable waiter;

    Subscription(String id, Instant terminates) {
      this.id = id;
      this.terminates = terminates;
    }
  }

  /** A fault raised by an operation handler, with the HTTP status to send it under. */
  private static final class Fault extends RuntimeException {
    final SoapFault fault;
    final int status;

    Fault(SoapFault fault) {
      super(fault.reason(), null, false, false);
      this.fault = fault;
      this.status = fault.code().equals("Sender") ? 400 : 500;
    }
  }

  public OnvifDeviceServer(Vertx vertx, SimCameraInfo info) {
    this(vertx, info, "127.0.0.1", 0);
  }

  /** @param port 0 for any free port; the SD card holds {@link SimSdCard#lastHour} of now */
  public OnvifDeviceServer(Vertx vertx, SimCameraInfo info, String host, int port) {
    this(vertx, info, host, port, SimSdCard.lastHour(Instant.now()));
  }

  /**
   * @param port 0 for any free port
   * @param sdCard the recordings; pass the RTSP server's {@link RtspCameraServer#sdCard()} so that what the
   *     search service lists is what the replay path plays
   */
  public OnvifDeviceServer(Vertx vertx, SimCameraInfo info, String host, int port, SimSdCard sdCard) {
    this.vertx = vertx;
    this.info = info;
    this.sdCard = sdCard;
    this.host = host;
    this.requestedPort = port;
    this.endpointReference = "urn:uuid:" + UUID.nameUUIDFromBytes(("onvif-sim:" + info.serial()).getBytes(StandardCharsets.UTF_8));
  }

  public Future<OnvifDeviceServer> start() {
    return vertx.createHttpServer().requestHandler(this::handle).listen(requestedPort, host).map(s -> {
      server = s;
      port = s.actualPort();
      LOG.info("ONVIF simulator {} listening on {}", info.serial(), deviceServiceUrl());
      return this;
    });
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  public SimCameraInfo info() {
    return info;
  }

  public int port() {
    return port;
  }

  public String baseUrl() {
    return "http://" + host + ":" + port;
  }

  public String deviceServiceUrl() {
    return baseUrl() + DEVICE_PATH;
  }

  /** WS-Addressing endpoint reference (stable per serial), as WS-Discovery announces it. */
  public String endpointReference() {
    return endpointReference;
  }

  /** ONVIF scopes the camera reports in GetScopes and WS-Discovery. */
  public List<String> scopes() {
    return List.of(
        "onvif://www.onvif.org/type/video_encoder",
        "onvif://www.onvif.org/type/ptz",
        "onvif://www.onvif.org/Profile/Streaming",
        "onvif://www.onvif.org/Profile/T",
        "onvif://www.onvif.org/Profile/G",
        "onvif://www.onvif.org/hardware/" + scopeValue(info.model()),
        "onvif://www.onvif.org/name/" + scopeValue(info.manufacturer() + "_" + info.model()),
        "onvif://www.onvif.org/location/country/simulated",
        "onvif://www.onvif.org/serial/" + scopeValue(info.serial()));
  }

  private static String scopeValue(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Puts the camera clock off by this much (it is what GetSystemDateAndTime reports and digests are checked against). */
  public void setClockOffset(Duration offset) {
    this.clockOffset = offset;
  }

  public Instant cameraNow() {
    return Instant.now().plus(clockOffset);
  }

  /** The PTZ head, for tests that read the position without going through SOAP. */
  public SimPtzHead ptz() {
    return ptz;
  }

  public SimSdCard sdCard() {
    return sdCard;
  }

  /** Searches not ended nor lapsed, for tests that check EndSearch freed them. */
  public int openSearches() {
    synchronized (searches) {
      expireSearches();
      return searches.size();
    }
  }

  /**
   * Queues an event for every live pull-point subscription and wakes pending PullMessages.
   *
   * @param topic an ONVIF topic such as {@code tns1:VideoSource/MotionAlarm},
   *     {@code tns1:RuleEngine/CellMotionDetector/Motion}, {@code tns1:VideoSource/GlobalSceneChange/ImagingService}
   *     (tamper) or {@code tns1:Device/Trigger/DigitalInput}; {@code tns1:} is added when missing
   */
  public void fireEvent(String topic, boolean state) {
    QueuedEvent e = new QueuedEvent(topic.contains(":") ? topic : "tns1:" + topic, cameraNow(), state);
    List<Runnable> wake = new ArrayList<>();
    synchronized (subscriptions) {
      for (Subscription s : subscriptions.values()) {
        if (s.queue.size() >= MAX_QUEUED_EVENTS) {
          s.queue.removeFirst();
          s.dropped++;
          LOG.warn("ONVIF simulator {}: pull point {} full, dropped oldest event ({} so far)", info.serial(), s.id, s.dropped);
        }
        s.queue.addLast(e);
        if (s.waiter != null) {
          wake.add(s.waiter);
          s.waiter = null;
        }
      }
    }
    wake.forEach(Runnable::run);
  }

  // ------------------------------------------------------------------ HTTP

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (req.method() == HttpMethod.GET && path.startsWith(SNAPSHOT_PATH)) {
      snapshot().onComplete(ar -> {
        if (ar.failed()) req.response().setStatusCode(500).end();
        else req.response().putHeader("Content-Type", "image/jpeg").end(Buffer.buffer(ar.result()));
      });
      return;
    }
    boolean soapPath = path.equals(DEVICE_PATH) || path.equals(MEDIA_PATH) || path.equals(MEDIA2_PATH)
        || path.equals(PTZ_PATH) || path.equals(EVENTS_PATH) || path.startsWith(PULLPOINT_PATH)
        || path.equals(SEARCH_PATH) || path.equals(REPLAY_PATH);
    if (!soapPath) {
      req.response().setStatusCode(404).end();
      return;
    }
    if (req.method() != HttpMethod.POST) {
      req.response().setStatusCode(405).putHeader("Allow", "POST").end();
      return;
    }
    if (declaredLength(req) > MAX_BODY) {
      req.response().setStatusCode(413).end();
      return;
    }
    req.body().compose(body -> dispatch(path, body)).onComplete(ar -> {
      SoapMessage reply;
      int status;
      if (ar.succeeded()) {
        reply = ar.result();
        status = 200;
      } else if (ar.cause() instanceof Fault f) {
        reply = SoapMessage.create().fault(f.fault);
        status = f.status;
      } else {
        LOG.warn("ONVIF simulator {}: {} failed", info.serial(), path, ar.cause());
        reply = SoapMessage.create().fault(SoapFault.receiver("internal error: " + ar.cause().getMessage()));
        status = 500;
      }
      req.response().setStatusCode(status).putHeader("Content-Type", "application/soap+xml; charset=utf-8")
          .end(Buffer.buffer(reply.toBytes()));
    });
  }

  /** Content-Length, 0 when absent, and past any limit when unreadable. */
  private static long declaredLength(HttpServerRequest req) {
    String length = req.getHeader("Content-Length");
    if (length == null) return 0;
    try {
      return Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private Future<SoapMessage> dispatch(String path, Buffer body) {
    try {
      if (body.length() > MAX_BODY) throw new Fault(SoapFault.sender("request too large", "InvalidArgs"));
      Document doc;
      try {
        doc = SoapXml.parse(body.getBytes());
      } catch (SoapXml.MalformedXmlException e) {
        throw new Fault(SoapFault.sender("not well-formed XML", "WellFormed"));
      }
      Element op = SoapXml.firstChildElement(SoapXml.find(doc, "/s:Envelope/s:Body"));
      if (op == null) throw new Fault(SoapFault.sender("no SOAP 1.2 Body with an operation", "WellFormed"));
      String ns = op.getNamespaceURI() == null ? "" : op.getNamespaceURI();
      String name = op.getLocalName();
      if (!(ns.equals(TDS) && name.equals("GetSystemDateAndTime"))) authenticate(doc);
      return operation(ns, name, op, path, doc);
    } catch (Fault f) {
      return Future.failedFuture(f);
    }
  }

  private void authenticate(Document doc) {
    WsUsernameToken token = WsUsernameToken.from(doc);
    if (token == null || !token.username().equals(info.user()) || !token.verifiesDigest(info.password())) {
      throw new Fault(SoapFault.notAuthorized());
    }
    Instant created = token.createdInstant();
    if (created == null || Duration.between(cameraNow(), created).abs().compareTo(CLOCK_TOLERANCE) > 0) {
      throw new Fault(SoapFault.notAuthorized());
    }
    String key = Base64.getEncoder().encodeToString(token.nonce()) + "|" + token.created();
    synchronized (seenNonces) {
      if (seenNonces.put(key, Boolean.TRUE) != null) throw new Fault(SoapFault.notAuthorized());
    }
  }

  private Future<SoapMessage> operation(String ns, String name, Element op, String path, Document doc) {
    switch (ns + "#" + name) {
      case TDS + "#GetSystemDateAndTime": return done(getSystemDateAndTime());
      case TDS + "#GetDeviceInformation": return done(getDeviceInformation());
      case TDS + "#GetCapabilities": return done(getCapabilities());
      case TDS + "#GetServices": return done(getServices());
      case TDS + "#GetScopes": return done(getScopes());
      case TRT + "#GetProfiles": return done(getProfilesMedia1());
      case TRT + "#GetVideoSources": return done(getVideoSources());
      case TRT + "#GetStreamUri": return done(uriMedia1("GetStreamUriResponse", streamUri(profileToken(op, TRT))));
      case TRT + "#GetSnapshotUri": return done(uriMedia1("GetSnapshotUriResponse", snapshotUri(profileToken(op, TRT))));
      case TR2 + "#GetProfiles": return done(getProfilesMedia2(SoapXml.text(SoapXml.child(op, TR2, "Token"))));
      case TR2 + "#GetStreamUri": return done(uriMedia2("GetStreamUriResponse", streamUri(profileToken(op, TR2))));
      case TR2 + "#GetSnapshotUri": return done(uriMedia2("GetSnapshotUriResponse", snapshotUri(profileToken(op, TR2))));
      case TR2 + "#GetVideoSourceConfigurations": return done(getVideoSourceConfigurationsMedia2());
      case TPTZ + "#ContinuousMove": return done(continuousMove(op));
      case TPTZ + "#AbsoluteMove": return done(absoluteMove(op));
      case TPTZ + "#RelativeMove": return done(relativeMove(op));
      case TPTZ + "#Stop": return done(stop(op));
      case TPTZ + "#GetStatus": return done(getStatus(op));
      case TPTZ + "#SetPreset": return done(setPreset(op));
      case TPTZ + "#GetPresets": return done(getPresets(op));
      case TPTZ + "#GotoPreset": return done(gotoPreset(op));
      case TPTZ + "#RemovePreset": return done(removePreset(op));
      case TEV + "#CreatePullPointSubscription": return done(createPullPoint(op));
      case TEV + "#PullMessages": return pullMessages(op, subscriptionId(path, doc));
      case WSNT + "#Renew": return done(renew(op, subscriptionId(path, doc)));
      case WSNT + "#Unsubscribe": return done(unsubscribe(subscriptionId(path, doc)));
      case TSE + "#GetServiceCapabilities": return done(searchCapabilities());
      case TSE + "#GetRecordingSummary": return done(getRecordingSummary());
      case TSE + "#FindRecordings": return done(findRecordings(op));
      case TSE + "#GetRecordingSearchResults": return done(getRecordingSearchResults(op));
      case TSE + "#EndSearch": return done(endSearch(op));
      case TSE + "#GetRecordingInformation": return done(getRecordingInformation(op));
      case TRP + "#GetServiceCapabilities": return done(replayCapabilities());
      case TRP + "#GetReplayUri": return done(getReplayUri(op));
      case TRP + "#GetReplayConfiguration": return done(getReplayConfiguration());
      default: throw new Fault(SoapFault.receiver("operation " + name + " is not supported", "ActionNotSupported"));
    }
  }

  private static Future<SoapMessage> done(SoapMessage m) {
    return Future.succeededFuture(m);
  }

  private static SoapMessage response(String ns, String name) {
    return SoapMessage.request(ns, name);
  }

  // ------------------------------------------------------------------ device

  private SoapMessage getSystemDateAndTime() {
    SoapMessage m = response(TDS, "GetSystemDateAndTimeResponse");
    Element sdt = m.add(m.operation(), TDS, "SystemDateAndTime");
    m.add(sdt, TT, "DateTimeType", "Manual");
    m.add(sdt, TT, "DaylightSavings", "false");
    m.add(m.add(sdt, TT, "TimeZone"), TT, "TZ", "UTC0");
    OffsetDateTime now = cameraNow().atOffset(ZoneOffset.UTC);
    dateTime(m, m.add(sdt, TT, "UTCDateTime"), now);
    dateTime(m, m.add(sdt, TT, "LocalDateTime"), now);
    return m;
  }

  private static void dateTime(SoapMessage m, Element parent, OffsetDateTime t) {
    Element time = m.add(parent, TT, "Time");
    m.add(time, TT, "Hour", Integer.toString(t.getHour()));
    m.add(time, TT, "Minute", Integer.toString(t.getMinute()));
    m.add(time, TT, "Second", Integer.toString(t.getSecond()));
    Element date = m.add(parent, TT, "Date");
    m.add(date, TT, "Year", Integer.toString(t.getYear()));
    m.add(date, TT, "Month", Integer.toString(t.getMonthValue()));
    m.add(date, TT, "Day", Integer.toString(t.getDayOfMonth()));
  }

  private SoapMessage getDeviceInformation() {
    SoapMessage m = response(TDS, "GetDeviceInformationResponse");
    Element r = m.operation();
    m.add(r, TDS, "Manufacturer", info.manufacturer());
    m.add(r, TDS, "Model", info.model());
    m.add(r, TDS, "FirmwareVersion", info.firmware());
    m.add(r, TDS, "SerialNumber", info.serial());
    m.add(r, TDS, "HardwareId", info.model());
    return m;
  }

  private SoapMessage getCapabilities() {
    SoapMessage m = response(TDS, "GetCapabilitiesResponse");
    Element c = m.add(m.operation(), TDS, "Capabilities");
    Element dev = m.add(c, TT, "Device");
    m.add(dev, TT, "XAddr", baseUrl() + DEVICE_PATH);
    Element sys = m.add(dev, TT, "System");
    m.add(sys, TT, "DiscoveryResolve", "false");
    m.add(sys, TT, "DiscoveryBye", "false");
    m.add(sys, TT, "RemoteDiscovery", "false");
    m.add(sys, TT, "SystemBackup", "false");
    m.add(sys, TT, "SystemLogging", "false");
    m.add(sys, TT, "FirmwareUpgrade", "false");
    Element ver = m.add(sys, TT, "SupportedVersions");
    m.add(ver, TT, "Major", "2");
    m.add(ver, TT, "Minor", "60");
    Element ev = m.add(c, TT, "Events");
    m.add(ev, TT, "XAddr", baseUrl() + EVENTS_PATH);
    m.add(ev, TT, "WSSubscriptionPolicySupport", "false");
    m.add(ev, TT, "WSPullPointSupport", "true");
    m.add(ev, TT, "WSPausableSubscriptionManagerInterfaceSupport", "false");
    Element media = m.add(c, TT, "Media");
    m.add(media, TT, "XAddr", baseUrl() + MEDIA_PATH);
    Element sc = m.add(media, TT, "StreamingCapabilities");
    m.add(sc, TT, "RTPMulticast", "false");
    m.add(sc, TT, "RTP_TCP", "true");
    m.add(sc, TT, "RTP_RTSP_TCP", "true");
    m.add(m.add(c, TT, "PTZ"), TT, "XAddr", baseUrl() + PTZ_PATH);
    Element ext = m.add(c, TT, "Extension");
    Element search = m.add(ext, TT, "Search");
    m.add(search, TT, "XAddr", baseUrl() + SEARCH_PATH);
    m.add(search, TT, "MetadataSearch", "false");
    m.add(m.add(ext, TT, "Replay"), TT, "XAddr", baseUrl() + REPLAY_PATH);
    return m;
  }

  private SoapMessage getServices() {
    SoapMessage m = response(TDS, "GetServicesResponse");
    service(m, TDS, DEVICE_PATH, 2, 60);
    service(m, TRT, MEDIA_PATH, 2, 60);
    service(m, TR2, MEDIA2_PATH, 2, 60);
    service(m, TPTZ, PTZ_PATH, 2, 60);
    service(m, TEV, EVENTS_PATH, 2, 60);
    service(m, TSE, SEARCH_PATH, 2, 60);
    service(m, TRP, REPLAY_PATH, 2, 60);
    return m;
  }

  private void service(SoapMessage m, String ns, String path, int major, int minor) {
    Element s = m.add(m.operation(), TDS, "Service");
    m.add(s, TDS, "Namespace", ns);
    m.add(s, TDS, "XAddr", baseUrl() + path);
    Element v = m.add(s, TDS, "Version");
    m.add(v, TT, "Major", Integer.toString(major));
    m.add(v, TT, "Minor", Integer.toString(minor));
  }

  private SoapMessage getScopes() {
    SoapMessage m = response(TDS, "GetScopesResponse");
    for (String scope : scopes()) {
      Element s = m.add(m.operation(), TDS, "Scopes");
      m.add(s, TT, "ScopeDef", "Fixed");
      m.add(s, TT, "ScopeItem", scope);
    }
    return m;
  }

  // ------------------------------------------------------------------ media

  private record Stream(String token, String uri, int width, int height, int fps, int bitrateKbps) {}

  private List<Stream> streams() {
    return List.of(new Stream("main", info.rtspMain(), info.mainWidth(), info.mainHeight(), MAIN_FPS, 4096),
        new Stream("sub", info.rtspSub(), info.subWidth(), info.subHeight(), SUB_FPS, 512));
  }

  private Stream stream(String token) {
    for (Stream s : streams()) if (s.token().equals(token)) return s;
    throw new Fault(SoapFault.sender("no profile " + token, "InvalidArgVal", "NoProfile"));
  }

  private static String profileToken(Element op, String ns) {
    String t = SoapXml.text(SoapXml.child(op, ns, "ProfileToken"));
    if (t == null) throw new Fault(SoapFault.sender("ProfileToken missing", "InvalidArgVal", "NoProfile"));
    return t;
  }

  private void videoSourceConfiguration(SoapMessage m, Element vsc) {
    vsc.setAttribute("token", "vsc0");
    m.add(vsc, TT, "Name", "VideoSourceConfig");
    m.add(vsc, TT, "UseCount", "2");
    m.add(vsc, TT, "SourceToken", "vidsrc0");
    Element b = m.add(vsc, TT, "Bounds");
    b.setAttribute("x", "0");
    b.setAttribute("y", "0");
    b.setAttribute("width", Integer.toString(info.mainWidth()));
    b.setAttribute("height", Integer.toString(info.mainHeight()));
  }

  private void ptzConfiguration(SoapMessage m, Element pc) {
    pc.setAttribute("token", "ptz0");
    m.add(pc, TT, "Name", "PTZ");
    m.add(pc, TT, "UseCount", "2");
    m.add(pc, TT, "NodeToken", "ptznode0");
    m.add(pc, TT, "DefaultAbsolutePantTiltPositionSpace", OnvifNamespaces.PAN_TILT_POSITION_GENERIC);
    m.add(pc, TT, "DefaultAbsoluteZoomPositionSpace", OnvifNamespaces.ZOOM_POSITION_GENERIC);
    m.add(pc, TT, "DefaultRelativePanTiltTranslationSpace", "http://www.onvif.org/ver10/tptz/PanTiltSpaces/TranslationGenericSpace");
    m.add(pc, TT, "DefaultRelativeZoomTranslationSpace", "http://www.onvif.org/ver10/tptz/ZoomSpaces/TranslationGenericSpace");
    m.add(pc, TT, "DefaultContinuousPanTiltVelocitySpace", "http://www.onvif.org/ver10/tptz/PanTiltSpaces/VelocityGenericSpace");
    m.add(pc, TT, "DefaultContinuousZoomVelocitySpace", "http://www.onvif.org/ver10/tptz/ZoomSpaces/VelocityGenericSpace");
    m.add(pc, TT, "DefaultPTZTimeout", DEFAULT_PTZ_TIMEOUT.toString());
  }

  private void encoderBody(SoapMessage m, Element enc, Stream s, boolean media2) {
    m.add(enc, TT, "Name", s.token() + " stream encoder");
    m.add(enc, TT, "UseCount", "1");
    m.add(enc, TT, "Encoding", info.codec());
    Element res = m.add(enc, TT, "Resolution");
    m.add(res, TT, "Width", Integer.toString(s.width()));
    m.add(res, TT, "Height", Integer.toString(s.height()));
    if (!media2) m.add(enc, TT, "Quality", "5");
    Element rc = m.add(enc, TT, "RateControl");
    if (media2) rc.setAttribute("ConstantBitRate", "false");
    m.add(rc, TT, "FrameRateLimit", Integer.toString(s.fps()));
    if (!media2) m.add(rc, TT, "EncodingInterval", "1");
    m.add(rc, TT, "BitrateLimit", Integer.toString(s.bitrateKbps()));
    if (media2) {
      m.add(enc, TT, "Quality", "5");
    } else {
      if (info.codec().equals("H264")) {
        Element h = m.add(enc, TT, "H264");
        m.add(h, TT, "GovLength", Integer.toString(s.fps() * 2));
        m.add(h, TT, "H264Profile", "Main");
      }
      Element mc = m.add(enc, TT, "Multicast");
      Element addr = m.add(mc, TT, "Address");
      m.add(addr, TT, "Type", "IPv4");
      m.add(addr, TT, "IPv4Address", "0.0.0.0");
      m.add(mc, TT, "Port", "0");
      m.add(mc, TT, "TTL", "1");
      m.add(mc, TT, "AutoStart", "false");
      m.add(enc, TT, "SessionTimeout", "PT60S");
    }
  }

  private SoapMessage getProfilesMedia1() {
    SoapMessage m = response(TRT, "GetProfilesResponse");
    for (Stream s : streams()) {
      Element p = m.add(m.operation(), TRT, "Profiles");
      p.setAttribute("token", s.token());
      p.setAttribute("fixed", "true");
      m.add(p, TT, "Name", s.token());
      videoSourceConfiguration(m, m.add(p, TT, "VideoSourceConfiguration"));
      Element enc = m.add(p, TT, "VideoEncoderConfiguration");
      enc.setAttribute("token", "venc_" + s.token());
      encoderBody(m, enc, s, false);
      ptzConfiguration(m, m.add(p, TT, "PTZConfiguration"));
    }
    return m;
  }

  private SoapMessage getProfilesMedia2(String onlyToken) {
    SoapMessage m = response(TR2, "GetProfilesResponse");
    for (Stream s : streams()) {
      if (onlyToken != null && !onlyToken.equals(s.token())) continue;
      Element p = m.add(m.operation(), TR2, "Profiles");
      p.setAttribute("token", s.token());
      p.setAttribute("fixed", "true");
      m.add(p, TR2, "Name", s.token());
      Element conf = m.add(p, TR2, "Configurations");
      videoSourceConfiguration(m, m.add(conf, TR2, "VideoSource"));
      Element enc = m.add(conf, TR2, "VideoEncoder");
      enc.setAttribute("token", "venc_" + s.token());
      if (!info.codec().equals("JPEG")) {
        enc.setAttribute("GovLength", Integer.toString(s.fps() * 2));
        enc.setAttribute("Profile", "Main");
      }
      encoderBody(m, enc, s, true);
      ptzConfiguration(m, m.add(conf, TR2, "PTZ"));
    }
    return m;
  }

  private SoapMessage getVideoSources() {
    SoapMessage m = response(TRT, "GetVideoSourcesResponse");
    Element vs = m.add(m.operation(), TRT, "VideoSources");
    vs.setAttribute("token", "vidsrc0");
    m.add(vs, TT, "Framerate", Integer.toString(MAIN_FPS));
    Element res = m.add(vs, TT, "Resolution");
    m.add(res, TT, "Width", Integer.toString(info.mainWidth()));
    m.add(res, TT, "Height", Integer.toString(info.mainHeight()));
    return m;
  }

  private SoapMessage getVideoSourceConfigurationsMedia2() {
    SoapMessage m = response(TR2, "GetVideoSourceConfigurationsResponse");
    videoSourceConfiguration(m, m.add(m.operation(), TR2, "Configurations"));
    return m;
  }

  private String streamUri(String token) {
    return stream(token).uri();
  }

  private String snapshotUri(String token) {
    stream(token);
    return baseUrl() + SNAPSHOT_PATH + token + ".jpg";
  }

  private static SoapMessage uriMedia1(String response, String uri) {
    SoapMessage m = response(TRT, response);
    Element mu = m.add(m.operation(), TRT, "MediaUri");
    m.add(mu, TT, "Uri", uri);
    m.add(mu, TT, "InvalidAfterConnect", "false");
    m.add(mu, TT, "InvalidAfterReboot", "false");
    m.add(mu, TT, "Timeout", "PT0S");
    return m;
  }

  private static SoapMessage uriMedia2(String response, String uri) {
    SoapMessage m = response(TR2, response);
    m.add(m.operation(), TR2, "Uri", uri);
    return m;
  }

  /** A grey JPEG of the sub-stream size (capped), made once on a worker thread. */
  private Future<byte[]> snapshot() {
    byte[] s = snapshot;
    if (s != null) return Future.succeededFuture(s);
    return vertx.executeBlocking(() -> {
      int w = Math.min(640, Math.max(16, info.subWidth()));
      int h = Math.min(360, Math.max(16, info.subHeight()));
      BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setColor(Color.DARK_GRAY);
      g.fillRect(0, 0, w, h);
      g.setColor(Color.WHITE);
      g.drawString(info.serial(), 8, 20);
      g.dispose();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(img, "jpg", out);
      snapshot = out.toByteArray();
      return snapshot;
    });
  }

  // ------------------------------------------------------------------ PTZ

  private static Double attrDouble(Element e, String name) {
    String v = SoapXml.attr(e, name);
    if (v == null) return null;
    try {
      return Double.valueOf(v.trim());
    } catch (NumberFormatException ex) {
      throw new Fault(SoapFault.sender(name + " is not a number: " + v, "InvalidArgVal"));
    }
  }

  /** Reads a PTZVector (PanTilt x/y, Zoom x) below an element; absent axes are null. */
  private static Double[] vector(Element parent) {
    Element pt = SoapXml.child(parent, TT, "PanTilt");
    Element z = SoapXml.child(parent, TT, "Zoom");
    return new Double[] {pt == null ? null : attrDouble(pt, "x"), pt == null ? null : attrDouble(pt, "y"),
        z == null ? null : attrDouble(z, "x")};
  }

  private void ptzProfile(Element op) {
    stream(profileToken(op, TPTZ));
  }

  private SoapMessage continuousMove(Element op) {
    ptzProfile(op);
    Element vel = SoapXml.child(op, TPTZ, "Velocity");
    if (vel == null) throw new Fault(SoapFault.sender("Velocity missing", "InvalidArgVal"));
    Double[] v = vector(vel);
    String timeout = SoapXml.text(SoapXml.child(op, TPTZ, "Timeout"));
    Duration t = DEFAULT_PTZ_TIMEOUT;
    if (timeout != null) {
      try {
        t = Duration.parse(timeout);
      } catch (DateTimeParseException e) {
        throw new Fault(SoapFault.sender("Timeout is not an xs:duration: " + timeout, "InvalidArgVal"));
      }
    }
    ptz.continuous(v[0] == null ? 0 : v[0], v[1] == null ? 0 : v[1], v[2] == null ? 0 : v[2], t);
    return response(TPTZ, "ContinuousMoveResponse");
  }

  private SoapMessage absoluteMove(Element op) {
    ptzProfile(op);
    Element pos = SoapXml.child(op, TPTZ, "Position");
    if (pos == null) throw new Fault(SoapFault.sender("Position missing", "InvalidArgVal"));
    Double[] v = vector(pos);
    if ((v[0] != null && Math.abs(v[0]) > 1) || (v[1] != null && Math.abs(v[1]) > 1)
        || (v[2] != null && (v[2] < 0 || v[2] > 1))) {
      throw new Fault(SoapFault.sender("position outside the generic space", "InvalidArgVal", "InvalidPosition"));
    }
    ptz.absolute(v[0], v[1], v[2]);
    return response(TPTZ, "AbsoluteMoveResponse");
  }

  private SoapMessage relativeMove(Element op) {
    ptzProfile(op);
    Element tr = SoapXml.child(op, TPTZ, "Translation");
    if (tr == null) throw new Fault(SoapFault.sender("Translation missing", "InvalidArgVal"));
    Double[] v = vector(tr);
    ptz.relative(v[0] == null ? 0 : v[0], v[1] == null ? 0 : v[1], v[2] == null ? 0 : v[2]);
    return response(TPTZ, "RelativeMoveResponse");
  }

  private SoapMessage stop(Element op) {
    ptzProfile(op);
    String pt = SoapXml.text(SoapXml.child(op, TPTZ, "PanTilt"));
    String z = SoapXml.text(SoapXml.child(op, TPTZ, "Zoom"));
    ptz.stop(pt == null || Boolean.parseBoolean(pt), z == null || Boolean.parseBoolean(z));
    return response(TPTZ, "StopResponse");
  }

  private void position(SoapMessage m, Element parent, SimPtzHead.Position p) {
    Element pt = m.add(parent, TT, "PanTilt");
    pt.setAttribute("x", Double.toString(p.pan()));
    pt.setAttribute("y", Double.toString(p.tilt()));
    pt.setAttribute("space", OnvifNamespaces.PAN_TILT_POSITION_GENERIC);
    Element z = m.add(parent, TT, "Zoom");
    z.setAttribute("x", Double.toString(p.zoom()));
    z.setAttribute("space", OnvifNamespaces.ZOOM_POSITION_GENERIC);
  }

  private SoapMessage getStatus(Element op) {
    ptzProfile(op);
    SoapMessage m = response(TPTZ, "GetStatusResponse");
    Element st = m.add(m.operation(), TPTZ, "PTZStatus");
    position(m, m.add(st, TT, "Position"), ptz.position());
    Element ms = m.add(st, TT, "MoveStatus");
    m.add(ms, TT, "PanTilt", ptz.panTiltMoving() ? "MOVING" : "IDLE");
    m.add(ms, TT, "Zoom", ptz.zoomMoving() ? "MOVING" : "IDLE");
    m.add(st, TT, "UtcTime", cameraNow().truncatedTo(ChronoUnit.SECONDS).toString());
    return m;
  }

  private SoapMessage setPreset(Element op) {
    ptzProfile(op);
    String name = SoapXml.text(SoapXml.child(op, TPTZ, "PresetName"));
    String token = SoapXml.text(SoapXml.child(op, TPTZ, "PresetToken"));
    synchronized (presets) {
      if (token != null && !presets.containsKey(token)) {
        throw new Fault(SoapFault.sender("no preset " + token, "InvalidArgVal", "NoToken"));
      }
      if (token == null) {
        if (presets.size() >= MAX_PRESETS) throw new Fault(SoapFault.receiver("preset table full", "Action", "TooManyPresets"));
        int n = 1;
        while (presets.containsKey("preset_" + n)) n++;
        token = "preset_" + n;
      }
      if (name == null) name = token;
      presets.put(token, new Preset(token, name, ptz.position()));
    }
    SoapMessage m = response(TPTZ, "SetPresetResponse");
    m.add(m.operation(), TPTZ, "PresetToken", token);
    return m;
  }

  private SoapMessage getPresets(Element op) {
    ptzProfile(op);
    SoapMessage m = response(TPTZ, "GetPresetsResponse");
    synchronized (presets) {
      for (Preset p : presets.values()) {
        Element e = m.add(m.operation(), TPTZ, "Preset");
        e.setAttribute("token", p.token());
        m.add(e, TT, "Name", p.name());
        position(m, m.add(e, TT, "PTZPosition"), p.position());
      }
    }
    return m;
  }

  private Preset preset(Element op) {
    String token = SoapXml.text(SoapXml.child(op, TPTZ, "PresetToken"));
    synchronized (presets) {
      Preset p = token == null ? null : presets.get(token);
      if (p == null) throw new Fault(SoapFault.sender("no preset " + token, "InvalidArgVal", "NoToken"));
      return p;
    }
  }

  private SoapMessage gotoPreset(Element op) {
    ptzProfile(op);
    SimPtzHead.Position p = preset(op).position();
    ptz.absolute(p.pan(), p.tilt(), p.zoom());
    return response(TPTZ, "GotoPresetResponse");
  }

  private SoapMessage removePreset(Element op) {
    ptzProfile(op);
    Preset p = preset(op);
    synchronized (presets) {
      presets.remove(p.token());
    }
    return response(TPTZ, "RemovePresetResponse");
  }

  // ------------------------------------------------------------------ events

  /** xs:duration relative to now, or an absolute xs:dateTime; null gives the default. */
  private Instant terminationTime(String value, Duration dflt) {
    Instant now = cameraNow();
    if (value == null) return now.plus(dflt);
    try {
      return value.startsWith("P") || value.startsWith("-P") ? now.plus(Duration.parse(value))
          : OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      throw new Fault(SoapFault.sender("bad termination time " + value, "InvalidArgVal"));
    }
  }

  private String pullPointAddress(String id) {
    return baseUrl() + PULLPOINT_PATH + id;
  }

  private void expireSubscriptions() {
    Instant now = cameraNow();
    List<Runnable> wake = new ArrayList<>();
    synchronized (subscriptions) {
      subscriptions.values().removeIf(s -> {
        if (!s.terminates.isBefore(now)) return false;
        if (s.waiter != null) wake.add(s.waiter);
        return true;
      });
    }
    wake.forEach(Runnable::run);
  }

  private SoapMessage createPullPoint(Element op) {
    expireSubscriptions();
    Instant term = terminationTime(SoapXml.text(SoapXml.child(op, TEV, "InitialTerminationTime")), Duration.ofSeconds(60));
    String id = Long.toString(ids.incrementAndGet());
    synchronized (subscriptions) {
      if (subscriptions.size() >= MAX_SUBSCRIPTIONS) {
        throw new Fault(SoapFault.receiver("too many subscriptions", "Action", "TooManySubscriptions"));
      }
      subscriptions.put(id, new Subscription(id, term));
    }
    SoapMessage m = response(TEV, "CreatePullPointSubscriptionResponse");
    Element ref = m.add(m.operation(), TEV, "SubscriptionReference");
    m.add(ref, WSA, "Address", pullPointAddress(id));
    m.add(m.operation(), WSNT, "CurrentTime", cameraNow().truncatedTo(ChronoUnit.SECONDS).toString());
    m.add(m.operation(), WSNT, "TerminationTime", term.truncatedTo(ChronoUnit.SECONDS).toString());
    return m;
  }

  /** The subscription a pull-point call is for: from the URL path, else from wsa:To. */
  private static String subscriptionId(String path, Document doc) {
    String p = path;
    if (!p.startsWith(PULLPOINT_PATH)) {
      String to = SoapXml.text(doc, "/s:Envelope/s:Header/wsa:To");
      int i = to == null ? -1 : to.indexOf(PULLPOINT_PATH);
      if (i < 0) throw new Fault(SoapFault.sender("not a pull point address", "InvalidArgVal"));
      p = to.substring(i);
    }
    return p.substring(PULLPOINT_PATH.length());
  }

  private Subscription subscription(String id) {
    expireSubscriptions();
    synchronized (subscriptions) {
      Subscription s = subscriptions.get(id);
      if (s == null) throw new Fault(SoapFault.sender("unknown or expired subscription " + id, "InvalidArgVal"));
      return s;
    }
  }

  private Future<SoapMessage> pullMessages(Element op, String id) {
    Subscription s = subscription(id);
    String timeout = SoapXml.text(SoapXml.child(op, TEV, "Timeout"));
    String limitText = SoapXml.text(SoapXml.child(op, TEV, "MessageLimit"));
    Duration wait;
    int limit;
    try {
      wait = timeout == null ? Duration.ZERO : Duration.parse(timeout);
      limit = limitText == null ? 100 : Integer.parseInt(limitText);
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new Fault(SoapFault.sender("bad Timeout or MessageLimit", "InvalidArgVal"));
    }
    if (wait.compareTo(MAX_PULL_WAIT) > 0) wait = MAX_PULL_WAIT;
    int max = Math.max(1, limit);
    synchronized (subscriptions) {
      if (!s.queue.isEmpty() || wait.isZero() || wait.isNegative()) return done(pullResponse(s, max));
      if (s.waiter != null) throw new Fault(SoapFault.receiver("a PullMessages is already pending", "Action", "PullPointBusy"));
      Promise<SoapMessage> p = Promise.promise();
      Context ctx = vertx.getOrCreateContext();
      long timer = vertx.setTimer(wait.toMillis(), t -> {
        synchronized (subscriptions) {
          s.waiter = null;
        }
        p.tryComplete(pullResponse(s, max));
      });
      // fireEvent may run on any thread: answer on the server's own context
      s.waiter = () -> ctx.runOnContext(v -> {
        vertx.cancelTimer(timer);
        p.tryComplete(pullResponse(s, max));
      });
      return p.future();
    }
  }

  private SoapMessage pullResponse(Subscription s, int max) {
    List<QueuedEvent> batch = new ArrayList<>();
    synchronized (subscriptions) {
      while (!s.queue.isEmpty() && batch.size() < max) batch.add(s.queue.removeFirst());
    }
    SoapMessage m = response(TEV, "PullMessagesResponse");
    Element r = m.operation();
    m.add(r, TEV, "CurrentTime", cameraNow().truncatedTo(ChronoUnit.SECONDS).toString());
    m.add(r, TEV, "TerminationTime", s.terminates.truncatedTo(ChronoUnit.SECONDS).toString());
    for (QueuedEvent e : batch) {
      Element n = m.add(r, WSNT, "NotificationMessage");
      m.add(m.add(n, WSNT, "SubscriptionReference"), WSA, "Address", pullPointAddress(s.id));
      Element topic = m.add(n, WSNT, "Topic", e.topic());
      topic.setAttribute("Dialect", OnvifNamespaces.TOPIC_CONCRETE_SET);
      Element msg = m.add(m.add(n, WSNT, "Message"), TT, "Message");
      msg.setAttribute("UtcTime", e.time().truncatedTo(ChronoUnit.MILLIS).toString());
      msg.setAttribute("PropertyOperation", "Changed");
      boolean input = e.topic().contains("DigitalInput");
      simpleItem(m, m.add(msg, TT, "Source"), input ? "InputToken" : "Source", input ? "input0" : "vidsrc0");
      String dataName = e.topic().contains("CellMotionDetector") ? "IsMotion" : input ? "LogicalState" : "State";
      simpleItem(m, m.add(msg, TT, "Data"), dataName, Boolean.toString(e.state()));
    }
    return m;
  }

  private static void simpleItem(SoapMessage m, Element parent, String name, String value) {
    Element si = m.add(parent, TT, "SimpleItem");
    si.setAttribute("Name", name);
    si.setAttribute("Value", value);
  }

  private SoapMessage renew(Element op, String id) {
    Subscription s = subscription(id);
    Instant term = terminationTime(SoapXml.text(SoapXml.child(op, WSNT, "TerminationTime")), Duration.ofSeconds(60));
    synchronized (subscriptions) {
      s.terminates = term;
    }
    SoapMessage m = response(WSNT, "RenewResponse");
    m.add(m.operation(), WSNT, "TerminationTime", term.truncatedTo(ChronoUnit.SECONDS).toString());
    m.add(m.operation(), WSNT, "CurrentTime", cameraNow().truncatedTo(ChronoUnit.SECONDS).toString());
    return m;
  }

  private SoapMessage unsubscribe(String id) {
    Subscription s = subscription(id);
    Runnable waiter;
    synchronized (subscriptions) {
      subscriptions.remove(id);
      waiter = s.waiter;
      s.waiter = null;
    }
    if (waiter != null) waiter.run();
    return response(WSNT, "UnsubscribeResponse");
  }

  // ------------------------------------------------------------------ Profile G: search

  private static String xsDateTime(Instant t) {
    return t.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  private SoapMessage searchCapabilities() {
    SoapMessage m = response(TSE, "GetServiceCapabilitiesResponse");
    Element c = m.add(m.operation(), TSE, "Capabilities");
    c.setAttribute("MetadataSearch", "false");
    c.setAttribute("GeneralStartEvents", "false");
    return m;
  }

  private SoapMessage getRecordingSummary() {
    SoapMessage m = response(TSE, "GetRecordingSummaryResponse");
    Element sum = m.add(m.operation(), TSE, "Summary");
    List<SimSdCard.Recording> recs = sdCard.recordings();
    Instant from = null, until = null;
    for (SimSdCard.Recording r : recs) {
      if (from == null || r.start().isBefore(from)) from = r.start();
      if (until == null || r.end().isAfter(until)) until = r.end();
    }
    // DataFrom and DataUntil are mandatory: an empty card reports now for both
    m.add(sum, TT, "DataFrom", xsDateTime(from == null ? cameraNow() : from));
    m.add(sum, TT, "DataUntil", xsDateTime(until == null ? cameraNow() : until));
    m.add(sum, TT, "NumberRecordings", Integer.toString(recs.size()));
    return m;
  }

  private static Duration durationArg(Element op, String ns, String name, Duration dflt) {
    String v = SoapXml.text(SoapXml.child(op, ns, name));
    if (v == null) return dflt;
    try {
      return Duration.parse(v);
    } catch (DateTimeParseException e) {
      throw new Fault(SoapFault.sender(name + " is not an xs:duration: " + v, "InvalidArgVal"));
    }
  }

  private static Integer intArg(Element op, String ns, String name) {
    String v = SoapXml.text(SoapXml.child(op, ns, name));
    if (v == null) return null;
    try {
      return Integer.valueOf(v);
    } catch (NumberFormatException e) {
      throw new Fault(SoapFault.sender(name + " is not an integer: " + v, "InvalidArgVal"));
    }
  }

  /** Drops lapsed searches; call with {@link #searches} held. */
  private void expireSearches() {
    Instant now = cameraNow();
    searches.values().removeIf(s -> s.expires.isBefore(now));
  }

  private SoapMessage findRecordings(Element op) {
    Element scope = SoapXml.child(op, TSE, "Scope");
    if (scope == null) throw new Fault(SoapFault.sender("Scope missing", "InvalidArgVal"));
    List<String> onlyRecordings = new ArrayList<>();
    for (Element e : SoapXml.children(scope, TT, "IncludedRecordings")) onlyRecordings.add(SoapXml.text(e));
    List<String> onlySources = new ArrayList<>();
    for (Element e : SoapXml.children(scope, TT, "IncludedSources")) onlySources.add(SoapXml.text(e, "tt:Token"));
    Integer maxMatches = intArg(op, TSE, "MaxMatches");
    Duration keepAlive = durationArg(op, TSE, "KeepAliveTime", DEFAULT_SEARCH_KEEP_ALIVE);
    if (keepAlive.isNegative() || keepAlive.isZero()) keepAlive = DEFAULT_SEARCH_KEEP_ALIVE;
    if (keepAlive.compareTo(MAX_SEARCH_KEEP_ALIVE) > 0) keepAlive = MAX_SEARCH_KEEP_ALIVE;
    List<SimSdCard.Recording> found = new ArrayList<>();
    if (onlySources.isEmpty() || onlySources.contains(VIDEO_SOURCE)) {
      for (SimSdCard.Recording r : sdCard.recordings()) {
        if (!onlyRecordings.isEmpty() && !onlyRecordings.contains(r.token())) continue;
        if (maxMatches != null && found.size() >= maxMatches) break;
        found.add(r);
      }
    }
    String token = "search-" + ids.incrementAndGet();
    synchronized (searches) {
      expireSearches();
      if (searches.size() >= MAX_SEARCHES) {
        throw new Fault(SoapFault.receiver("too many open searches", "Action", "ResourceProblem"));
      }
      searches.put(token, new Search(found, keepAlive, cameraNow()));
    }
    SoapMessage m = response(TSE, "FindRecordingsResponse");
    m.add(m.operation(), TSE, "SearchToken", token);
    return m;
  }

  private Search search(Element op) {
    String token = SoapXml.text(SoapXml.child(op, TSE, "SearchToken"));
    synchronized (searches) {
      expireSearches();
      Search s = token == null ? null : searches.get(token);
      if (s == null) throw new Fault(SoapFault.sender("unknown or ended search " + token, "InvalidArgVal", "InvalidToken"));
      s.expires = cameraNow().plus(s.keepAlive);
      return s;
    }
  }

  private SoapMessage getRecordingSearchResults(Element op) {
    Search s = search(op);
    Integer maxResults = intArg(op, TSE, "MaxResults");
    int max = Math.min(SEARCH_PAGE, maxResults == null ? SEARCH_PAGE : Math.max(1, maxResults));
    List<SimSdCard.Recording> page = new ArrayList<>();
    boolean completed;
    synchronized (searches) {
      for (Iterator<SimSdCard.Recording> it = s.pending.iterator(); it.hasNext() && page.size() < max; ) {
        page.add(it.next());
        it.remove();
      }
      completed = s.pending.isEmpty();
    }
    SoapMessage m = response(TSE, "GetRecordingSearchResultsResponse");
    Element list = m.add(m.operation(), TSE, "ResultList");
    m.add(list, TT, "SearchState", completed ? "Completed" : "Searching");
    for (SimSdCard.Recording r : page) recordingInformation(m, m.add(list, TT, "RecordingInformation"), r);
    return m;
  }

  private SoapMessage endSearch(Element op) {
    String token = SoapXml.text(SoapXml.child(op, TSE, "SearchToken"));
    search(op);
    synchronized (searches) {
      searches.remove(token);
    }
    SoapMessage m = response(TSE, "EndSearchResponse");
    m.add(m.operation(), TSE, "Endpoint", xsDateTime(cameraNow()));
    return m;
  }

  private SimSdCard.Recording recording(Element op, String ns) {
    String token = SoapXml.text(SoapXml.child(op, ns, "RecordingToken"));
    SimSdCard.Recording r = token == null ? null : sdCard.get(token);
    if (r == null) throw new Fault(SoapFault.sender("no recording " + token, "InvalidArgVal", "NoRecording"));
    return r;
  }

  private SoapMessage getRecordingInformation(Element op) {
    SimSdCard.Recording r = recording(op, TSE);
    SoapMessage m = response(TSE, "GetRecordingInformationResponse");
    recordingInformation(m, m.add(m.operation(), TSE, "RecordingInformation"), r);
    return m;
  }

  /** tt:RecordingInformation, children in schema order. */
  private void recordingInformation(SoapMessage m, Element ri, SimSdCard.Recording r) {
    m.add(ri, TT, "RecordingToken", r.token());
    Element src = m.add(ri, TT, "Source");
    m.add(src, TT, "SourceId", VIDEO_SOURCE);
    m.add(src, TT, "Name", info.model() + " " + info.serial());
    m.add(src, TT, "Location", "simulated");
    m.add(src, TT, "Description", "main stream");
    m.add(src, TT, "Address", deviceServiceUrl());
    m.add(ri, TT, "EarliestRecording", xsDateTime(r.start()));
    m.add(ri, TT, "LatestRecording", xsDateTime(r.end()));
    m.add(ri, TT, "Content", "SD card recording of " + info.serial());
    Element track = m.add(ri, TT, "Track");
    m.add(track, TT, "TrackToken", r.videoTrackToken());
    m.add(track, TT, "TrackType", "Video");
    m.add(track, TT, "Description", info.codec() + " " + info.mainWidth() + "x" + info.mainHeight());
    m.add(track, TT, "DataFrom", xsDateTime(r.start()));
    m.add(track, TT, "DataTo", xsDateTime(r.end()));
    m.add(ri, TT, "RecordingStatus", sdCard.isRecording(r.token()) ? "Recording" : "Stopped");
  }

  // ------------------------------------------------------------------ Profile G: replay

  private SoapMessage replayCapabilities() {
    SoapMessage m = response(TRP, "GetServiceCapabilitiesResponse");
    Element c = m.add(m.operation(), TRP, "Capabilities");
    c.setAttribute("ReversePlayback", "false");
    c.setAttribute("SessionTimeoutRange", "60 60");
    c.setAttribute("RTP_RTSP_TCP", "true");
    return m;
  }

  private SoapMessage getReplayUri(Element op) {
    SimSdCard.Recording r = recording(op, TRP);
    Element setup = SoapXml.child(op, TRP, "StreamSetup");
    String stream = setup == null ? null : SoapXml.text(SoapXml.child(setup, TT, "Stream"));
    if ("RTP-Multicast".equals(stream)) {
      throw new Fault(SoapFault.sender("multicast replay is not supported", "InvalidArgVal", "InvalidStreamSetup"));
    }
    SoapMessage m = response(TRP, "GetReplayUriResponse");
    m.add(m.operation(), TRP, "Uri", SimSdCard.replayUri(info.rtspMain(), r.token()));
    return m;
  }

  private SoapMessage getReplayConfiguration() {
    SoapMessage m = response(TRP, "GetReplayConfigurationResponse");
    m.add(m.add(m.operation(), TRP, "Configuration"), TT, "SessionTimeout", "PT60S");
    return m;
  }
}
