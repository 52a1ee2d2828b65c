package com.softdew.vms.sim;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
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
 *
 * <p>Two kinds of card: a <b>fixed</b> one ({@link #SimSdCard(List)}, {@link #lastHour}) whose recordings never
 * change, and a <b>continuous</b> one ({@link #continuous}) that records while the camera runs, as a real
 * camera's SD card does: its open recording ends "now" at every look-up (search and replay see the same end,
 * read from the clock when asked), so footage the VMS lost to a network drop is on the card. {@link #suspend()}
 * and {@link #resume()} simulate the camera itself not recording for a while (rebooted, card full): the open
 * recording closes, and a new one (next token) starts at the resume, so that span is on neither side.
 * Thread-safe.
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

  /** Fixed recordings, or the closed ones of a continuous card (guarded by this). */
  private final List<Recording> recordings;
  private final boolean continuous;
  /** Continuous card: start of the recording being written, null while suspended (guarded by this). */
  private Instant openStart;
  private int nextToken;
  /** Camera clock minus the host's: a continuous card records in camera time. */
  private final Duration clockOffset;

  public SimSdCard(List<Recording> recordings) {
    this.recordings = List.copyOf(recordings);
    this.continuous = false;
    this.clockOffset = Duration.ZERO;
  }

  private SimSdCard(Instant since, Duration clockOffset) {
    this.recordings = new ArrayList<>();
    this.continuous = true;
    this.openStart = since.truncatedTo(ChronoUnit.MILLIS);
    this.nextToken = 1;
    this.clockOffset = clockOffset;
  }

  /**
   * A card that has been recording since {@code since} and goes on: one open recording {@code REC001} from
   * {@code since} to now (millisecond precision), closed only by {@link #suspend()}.
   */
  public static SimSdCard continuous(Instant since) {
    return new SimSdCard(since, Duration.ZERO);
  }

  /**
   * As {@link #continuous(Instant)} on a camera whose clock is {@code cameraClockOffset} ahead of the host's (use
   * the same offset as {@link OnvifDeviceServer#setClockOffset}): recording times, {@code since} included, are camera
   * time, as on a real card.
   */
  public static SimSdCard continuous(Instant since, Duration cameraClockOffset) {
    return new SimSdCard(since, cameraClockOffset);
  }

  /** Whether this card keeps recording (see {@link #continuous}). */
  public boolean isContinuous() {
    return continuous;
  }

  /**
   * Continuous card: the camera stops recording now (reboot, card error): the open recording ends here.
   * No-op when already suspended.
   *
   * @return the recording just closed, null when none was open
   */
  public synchronized Recording suspend() {
    requireContinuous();
    if (openStart == null) return null;
    Instant now = now();
    Recording closed = new Recording(token(nextToken), openStart, now.isAfter(openStart) ? now : openStart.plusMillis(1));
    recordings.add(closed);
    nextToken++;
    openStart = null;
    return closed;
  }

  /** Continuous card: recording starts again now, as a new recording (next token). No-op when recording. */
  public synchronized void resume() {
    requireContinuous();
    if (openStart == null) openStart = now();
  }

  /** Whether {@code token} is the recording being written (ONVIF RecordingStatus "Recording"). */
  public synchronized boolean isRecording(String token) {
    return continuous && openStart != null && token(nextToken).equals(token);
  }

  private void requireContinuous() {
    if (!continuous) throw new IllegalStateException("a fixed SD card does not record");
  }

  private Instant now() {
    return Instant.now().plus(clockOffset).truncatedTo(ChronoUnit.MILLIS);
  }

  private static String token(int n) {
    return String.format("REC%03d", n);
  }

  /** The open recording as of now, null when none (call with this held). */
  private Recording open() {
    if (!continuous || openStart == null) return null;
    Instant now = now();
    return new Recording(token(nextToken), openStart, now.isAfter(openStart) ? now : openStart.plusMillis(1));
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

  /** The recordings in time order; on a continuous card the open one ends now. */
  public synchronized List<Recording> recordings() {
    if (!continuous) return recordings;
    List<Recording> out = new ArrayList<>(recordings);
    Recording open = open();
    if (open != null) out.add(open);
    return List.copyOf(out);
  }

  /** The recording with that token (on a continuous card the open one ends now), or null. */
  public synchronized Recording get(String token) {
    for (Recording r : recordings) if (r.token().equals(token)) return r;
    Recording open = open();
    return open != null && open.token().equals(token) ? open : null;
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
