package com.softdew.vms.control.camera;

import com.softdew.vms.platform.http.ApiException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.dhatim.fastexcel.reader.ReadableWorkbook;
import org.dhatim.fastexcel.reader.Sheet;

/**
 * Reads camera import files into rows keyed by column name: CSV (Apache Commons CSV, header row,
 * comma or semicolon) and .xlsx (FastExcel reader, first sheet, header row). Column names are matched
 * case-insensitively; unknown columns are refused so that a typo does not silently drop data.
 */
public final class CameraFileParser {
  public static final Set<String> COLUMNS = Set.of("cameraid", "name", "nodeid", "tags", "vendor", "model", "serial", "host",
      "onvifurl", "rtspmain", "rtspsub", "authtype", "username", "password", "secret", "plugin", "enabled");
  static final Map<String, String> CANONICAL = COLUMNS.stream().collect(Collectors.toMap(c -> c, c -> switch (c) {
    case "cameraid" -> "cameraId";
    case "nodeid" -> "nodeId";
    case "onvifurl" -> "onvifUrl";
    case "rtspmain" -> "rtspMain";
    case "rtspsub" -> "rtspSub";
    case "authtype" -> "authType";
    default -> c;
  }));
  /** Bound of rows per file (the request body limit bounds the bytes). */
  public static final int MAX_ROWS = 20_000;

  private CameraFileParser() {}

  public static List<CameraService.ImportRow> parse(String format, byte[] content) {
    return switch (format) {
      case "csv" -> csv(content);
      case "xlsx" -> xlsx(content);
      default -> throw ApiException.invalid("format", "must be csv or xlsx");
    };
  }

  private static List<String> header(List<String> raw) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      String k = raw.get(i).trim().toLowerCase(Locale.ROOT).replace("_", "").replace(" ", "");
      if (!COLUMNS.contains(k)) {
        throw ApiException.invalid("file", "line 1, column " + (i + 1) + ": unknown column '" + raw.get(i) + "' (known: "
            + CANONICAL.values().stream().sorted().toList() + ")");
      }
      out.add(CANONICAL.get(k));
    }
    if (!out.contains("name") || !out.contains("host")) throw ApiException.invalid("file", "line 1: the header needs at least name and host");
    return out;
  }

  static List<CameraService.ImportRow> csv(byte[] content) {
    String text = new String(content, StandardCharsets.UTF_8);
    if (text.startsWith("\uFEFF")) text = text.substring(1);
    char delimiter = text.lines().findFirst().orElse("").chars().filter(ch -> ch == ';').count()
        > text.lines().findFirst().orElse("").chars().filter(ch -> ch == ',').count() ? ';' : ',';
    try (Reader r = new java.io.StringReader(text);
         CSVParser p = CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setIgnoreEmptyLines(true).setTrim(true).build().parse(r)) {
      List<CameraService.ImportRow> rows = new ArrayList<>();
      List<String> cols = null;
      for (CSVRecord rec : p) {
        List<String> values = rec.toList();
        if (cols == null) {
          cols = header(values);
          continue;
        }
        if (rows.size() >= MAX_ROWS) throw ApiException.invalid("file", "more than " + MAX_ROWS + " rows");
        JsonObject fields = new JsonObject();
        for (int i = 0; i < Math.min(cols.size(), values.size()); i++) if (!values.get(i).isEmpty()) fields.put(cols.get(i), values.get(i));
        if (values.size() > cols.size()) fields.put("_extra", values.size() - cols.size());
        rows.add(new CameraService.ImportRow((int) p.getCurrentLineNumber(), fields));
      }
      if (cols == null) throw ApiException.invalid("file", "is empty");
      return rows;
    } catch (IOException | java.io.UncheckedIOException e) {
      throw ApiException.invalid("file", "is not valid CSV: " + e.getMessage());
    } catch (IllegalStateException e) {
      throw ApiException.invalid("file", "is not valid CSV: " + e.getMessage());
    }
  }

  static List<CameraService.ImportRow> xlsx(byte[] content) {
    try (ReadableWorkbook wb = new ReadableWorkbook(new ByteArrayInputStream(content))) {
      Sheet sheet = wb.getFirstSheet();
      List<CameraService.ImportRow> rows = new ArrayList<>();
      List<String> cols = null;
      for (org.dhatim.fastexcel.reader.Row row : sheet.read()) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < row.getCellCount(); i++) values.add(row.getCellText(i) == null ? "" : row.getCellText(i).trim());
        if (values.stream().allMatch(String::isEmpty)) continue;
        if (cols == null) {
          cols = header(values);
          continue;
        }
        if (rows.size() >= MAX_ROWS) throw ApiException.invalid("file", "more than " + MAX_ROWS + " rows");
        JsonObject fields = new JsonObject();
        for (int i = 0; i < Math.min(cols.size(), values.size()); i++) if (!values.get(i).isEmpty()) fields.put(cols.get(i), values.get(i));
        rows.add(new CameraService.ImportRow(row.getRowNum(), fields));
      }
      if (cols == null) throw ApiException.invalid("file", "the first sheet is empty");
      return rows;
    } catch (IOException | RuntimeException e) {
      if (e instanceof ApiException a) throw a;
      throw ApiException.invalid("file", "is not a readable .xlsx workbook: " + e.getMessage());
    }
  }
}
