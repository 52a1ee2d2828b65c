package com.softdew.vms.control.auth;

import com.softdew.vms.control.auth.crypto.SecretBox;
import com.softdew.vms.platform.config.VmsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key-encryption keys for secrets at rest: {@code auth.kek} when set (production: from a secret
 * store through VMS_AUTH_KEK), otherwise a key generated once into {@code data.dir/keys/kek} (mode 600)
 * so a development install keeps its secrets readable across restarts. Blocking: call off the event loop.
 */
public final class KeyEncryptionKeys {
  private static final Logger LOG = LoggerFactory.getLogger(KeyEncryptionKeys.class);

  private KeyEncryptionKeys() {}

  public static SecretBox load(VmsConfig cfg) throws IOException {
    String spec = cfg.string("auth.kek");
    if (!spec.isBlank()) return SecretBox.fromConfig(spec);
    Path file = Path.of(cfg.string("data.dir")).resolve("keys").resolve("kek");
    if (!Files.exists(file)) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, SecretBox.newKeySpec("local1"));
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system
      }
      LOG.warn("auth.kek is empty: generated a key-encryption key in {} (development only; set auth.kek in production)", file);
    }
    return SecretBox.fromConfig(Files.readString(file).trim());
  }
}
