package com.softdew.vms.edge.onvif;

import java.time.Instant;

/**
 * tse:GetRecordingSummary: the span of everything recorded on the device.
 *
 * @param dataFrom earliest recorded data, null when the device has none
 * @param dataUntil latest recorded data, null when the device has none
 */
public record RecordingSummary(Instant dataFrom, Instant dataUntil, int numberRecordings) {}
