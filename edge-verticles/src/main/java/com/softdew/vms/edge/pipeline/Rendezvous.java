package com.softdew.vms.edge.pipeline;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Rendezvous (highest-random-weight) hashing of cameras onto nodes with a capacity per node: each
 * camera ranks the nodes by {@code weight(node, camera)} (first 8 bytes of SHA-256) and goes to the
 * best-ranked node that still has room. Cameras are placed in a fixed order (by key), so the result
 * depends only on the set of cameras and the nodes' capacities. When capacities are not binding, a
 * node joining takes only the cameras for which it now ranks first, and a node leaving hands only its
 * own cameras to their next-ranked node: the minimal movement.
 */
public final class Rendezvous {
  private Rendezvous() {}

  /** Result: camera → node, and the cameras no node had room for. */
  public record Placement(Map<String, String> assignment, List<String> unplaced) {}

  public static long weight(String node, String camera) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(node.getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      md.update(camera.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(md.digest()).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Places every camera on one node.
   *
   * @param cameras  camera keys (tenant/camera)
   * @param capacity node id → cameras it may run (nodes with 0 take none)
   */
  public static Placement place(Collection<String> cameras, Map<String, Integer> capacity) {
    Map<String, String> out = new TreeMap<>();
    List<String> unplaced = new ArrayList<>();
    Map<String, Integer> left = new HashMap<>(capacity);
    for (String cam : new TreeSet<>(cameras)) {
      String best = capacity.keySet().stream().filter(n -> left.getOrDefault(n, 0) > 0)
          .max(Comparator.<String>comparingLong(n -> weight(n, cam)).thenComparing(Comparator.naturalOrder())).orElse(null);
      if (best == null) {
        unplaced.add(cam);
      } else {
        out.put(cam, best);
        left.merge(best, -1, Integer::sum);
      }
    }
    return new Placement(out, unplaced);
  }
}
