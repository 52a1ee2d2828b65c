package com.softdew.vms.sim;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The "SD card" of a simulated camera (ONVIF Profile G): a fixed list of recordings in the past, shared by
 * the ONVIF face ({@link OnvifDeviceServer}: search and replay services, which say what is recorded when)
 * and the RTSP face ({@link RtspCameraServer}: {@code /replay/<token>}, which plays it). Both must hold the
 * same instance for their time windows to agree; {@link CameraSimulator} hands the RTSP server's card to
 * the ONVIF server.
 *
 * <p>No video is stored per recording: a recording plays the camera's pre-encoded main clip
 * ({@link SimMedia}) looped over its time window, recording time {@code t} showing clip frame
 * {@code floor(t * fps) mod frames}, so seeking by time is deterministic.
 */
public final class SimSdCard {

  /**
   * One recording with one video track.
   *
   * @param token the RecordingToken; letters, digits, '-' and '_' only (it is an RTSP path segment)
   */
  public record Recording(String token, Instant start, Instant end) {
    public Recording {
      if (!token.matches("[A-Za-z0-9_-]+")) throw new IllegalArgumentException("bad recording token " + token);
      if (!end.isAfter(start)) throw new IllegalArgumentException("recording " + token + " ends before it starts");
    }

    public Duration duration() {
      return Duration.between(start, end);
    }

    /** The token of its only track. */
    public String videoTrackToken() {
      return "VIDEO001";
    }
  }

  private final List<Recording> recordings;

  public SimSdCard(List<Recording> recordings) {
    this.recordings = List.copyOf(recordings);
  }

  /**
   * The hour before {@code now} (truncated to the second) as three recordings: {@code REC001} from -60 to
   * -40 min, {@code REC002} from -40 to -25 min (back to back with the first, as when a camera starts a new
   * file), then a 10-minute gap (camera off), then {@code REC003} from -15 min to {@code now}.
   */
  public static SimSdCard lastHour(Instant now) {
    Instant t = now.truncatedTo(ChronoUnit.SECONDS);
    return new SimSdCard(List.of(
        new Recording("REC001", t.minus(Duration.ofMinutes(60)), t.minus(Duration.ofMinutes(40))),
        new Recording("REC002", t.minus(Duration.ofMinutes(40)), t.minus(Duration.ofMinutes(25))),
        new Recording("REC003", t.minus(Duration.ofMinutes(15)), t)));
  }

  public List<Recording> recordings() {
    return recordings;
  }

  /** The recording with that token, or null. */
  public Recording get(String token) {
    for (Recording r : recordings) if (r.token().equals(token)) return r;
    return null;
  }

  /** The RTSP path that plays a recording, without the leading slash. */
  public static String replayPath(String token) {
    return "replay/" + token;
  }

  /**
   * The replay URL of a recording on the RTSP server that also serves {@code anyRtspUrl} (scheme, host and
   * port are taken from it; its path is replaced).
   */
  public static String replayUri(String anyRtspUrl, String token) {
    int slash = anyRtspUrl.indexOf('/', anyRtspUrl.indexOf("://") + 3);
    String authority = slash < 0 ? anyRtspUrl : anyRtspUrl.substring(0, slash);
    return authority + "/" + replayPath(token);
  }
}
