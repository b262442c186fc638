package org.bluev.core;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/** Test inputs: the shared vectors file (path from a system property) and classpath fixtures. */
final class TestFiles {
  private TestFiles() {}

  /**
   * tests/data/tiling_vectors.json of the checkout. The Makefile passes its path as the system
   * property bluev.tilingVectors, so the test reads the very file the Python tests check.
   */
  static String tilingVectors() throws IOException {
    String path = System.getProperty("bluev.tilingVectors");
    if (path == null) {
      throw new IllegalStateException(
          "set -Dbluev.tilingVectors=<checkout>/tests/data/tiling_vectors.json (make android-unit"
              + " does)");
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
