package com.softdew.vms.control.storage;

import com.softdew.vms.edge.record.RecordingGap;
import com.softdew.vms.edge.record.RecordingSegment;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Test-only {@link RecordingCatalog} over segments REALLY recorded by MainStreamRecorder in the test (the SQL
 * implementation is another part of issue 9). It keeps the contract's tenant binding: every call sees only the
 * rows of the tenant it is given, as row-level security does.
 */
final class RecordedFilesCatalog implements RecordingCatalog {
  final List<SegmentRow> rows = Collections.synchronizedList(new ArrayList<>());
  final List<GapRow> gapRows = Collections.synchronizedList(new ArrayList<>());
  final List<String> protectCalls = Collections.synchronizedList(new ArrayList<>());

  void add(RecordingSegment s) {
    rows.add(new SegmentRow(s.tenantId(), s.segmentId(), s.cameraId(), s.stream(), s.start(), s.end(), s.bytes(), s.codec(), s.resolution(),
        s.source(), s.trigger(), s.eventType(), s.sha256(), "node-1", s.path().toString(), "local", null, true, false, null, "present"));
  }

  void add(RecordingGap g) {
    gapRows.add(new GapRow(g.tenantId(), g.cameraId(), g.stream(), g.start(), g.end(), g.reason(), "open", null));
  }

  @Override
  public Future<List<SegmentRow>> segments(String tenantId, String cameraId, String stream, Instant from, Instant to) {
    synchronized (rows) {
      return Future.succeededFuture(rows.stream().filter(r -> r.tenantId().equals(tenantId) && r.cameraId().equals(cameraId)
          && r.stream().equals(stream) && r.end().isAfter(from) && r.start().isBefore(to)).sorted(Comparator.comparing(SegmentRow::start)).toList());
    }
  }

  @Override
  public Future<SegmentRow> segment(String tenantId, String segmentId) {
    synchronized (rows) {
      return Future.succeededFuture(rows.stream().filter(r -> r.tenantId().equals(tenantId) && r.segmentId().equals(segmentId)).findFirst()
          .orElse(null));
    }
  }

  @Override
  public Future<List<GapRow>> gaps(String tenantId, String cameraId, String stream, Instant from, Instant to) {
    synchronized (gapRows) {
      return Future.succeededFuture(gapRows.stream().filter(g -> g.tenantId().equals(tenantId) && g.cameraId().equals(cameraId)
          && g.stream().equals(stream) && g.end().isAfter(from) && g.start().isBefore(to)).toList());
    }
  }

  @Override
  public Future<Integer> protect(String tenantId, String cameraId, Instant from, Instant to, String reason) {
    protectCalls.add(tenantId + "/" + cameraId + " " + from + " " + to + " " + reason);
    return Future.succeededFuture((int) rows.stream().filter(r -> r.tenantId().equals(tenantId) && r.cameraId().equals(cameraId)
        && r.end().isAfter(from) && r.start().isBefore(to)).count());
  }
}
