package com.softdew.vms.control.push;

import com.softdew.vms.codec.Addresses;
import java.util.regex.Pattern;

/**
 * Addresses of the browser push (SockJS bridge) that are not (yet) in {@link Addresses}: the acknowledgement
 * address a browser sends to, and the internal address the event engine listens on.
 */
public final class PushAddresses {
  private PushAddresses() {}

  /**
   * Request/reply (internal bus): an event action from a browser, forwarded by the SockJS bridge with the tenant and
   * the actor forced from the access token: {tenantId, eventId, action, note, actor: {userId, username, role}, via,
   * at}. The event engine consumes it and replies (e.g. {ok, status}) or fails (409 illegal transition, 404 unknown
   * event); the reply goes back to the browser.
   */
  public static final String EVENT_ACK = com.softdew.vms.codec.Addresses.EVENT_ACK;

  /** What a browser may register on at all: a tenant-scoped client address (further checked per tenant and role). */
  public static final Pattern CLIENT_ADDRESS = Pattern.compile("client\\.tenant\\.[A-Za-z0-9_-]+\\..+");

  /** What a browser may send to at all: the acknowledgement address of a tenant. */
  public static final Pattern ACK_ADDRESS = Pattern.compile("client\\.tenant\\.[A-Za-z0-9_-]+\\.events\\.ack");

  /** A tenant id as it may appear in a client address. */
  public static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9_-]+");

  /** The address a browser of {@code tenantId} sends event acknowledgements to (never delivered as such: rewritten). */
  public static String clientEventsAck(String tenantId) {
    return Addresses.clientEvents(tenantId) + ".ack";
  }
}
