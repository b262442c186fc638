package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class BundleLinkTest {
  private static final String HASH = "5ba4e411d9b42f9bce7af675cafd83794e7e3183cc97c89ef3693da7fe50084f";

  @Test
  public void anHttpsUrlWithTheBundlesHashInTheFragment() throws Exception {
    BundleLink l = BundleLink.parse("  https://example.org/models/tiny.zip#sha256=" + HASH.toUpperCase() + " ");
    assertEquals("https://example.org/models/tiny.zip", l.url.toString());
    assertEquals(HASH, l.sha256);
    assertNull(BundleLink.parse("https://example.org/tiny.zip").sha256);
    assertNull(BundleLink.parse("https://example.org/tiny.zip#top").sha256);
  }

  @Test
  public void theAppsOwnLinkCarriesAnEncodedUrl() throws Exception {
    BundleLink l = BundleLink.parse(
        "bluev://install?url=https%3A%2F%2Fexample.org%2Ftiny.zip%3Fdl%3D1&sha256=" + HASH);
    assertEquals("https://example.org/tiny.zip?dl=1", l.url.toString());
    assertEquals(HASH, l.sha256);
  }

  @Test
  public void refusals() {
    assertTrue(message("http://example.org/tiny.zip").endsWith(": not https; the app downloads models over https only"));
    assertTrue(message("tiny.zip").contains("not a URL"));
    assertTrue(message("https://example.org/tiny.zip#sha256=abc").endsWith("sha256 must be 64 hex digits (as `bluev bundle` prints it)"));
    assertTrue(message("bluev://install?sha256=" + HASH).endsWith("no url= in the link"));
    assertTrue(message("bluev://install?url=bluev%3A%2F%2Finstall").contains("not https"));
    assertTrue(message(" ").startsWith("no URL"));
  }

  private static String message(String text) {
    return assertThrows(InstallException.class, () -> BundleLink.parse(text)).getMessage();
  }
}
