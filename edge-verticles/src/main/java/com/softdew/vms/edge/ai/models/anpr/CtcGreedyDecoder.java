package com.softdew.vms.edge.ai.models.anpr;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Greedy CTC decoding of a recogniser's per-time-step class probabilities, as PaddleOCR's
 * {@code CTCLabelDecode}: take the most probable class at every step, merge repeats, drop the blank
 * (class 0); the confidence is the mean probability of the characters kept. Written by hand: no Java
 * library decodes CTC output.
 *
 * <p>Classes: 0 = blank, 1..n = the lines of the character list, n+1 = space (PP-OCR's
 * {@code use_space_char}).
 */
public final class CtcGreedyDecoder {
  /** One decoded line. */
  public record Text(String text, double confidence) {}

  private final String[] classes;

  public CtcGreedyDecoder(List<String> characters) {
    classes = new String[characters.size() + 2];
    classes[0] = "";
    for (int i = 0; i < characters.size(); i++) classes[i + 1] = characters.get(i);
    classes[classes.length - 1] = " ";
  }

  /** Reads a PaddleOCR character list (one character a line, UTF-8). */
  public static CtcGreedyDecoder load(Path keys) throws IOException {
    List<String> chars = new ArrayList<>();
    for (String line : Files.readAllLines(keys, StandardCharsets.UTF_8)) {
      String c = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
      chars.add(c);
    }
    return new CtcGreedyDecoder(chars);
  }

  /** Number of classes the recogniser must output (blank + characters + space). */
  public int classCount() {
    return classes.length;
  }

  /**
   * Decodes one sequence.
   *
   * @param probs  [steps x classes] row-major probabilities (softmax output)
   * @param offset index of the sequence's first value in {@code probs}
   * @param steps  time steps
   */
  public Text decode(float[] probs, int offset, int steps) {
    int c = classes.length;
    StringBuilder sb = new StringBuilder();
    double confSum = 0;
    int kept = 0;
    int prev = -1;
    for (int t = 0; t < steps; t++) {
      int base = offset + t * c;
      int best = 0;
      float bestP = probs[base];
      for (int k = 1; k < c; k++) {
        float p = probs[base + k];
        if (p > bestP) { bestP = p; best = k; }
      }
      if (best != 0 && best != prev) {
        sb.append(classes[best]);
        confSum += bestP;
        kept++;
      }
      prev = best;
    }
    return new Text(sb.toString(), kept == 0 ? 0 : confSum / kept);
  }
}
