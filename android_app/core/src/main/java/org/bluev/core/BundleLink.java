package org.bluev.core;

import java.io.UnsupportedEncodingException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLDecoder;
import java.util.Locale;

/**
 * What the user typed or a link opened, as a bundle URL and the bundle's sha256 when given:
 *
 * <ul>
 *   <li>{@code https://host/path/model.zip#sha256=<64 hex>} (the fragment never reaches the
 *       server; `bluev bundle` prints the hash);
 *   <li>{@code bluev://install?url=<https URL, percent-encoded>&sha256=<64 hex>}, for a web page's
 *       "open in the app" link.
 * </ul>
 *
 * Only https is accepted: a model is code the phone runs, and the hash is optional.
 */
public final class BundleLink {
  public static final String SCHEME = "bluev";

  public final URL url;
  /** Lower-case hex, or null when the link gives none. */
  public final String sha256;

  private BundleLink(URL url, String sha256) {
    this.url = url;
    this.sha256 = sha256;
  }

  public static BundleLink parse(String text) throws InstallException {
    String t = text.trim();
    if (t.isEmpty()) {
      throw new InstallException("no URL: paste a bundle's https link (…/model.zip#sha256=…)");
    }
    if (t.toLowerCase(Locale.ROOT).startsWith(SCHEME + "://")) {
      return fromAppLink(t);
    }
    String sha256 = null;
    int hash = t.indexOf('#');
    if (hash >= 0) {
      String fragment = t.substring(hash + 1);
      t = t.substring(0, hash);
      if (fragment.startsWith("sha256=")) {
        sha256 = checkSha256(fragment.substring("sha256=".length()), text);
      }
    }
    return new BundleLink(httpsUrl(t, text), sha256);
  }

  private static BundleLink fromAppLink(String text) throws InstallException {
    int q = text.indexOf('?');
    String url = null;
    String sha256 = null;
    for (String pair : q < 0 ? new String[0] : text.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1), text);
      if (key.equals("url")) {
        url = value;
      } else if (key.equals("sha256")) {
        sha256 = checkSha256(value, text);
      }
    }
    if (url == null) {
      throw new InstallException(text + ": no url= in the link");
    }
    if (url.toLowerCase(Locale.ROOT).startsWith(SCHEME + "://")) {
      throw new InstallException(text + ": url= is not https; the app downloads models over https only");
    }
    BundleLink inner = parse(url);
    return new BundleLink(inner.url, sha256 != null ? sha256 : inner.sha256);
  }

  private static URL httpsUrl(String t, String text) throws InstallException {
    URL url;
    try {
      url = new URL(t);
    } catch (MalformedURLException ex) {
      throw new InstallException(text + ": not a URL (" + ex.getMessage() + ")");
    }
    if (!url.getProtocol().equals("https")) {
      throw new InstallException(text + ": not https; the app downloads models over https only");
    }
    if (url.getHost().isEmpty()) {
      throw new InstallException(text + ": no host in the URL");
    }
    return url;
  }

  private static String checkSha256(String hex, String text) throws InstallException {
    String h = hex.trim().toLowerCase(Locale.ROOT);
    if (!h.matches("[0-9a-f]{64}")) {
      throw new InstallException(text + ": sha256 must be 64 hex digits (as `bluev bundle` prints it)");
    }
    return h;
  }

  private static String decode(String s, String text) throws InstallException {
    try {
      return URLDecoder.decode(s, "UTF-8");
    } catch (UnsupportedEncodingException | IllegalArgumentException ex) {
      throw new InstallException(text + ": bad percent-encoding (" + ex.getMessage() + ")");
    }
  }
}
