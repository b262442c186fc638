package org.bluev.core;

import java.io.File;
import java.util.Locale;

/** One artifact set in the app's model folder, as the model list shows it. */
public final class InstalledModel {
  /** The folder's name: the first 16 hex digits of its manifest's sha256 (ArtifactDir.dirName). */
  public final String name;

  public final File dir;
  /** Null when the manifest cannot be read by this version of the app (see {@link #problem}). */
  public final Manifest manifest;
  /** Why the set cannot be used (e.g. an older format), or null. */
  public final String problem;
  /** The bytes of its files, manifest included. */
  public final long bytes;

  InstalledModel(File dir, Manifest manifest, String problem, long bytes) {
    this.name = dir.getName();
    this.dir = dir;
    this.manifest = manifest;
    this.problem = problem;
    this.bytes = bytes;
  }

  /** "tiny · xnnpack · llava_onevision · 10.9 MB" (family only when the manifest has one). */
  public String summary() {
    String size = megabytes(bytes);
    if (manifest == null) {
      return name + " · " + size + " · unusable: " + problem;
    }
    String family = manifest.family == null ? "" : " · " + manifest.family;
    return manifest.preset + " · " + manifest.llmBackend() + family + " · " + size;
  }

  /** Bytes as the screen shows them: "10.9 MB", "1.62 GB". */
  public static String megabytes(long bytes) {
    if (bytes >= 1_000_000_000L) {
      return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }
}
