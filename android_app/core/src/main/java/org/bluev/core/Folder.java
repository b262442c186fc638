package org.bluev.core;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * An artifact folder to import, read by file name: a directory on disk, or on the phone a
 * folder the user picked with the system picker (a document tree, read through the app's
 * ContentResolver). Only the names the manifest gives are ever asked for.
 */
public interface Folder {
  /** The file {@code name} of the folder, or null when it has none. */
  InputStream open(String name) throws IOException;

  /** True when the folder has a file of that name. */
  boolean has(String name) throws IOException;

  /** Its size in bytes, or -1 when the folder does not say (some document providers). */
  long size(String name) throws IOException;

  /** How the folder is named in messages (a path, or the picked folder's name). */
  String describe();

  /** A directory on disk. */
  static Folder of(File dir) {
    return new Folder() {
      @Override
      public InputStream open(String name) throws IOException {
        File f = new File(dir, name);
        return f.isFile() ? new FileInputStream(f) : null;
      }

      @Override
      public boolean has(String name) {
        return new File(dir, name).isFile();
      }

      @Override
      public long size(String name) {
        File f = new File(dir, name);
        return f.isFile() ? f.length() : -1;
      }

      @Override
      public String describe() {
        return dir.getPath();
      }
    };
  }
}
