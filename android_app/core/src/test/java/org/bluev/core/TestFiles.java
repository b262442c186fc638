package org.bluev.core;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Test inputs: the shared vectors file (path from a system property) and classpath fixtures. */
final class TestFiles {
  private TestFiles() {}

  /**
   * tests/data/tiling_vectors.json of the checkout. The Makefile passes its path as the system
   * property bluev.tilingVectors, so the test reads the very file the Python tests check.
   */
  static String tilingVectors() throws IOException {
    return checkoutFile("bluev.tilingVectors", "tests/data/tiling_vectors.json");
  }

  /** tests/data/speech_vectors.json (tools/make_speech_vectors.py): resampling and log-mel cases. */
  static String speechVectors() throws IOException {
    return checkoutFile("bluev.speechVectors", "tests/data/speech_vectors.json");
  }

  /**
   * tests/data/layout_vectors.json (tools/make_layout_vectors.py): each image layout's plan per
   * picture size, as the Python layouts compute it (system property bluev.layoutVectors).
   */
  static String layoutVectors() throws IOException {
    return checkoutFile("bluev.layoutVectors", "tests/data/layout_vectors.json");
  }

  /** tests/data/decode_vectors.json (tools/make_decode_vectors.py): Pillow's draft sizes. */
  static String decodeVectors() throws IOException {
    return checkoutFile("bluev.decodeVectors", "tests/data/decode_vectors.json");
  }

  /**
   * tests/data/manifests/KIND.json: a real manifest of each kind of artifact set, written by
   * tools/make_manifest_samples.py (`make manifests`) and checked against the schema by the Python
   * suite. The Makefile passes the folder as the system property bluev.manifests.
   */
  static String manifest(String kind) throws IOException {
    return new String(manifestBytes(kind), StandardCharsets.UTF_8);
  }

  static byte[] manifestBytes(String kind) throws IOException {
    return Files.readAllBytes(new File(manifestDir(), kind + ".json").toPath());
  }

  /** Every sample's kind (file name without .json), sorted. */
  static List<String> manifestKinds() {
    String[] names = manifestDir().list((dir, name) -> name.endsWith(".json"));
    List<String> kinds = new ArrayList<>();
    for (String name : names == null ? new String[0] : names) {
      kinds.add(name.substring(0, name.length() - ".json".length()));
    }
    Collections.sort(kinds);
    return kinds;
  }

  private static File manifestDir() {
    String path = System.getProperty("bluev.manifests");
    if (path == null) {
      throw new IllegalStateException("set -Dbluev.manifests=<checkout>/tests/data/manifests (make android-unit does)");
    }
    return new File(path);
  }

  /**
   * The layout fixture's folder (android_app/tools/make_layout_fixture.py, made by make
   * android-unit): a tiny LLaVA-OneVision artifact set and what the Python runtime makes of it.
   */
  static File layoutFixture() {
    String path = System.getProperty("bluev.layoutFixture");
    if (path == null) {
      throw new IllegalStateException("set -Dbluev.layoutFixture (make android-unit makes the fixture and passes it)");
    }
    return new File(path);
  }

  /** A file of the checkout whose path the build passes as a system property. */
  static String checkoutFile(String property, String name) throws IOException {
    String path = System.getProperty(property);
    if (path == null) {
      throw new IllegalStateException(
          "set -D" + property + "=<checkout>/" + name + " (make android-unit does)");
    }
    return Files.readString(new File(path).toPath(), StandardCharsets.UTF_8);
  }

  static byte[] resourceBytes(String name) throws IOException {
    try (InputStream in = TestFiles.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + ": not on the test classpath");
      }
      return in.readAllBytes();
    }
  }

  static String resource(String name) throws IOException {
    return new String(resourceBytes(name), StandardCharsets.UTF_8);
  }
}
