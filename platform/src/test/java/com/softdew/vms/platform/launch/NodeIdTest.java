package com.softdew.vms.platform.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The node id survives restarts (recordings and their index rows are keyed by it), and two live nodes never share one. */
class NodeIdTest {
  @Test
  void keptInTheDataDirectoryAndNeverSharedByTwoLiveNodes() throws Exception {
    Path dir = Files.createTempDirectory("node-id").toAbsolutePath().normalize();
    String first = RoleVerticle.stableNodeId(dir);
    assertEquals(first, Files.readString(dir.resolve("node-id")).trim());
    assertNotEquals(first, RoleVerticle.stableNodeId(dir), "a second live node on the same directory gets its own id");
    RoleVerticle.release(dir);
    assertEquals(first, RoleVerticle.stableNodeId(dir), "after the first stopped, a restart gets the same id");
    RoleVerticle.release(dir);
    Files.writeString(dir.resolve("node-id"), "not a valid id!\n");
    String replaced = RoleVerticle.stableNodeId(dir);
    assertNotEquals("not a valid id!", replaced);
    assertEquals(replaced, Files.readString(dir.resolve("node-id")).trim());
  }
}
