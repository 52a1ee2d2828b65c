package com.softdew.vms.edge.onvif;

import java.time.Instant;
import java.util.List;

/**
 * One tt:RecordingInformation of the ONVIF search service (Profile G).
 *
 * @param token the RecordingToken, what GetReplayUri takes
 * @param sourceName tt:Source/tt:Name, null when absent
 * @param earliest tt:EarliestRecording, null when the recording is empty
 * @param latest tt:LatestRecording, null when the recording is empty
 * @param status tt:RecordingStatus (Initiated, Recording, Stopped, Removing, Removed, Unknown)
 */
public record RecordingInfo(String token, String sourceName, Instant earliest, Instant latest, String content,
    String status, List<Track> tracks) {

  /** tt:Track of a recording; {@code type} is Video, Audio, Metadata or Extended. */
  public record Track(String token, String type, String description, Instant dataFrom, Instant dataTo) {}

  /** Whether the recorded span meets [from, to); a null bound is open. */
  public boolean overlaps(Instant from, Instant to) {
    if (earliest == null || latest == null) return false;
    return (to == null || earliest.isBefore(to)) && (from == null || latest.isAfter(from));
  }
}
