package org.bluev.core;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The app's installed models: one folder per artifact set under {@code root}, named by its
 * manifest's hash ({@link ArtifactDir#dirName}), so one name means one set and importing the
 * same bundle twice installs it once. Imports are built in a hidden {@code .staging-*} folder
 * and renamed into place whole; deletes rename to {@code .trash-*} first. A set therefore
 * appears and disappears at once, and hidden folders left by a killed app are removed by
 * {@link #removeLeftovers}.
 */
public final class ModelStore {
  static final String STAGING = ".staging-";
  static final String TRASH = ".trash-";

  private final File root;

  public ModelStore(File root) {
    this.root = root;
  }

  public File root() {
    return root;
  }

  /** The installed sets, newest first; one whose manifest this app cannot read says why. */
  public List<InstalledModel> list() {
    List<InstalledModel> out = new ArrayList<>();
    File[] dirs = root.listFiles(f -> f.isDirectory() && !f.getName().startsWith("."));
    for (File dir : dirs == null ? new File[0] : dirs) {
      if (new File(dir, Manifest.FILE_NAME).isFile()) {
        out.add(describe(dir));
      }
    }
    out.sort(Comparator.comparingLong((InstalledModel m) -> installedAt(m.dir)).reversed());
    return out;
  }

  /** The set in {@code dir}, read from its manifest (no hashing). */
  public static InstalledModel describe(File dir) {
    long bytes = sizeOf(dir);
    try {
      return new InstalledModel(dir, ArtifactDir.readManifest(dir), null, bytes);
    } catch (ArtifactException ex) {
      return new InstalledModel(dir, null, ex.getMessage(), bytes);
    }
  }

  /** Removes an installed set: it leaves the list at once, then its files are deleted. */
  public void delete(InstalledModel model) throws IOException {
    File trash = hidden(TRASH);
    Files.move(model.dir.toPath(), trash.toPath(), StandardCopyOption.ATOMIC_MOVE);
    deleteTree(trash);
  }

  /** Deletes what a killed app left: half-built imports and half-deleted sets. */
  public void removeLeftovers() {
    File[] left =
        root.listFiles(f -> f.getName().startsWith(STAGING) || f.getName().startsWith(TRASH));
    for (File f : left == null ? new File[0] : left) {
      deleteTree(f);
    }
  }

  /** A new hidden folder to build an import in (same file system as the sets: rename works). */
  File newStaging() throws IOException {
    File dir = hidden(STAGING);
    if (!dir.mkdirs()) {
      throw new IOException(dir + ": cannot create the import folder");
    }
    return dir;
  }

  /**
   * Moves a complete staging folder into place under {@code name}. When that set is already
   * installed (same manifest, so the same files), the staging folder is dropped and the
   * installed one kept.
   *
   * @return the installed folder, and whether it was there already
   */
  File commit(File staging, String name, boolean[] existed) throws IOException {
    File target = new File(root, name);
    existed[0] = new File(target, Manifest.FILE_NAME).isFile();
    if (existed[0]) {
      deleteTree(staging);
      return target;
    }
    if (target.exists()) {
      deleteTree(target); // a folder without a manifest is no set: nothing installed lives there
    }
    Files.move(staging.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE);
    return target;
  }

  private File hidden(String prefix) throws IOException {
    if (!root.isDirectory() && !root.mkdirs() && !root.isDirectory()) {
      throw new IOException(root + ": cannot create the model folder");
    }
    for (int i = 0; ; i++) {
      File f = new File(root, prefix + System.nanoTime() + (i == 0 ? "" : "-" + i));
      if (!f.exists()) {
        return f;
      }
    }
  }

  private static long installedAt(File dir) {
    return new File(dir, Manifest.FILE_NAME).lastModified();
  }

  static long sizeOf(File f) {
    if (f.isFile()) {
      return f.length();
    }
    long sum = 0;
    File[] children = f.listFiles();
    for (File c : children == null ? new File[0] : children) {
      sum += sizeOf(c);
    }
    return sum;
  }

  /** Deletes a folder and everything in it; symlinks are removed, not followed. */
  static void deleteTree(File f) {
    if (f.isDirectory() && !Files.isSymbolicLink(f.toPath())) {
      File[] children = f.listFiles();
      for (File c : children == null ? new File[0] : children) {
        deleteTree(c);
      }
    }
    f.delete();
  }
}
