package org.bluev.core;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Which files of one artifact directory have been hashed, so a multi-GB set is hashed once
 * (when first opened) instead of at every start. The record lives in the app's own storage,
 * one small JSON file per artifact directory, and vouches for a file only while its size and
 * modification time (nanoseconds) are what they were when its sha256 matched the manifest:
 * re-pushing or editing a file changes them, so that file is hashed again and refused if it
 * differs. A change that keeps both size and mtime is not noticed (the same trade as make's or
 * rsync's quick check); delete the record to force a full check.
 */
public final class IntegrityRecord {
  static final String SCHEMA = "bluev-integrity/1";

  private final File file;
  private final String root;
  private final Map<String, Map<String, Object>> entries;

  private IntegrityRecord(File file, String root, Map<String, Map<String, Object>> entries) {
    this.file = file;
    this.root = root;
    this.entries = entries;
  }

  /**
   * The record of {@code artifactRoot} in {@code recordDir}: read when present and readable,
   * else empty (a missing or damaged record only costs a full check).
   */
  public static IntegrityRecord load(File recordDir, File artifactRoot) {
    String root = artifactRoot.getAbsolutePath();
    byte[] key = root.getBytes(StandardCharsets.UTF_8);
    File file = new File(recordDir, ArtifactDir.dirName(key) + ".json");
    Map<String, Map<String, Object>> entries = new LinkedHashMap<>();
    try {
      Map<String, Object> obj =
          Fields.asObject(
              Json.parse(new String(Files.readAllBytes(file.toPath()), StandardCharsets.UTF_8)),
              "record");
      if (SCHEMA.equals(obj.get("schema")) && root.equals(obj.get("root"))) {
        for (Map.Entry<String, Object> e : Fields.object(obj, "files").entrySet()) {
          entries.put(e.getKey(), Fields.asObject(e.getValue(), e.getKey()));
        }
      }
    } catch (IOException | JsonException ex) {
      entries.clear(); // absent or unreadable: hash everything, then write a fresh record
    }
    return new IntegrityRecord(file, root, entries);
  }

  /** True when {@code f} was hashed to {@code sha256} and has not changed size or mtime since. */
  public boolean vouchesFor(String name, File f, String sha256) throws IOException {
    Map<String, Object> e = entries.get(name);
    return e != null
        && sha256.equals(e.get("sha256"))
        && Long.valueOf(f.length()).equals(e.get("bytes"))
        && Long.valueOf(mtimeNanos(f)).equals(e.get("mtime_ns"));
  }

  /** Notes that {@code f} (as it is now) hashed to {@code sha256}. */
  public void put(String name, File f, String sha256) throws IOException {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("sha256", sha256);
    e.put("bytes", f.length());
    e.put("mtime_ns", mtimeNanos(f));
    entries.put(name, e);
  }

  /** Writes the record atomically (a reader sees the old record or the new one). */
  public void save() throws IOException {
    Map<String, Object> obj = new LinkedHashMap<>();
    obj.put("schema", SCHEMA);
    obj.put("root", root);
    obj.put("files", new LinkedHashMap<String, Object>(entries));
    AtomicFile.writeText(file, Json.write(obj) + "\n");
  }

  public File file() {
    return file;
  }

  private static long mtimeNanos(File f) throws IOException {
    return Files.getLastModifiedTime(f.toPath()).to(TimeUnit.NANOSECONDS);
  }
}
