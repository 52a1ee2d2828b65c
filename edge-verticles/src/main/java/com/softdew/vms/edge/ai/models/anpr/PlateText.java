package com.softdew.vms.edge.ai.models.anpr;

import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Plate text normalisation and format validation. */
public final class PlateText {
  /** Default format: 4 to 10 letters and digits with at least one digit. */
  public static final String DEFAULT_REGEX = "^(?=.*[0-9])[A-Z0-9]{4,10}$";

  private PlateText() {}

  /**
   * Upper case, only A-Z and 0-9 kept (spaces, dashes, dots and anything the recogniser made of the
   * plate's frame dropped); full-width forms (Ａ, １) are folded to ASCII first.
   */
  public static String normalize(String raw) {
    if (raw == null) return "";
    StringBuilder sb = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c >= '\uFF01' && c <= '\uFF5E') c = (char) (c - 0xFEE0); // full-width ASCII
      c = Character.toUpperCase(c);
      if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) sb.append(c);
    }
    return sb.toString().toUpperCase(Locale.ROOT);
  }

  /** Compiles a plate format; IllegalArgumentException naming the parameter when it is not a regex. */
  public static Pattern format(String regex, String paramName) {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(paramName + ": not a regular expression: " + e.getDescription() + " in '" + regex + "'");
    }
  }
}
