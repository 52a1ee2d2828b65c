package com.softdew.vms.edge.ai.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes small, real ONNX detector networks for tests (no YOLO weights can be downloaded here): a
 * colour-blob "YOLO" that works on pixels like the real thing. A 1x1 convolution scores each pixel
 * per class (class k responds to colour {@code colours[k]}, e.g. red for "person"), an average pool
 * over {@code cell x cell} squares turns that into one score per grid cell, a sigmoid squashes it; each
 * cell proposes the box of its own square. The output is laid out like YOLOv8 ({@code [N, 4+C, A]}) or
 * YOLOv5 ({@code [N, A, 5+C]}, objectness 1). Encoded by hand as protobuf (ONNX IR 8, opset 13).
 */
final class TinyOnnx {
  private TinyOnnx() {}

  /**
   * @param size     square input size
   * @param cell     grid cell (stride) in input pixels; size % cell == 0
   * @param colours  per class an RGB weight triple (e.g. {1,-1,-1} = red)
   * @param dynamicBatch batch dimension "batch" when true, else 1
   * @param v5       anchors-last output with objectness when true
   * @param names    Ultralytics-style names metadata, or null
   */
  static Path write(Path file, int size, int cell, float[][] colours, boolean dynamicBatch, boolean v5, Map<Integer, String> names)
      throws IOException {
    int c = colours.length;
    int g = size / cell;
    int a = g * g;
    // class scores: conv 1x1 (scaled so a pure colour cell gives ~ +10, grey ~ -10)
    float k = 20f;
    float[] w = new float[c * 3];
    float[] b = new float[c];
    for (int i = 0; i < c; i++) {
      for (int j = 0; j < 3; j++) w[i * 3 + j] = colours[i][j] * k;
      b[i] = -0.5f * k;
    }
    int boxCh = v5 ? 5 : 4;
    float[] zw = new float[boxCh * c];
    float[] zb = new float[boxCh];
    float[] grid = new float[boxCh * a];
    for (int y = 0; y < g; y++) {
      for (int x = 0; x < g; x++) {
        int i = y * g + x;
        grid[i] = x * cell + cell / 2f;
        grid[a + i] = y * cell + cell / 2f;
        grid[2 * a + i] = cell;
        grid[3 * a + i] = cell;
        if (v5) grid[4 * a + i] = 1f;
      }
    }
    ByteArrayOutputStream graph = new ByteArrayOutputStream();
    node(graph, "Conv", List.of("images", "W", "B"), "logits", attrInts("kernel_shape", 1, 1));
    node(graph, "AveragePool", List.of("logits"), "pooled", attrInts("kernel_shape", cell, cell), attrInts("strides", cell, cell));
    node(graph, "Sigmoid", List.of("pooled"), "scores");
    node(graph, "Conv", List.of("scores", "ZW", "ZB"), "zeros", attrInts("kernel_shape", 1, 1));
    node(graph, "Add", List.of("zeros", "GRID"), "boxes");
    node(graph, "Concat", List.of("boxes", "scores"), "cat", attrInt("axis", 1));
    node(graph, "Reshape", List.of("cat", "SHAPE"), v5 ? "flat" : "output0");
    if (v5) node(graph, "Transpose", List.of("flat"), "output0", attrInts("perm", 0, 2, 1));
    string(graph, 2, "tiny_colour_yolo");
    bytes(graph, 5, floatTensor("W", w, c, 3, 1, 1));
    bytes(graph, 5, floatTensor("B", b, c));
    bytes(graph, 5, floatTensor("ZW", zw, boxCh, c, 1, 1));
    bytes(graph, 5, floatTensor("ZB", zb, boxCh));
    bytes(graph, 5, floatTensor("GRID", grid, 1, boxCh, g, g));
    bytes(graph, 5, int64Tensor("SHAPE", new long[] {0, boxCh + c, -1}, 3));
    bytes(graph, 11, valueInfo("images", dynamicBatch ? "batch" : null, dynamicBatch ? -1 : 1, 3, size, size));
    if (v5) bytes(graph, 12, valueInfo("output0", dynamicBatch ? "batch" : null, dynamicBatch ? -1 : 1, a, 5 + c));
    else bytes(graph, 12, valueInfo("output0", dynamicBatch ? "batch" : null, dynamicBatch ? -1 : 1, 4 + c, a));

    ByteArrayOutputStream model = new ByteArrayOutputStream();
    varintField(model, 1, 8); // ir_version
    string(model, 2, "vms-test");
    ByteArrayOutputStream opset = new ByteArrayOutputStream();
    string(opset, 1, "");
    varintField(opset, 2, 13);
    bytes(model, 8, opset.toByteArray());
    bytes(model, 7, graph.toByteArray());
    if (names != null) {
      StringBuilder s = new StringBuilder("{");
      names.forEach((i, n) -> s.append(s.length() > 1 ? ", " : "").append(i).append(": '").append(n).append('\''));
      ByteArrayOutputStream kv = new ByteArrayOutputStream();
      string(kv, 1, "names");
      string(kv, 2, s.append('}').toString());
      bytes(model, 14, kv.toByteArray());
    }
    Files.write(file, model.toByteArray());
    return file;
  }

  private static void node(ByteArrayOutputStream graph, String op, List<String> in, String out, byte[]... attrs) {
    ByteArrayOutputStream n = new ByteArrayOutputStream();
    for (String i : in) string(n, 1, i);
    string(n, 2, out);
    string(n, 3, op + "_" + out);
    string(n, 4, op);
    for (byte[] a : attrs) bytes(n, 5, a);
    bytes(graph, 1, n.toByteArray());
  }

  private static byte[] attrInts(String name, long... v) {
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    string(a, 1, name);
    for (long x : v) varintField(a, 8, x);
    varintField(a, 20, 7);
    return a.toByteArray();
  }

  private static byte[] attrInt(String name, long v) {
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    string(a, 1, name);
    varintField(a, 3, v);
    varintField(a, 20, 2);
    return a.toByteArray();
  }

  private static byte[] floatTensor(String name, float[] v, long... dims) {
    ByteArrayOutputStream t = new ByteArrayOutputStream();
    for (long d : dims) varintField(t, 1, d);
    varintField(t, 2, 1);
    string(t, 8, name);
    ByteBuffer raw = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) raw.putFloat(f);
    bytes(t, 9, raw.array());
    return t.toByteArray();
  }

  private static byte[] int64Tensor(String name, long[] v, long... dims) {
    ByteArrayOutputStream t = new ByteArrayOutputStream();
    for (long d : dims) varintField(t, 1, d);
    varintField(t, 2, 7);
    string(t, 8, name);
    ByteBuffer raw = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long x : v) raw.putLong(x);
    bytes(t, 9, raw.array());
    return t.toByteArray();
  }

  /** dims: -1 with batchParam names a symbolic dimension. */
  private static byte[] valueInfo(String name, String batchParam, long... dims) {
    ByteArrayOutputStream shape = new ByteArrayOutputStream();
    for (int i = 0; i < dims.length; i++) {
      ByteArrayOutputStream d = new ByteArrayOutputStream();
      if (dims[i] < 0) string(d, 2, batchParam);
      else varintField(d, 1, dims[i]);
      bytes(shape, 1, d.toByteArray());
    }
    ByteArrayOutputStream tensor = new ByteArrayOutputStream();
    varintField(tensor, 1, 1); // FLOAT
    bytes(tensor, 2, shape.toByteArray());
    ByteArrayOutputStream type = new ByteArrayOutputStream();
    bytes(type, 1, tensor.toByteArray());
    ByteArrayOutputStream vi = new ByteArrayOutputStream();
    string(vi, 1, name);
    bytes(vi, 2, type.toByteArray());
    return vi.toByteArray();
  }

  private static void varint(ByteArrayOutputStream o, long v) {
    while ((v & ~0x7FL) != 0) {
      o.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    o.write((int) v);
  }

  private static void varintField(ByteArrayOutputStream o, int field, long v) {
    varint(o, (long) field << 3);
    varint(o, v);
  }

  private static void bytes(ByteArrayOutputStream o, int field, byte[] b) {
    varint(o, ((long) field << 3) | 2);
    varint(o, b.length);
    o.writeBytes(b);
  }

  private static void string(ByteArrayOutputStream o, int field, String s) {
    bytes(o, field, s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
