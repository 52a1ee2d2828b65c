package com.softdew.vms.edge.onvif;

import java.util.List;

/**
 * An ONVIF call failed: names the operation and, when the camera sent one, the SOAP fault. A wrong user
 * or password, or a clock too far off, is {@link #isNotAuthorized()} (ter:NotAuthorized, or HTTP 401
 * from cameras that answer that way).
 */
public class OnvifException extends RuntimeException {
  private final String operation;
  private final int httpStatus;
  private final SoapFault fault;

  public OnvifException(String operation, int httpStatus, SoapFault fault, String detail, Throwable cause) {
    super(message(operation, httpStatus, fault, detail), cause);
    this.operation = operation;
    this.httpStatus = httpStatus;
    this.fault = fault;
  }

  private static String message(String operation, int httpStatus, SoapFault fault, String detail) {
    StringBuilder sb = new StringBuilder("ONVIF ").append(operation).append(" failed");
    if (fault != null) {
      sb.append(": ").append(fault.subcodes().isEmpty() ? fault.code() : String.join("/", fault.subcodes()));
      if (!fault.reason().isEmpty()) sb.append(" (").append(fault.reason()).append(')');
    }
    if (detail != null) sb.append(": ").append(detail);
    if (httpStatus > 0) sb.append(" [HTTP ").append(httpStatus).append(']');
    return sb.toString();
  }

  public String operation() {
    return operation;
  }

  /** HTTP status of the answer, 0 when there was none (network error, timeout). */
  public int httpStatus() {
    return httpStatus;
  }

  /** The SOAP fault, or null. */
  public SoapFault fault() {
    return fault;
  }

  public List<String> subcodes() {
    return fault == null ? List.of() : fault.subcodes();
  }

  public boolean isNotAuthorized() {
    return (fault != null && fault.isNotAuthorized()) || httpStatus == 401;
  }
}
