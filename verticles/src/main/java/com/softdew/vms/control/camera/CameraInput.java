package com.softdew.vms.control.camera;

import com.softdew.vms.platform.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A camera as submitted (API body or import row), validated field by field. Stream URLs must not
 * carry credentials: those go in {@code username}/{@code secret}, which is sealed at rest.
 */
public record CameraInput(String cameraId, String name, String nodeId, List<String> tags, String vendor, String model,
    String serial, String host, String onvifUrl, String rtspMain, String rtspSub, AuthType authType, String username,
    String secret, String plugin, boolean enabled, Quality quality) {

  /** What the main stream delivers (from ONVIF or the operator); empty/0 = not known. */
  public record Quality(String resolution, long bitrate, double fps, String codec) {
    public static final Quality UNKNOWN = new Quality("", 0, 0, "");
  }

  /** How the platform authenticates to the camera. SDK = a vendor plugin (ISAPI is the first). */
  public enum AuthType { BASIC, DIGEST, TOKEN, CERTIFICATE, SDK }

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,255}");
  private static final Pattern TAG = Pattern.compile("[\\p{L}\\p{N} _.:/-]{1,64}");

  /** A field problem: field name and reason (the import reports them with the line number). */
  public record Problem(String field, String reason) {}

  /** Parses and validates; every problem is collected, none thrown. */
  public static CameraInput parse(JsonObject j, List<Problem> problems) {
    if (j.containsKey("_extra")) problems.add(new Problem("row", "has more values than the header has columns"));
    String cameraId = opt(j, "cameraId");
    if (cameraId != null && !ID.matcher(cameraId).matches()) problems.add(new Problem("cameraId", "must match " + ID));
    String name = opt(j, "name");
    if (name == null || name.isBlank() || name.length() > 200) problems.add(new Problem("name", "is required (1-200 characters)"));
    String nodeId = opt(j, "nodeId");
    if (nodeId != null && !ID.matcher(nodeId).matches()) problems.add(new Problem("nodeId", "must match " + ID));
    List<String> tags = new ArrayList<>();
    Object t = j.getValue("tags");
    if (t instanceof JsonArray a) {
      a.forEach(x -> tags.add(String.valueOf(x).trim()));
    } else if (t instanceof String s && !s.isBlank()) {
      Arrays.stream(s.split("[;,]")).map(String::trim).filter(x -> !x.isEmpty()).forEach(tags::add);
    }
    for (String tag : tags) if (!TAG.matcher(tag).matches()) problems.add(new Problem("tags", "'" + tag + "' is not a valid tag"));
    if (tags.size() > 32) problems.add(new Problem("tags", "at most 32 tags"));
    String host = opt(j, "host");
    if (host == null || !HOST.matcher(host).matches()) problems.add(new Problem("host", "is required: a host name or IP address"));
    String onvif = opt(j, "onvifUrl");
    if (onvif != null && !url(onvif, "http", "https")) problems.add(new Problem("onvifUrl", "must be an http(s) URL without credentials"));
    String main = opt(j, "rtspMain");
    if (main != null && !url(main, "rtsp", "rtsps")) problems.add(new Problem("rtspMain", "must be an rtsp(s) URL without credentials"));
    String sub = opt(j, "rtspSub");
    if (sub != null && !url(sub, "rtsp", "rtsps")) problems.add(new Problem("rtspSub", "must be an rtsp(s) URL without credentials"));
    if (main == null && onvif == null) problems.add(new Problem("rtspMain", "rtspMain or onvifUrl is required"));
    AuthType auth = null;
    String a = opt(j, "authType");
    try {
      auth = a == null ? null : AuthType.valueOf(a.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      // reported below
    }
    if (auth == null) problems.add(new Problem("authType", "must be one of " + List.of(AuthType.values())));
    String user = opt(j, "username");
    String secret = opt(j, "secret") != null ? opt(j, "secret") : opt(j, "password");
    if ((auth == AuthType.BASIC || auth == AuthType.DIGEST) && (user == null || secret == null)) {
      problems.add(new Problem("secret", "username and password are required for " + auth + " authentication"));
    }
    if (auth == AuthType.TOKEN && secret == null) problems.add(new Problem("secret", "a token is required for TOKEN authentication"));
    if (secret != null && secret.length() > 8192) problems.add(new Problem("secret", "at most 8192 characters"));
    String plugin = opt(j, "plugin");
    if (auth == AuthType.SDK && plugin == null) problems.add(new Problem("plugin", "SDK authentication names its plugin (e.g. isapi)"));
    if (plugin != null && com.softdew.vms.edge.plugin.CameraPlugins.get(plugin) == null) {
      problems.add(new Problem("plugin", "no camera plugin '" + plugin + "' (installed: " + com.softdew.vms.edge.plugin.CameraPlugins.ids() + ")"));
    }
    String resolution = opt(j, "resolution");
    if (resolution != null && !resolution.matches("\\d{2,5}x\\d{2,5}")) problems.add(new Problem("resolution", "must be WIDTHxHEIGHT, e.g. 1920x1080"));
    long bitrate = 0;
    double fps = 0;
    try {
      bitrate = opt(j, "bitrate") == null ? 0 : Long.parseLong(opt(j, "bitrate"));
      if (bitrate < 0) problems.add(new Problem("bitrate", "must be >= 0 (bit/s)"));
    } catch (NumberFormatException e) {
      problems.add(new Problem("bitrate", "must be a whole number of bit/s"));
    }
    try {
      fps = opt(j, "fps") == null ? 0 : Double.parseDouble(opt(j, "fps"));
      if (fps < 0 || fps > 1000) problems.add(new Problem("fps", "must be in [0, 1000]"));
    } catch (NumberFormatException e) {
      problems.add(new Problem("fps", "must be a number"));
    }
    Quality quality = new Quality(nz(resolution), bitrate, fps, nz(opt(j, "codec")));
    if (!problems.isEmpty()) return null;
    return new CameraInput(cameraId, name.trim(), nodeId, List.copyOf(tags), nz(opt(j, "vendor")), nz(opt(j, "model")), nz(opt(j, "serial")),
        host, nz(onvif), nz(main), nz(sub), auth, nz(user), secret, nz(plugin), j.getBoolean("enabled", true), quality);
  }

  /** Parses one API body, throwing a 400 naming the first bad field. */
  public static CameraInput fromJson(JsonObject j) {
    List<Problem> problems = new ArrayList<>();
    CameraInput r = parse(j, problems);
    if (r == null) throw ApiException.invalid(problems.get(0).field(), problems.get(0).reason());
    return r;
  }

  private static String opt(JsonObject j, String f) {
    Object v = j.getValue(f);
    if (v == null) return null;
    String s = String.valueOf(v).trim();
    return s.isEmpty() ? null : s;
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  static boolean url(String s, String... schemes) {
    try {
      URI u = new URI(s);
      return u.getScheme() != null && Arrays.asList(schemes).contains(u.getScheme().toLowerCase(Locale.ROOT))
          && u.getHost() != null && u.getUserInfo() == null;
    } catch (Exception e) {
      return false;
    }
  }
}
