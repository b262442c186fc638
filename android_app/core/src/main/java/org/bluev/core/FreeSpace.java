package org.bluev.core;

import java.io.File;

/**
 * How many bytes an import may write into a directory. On the phone it is what the file system
 * reports as usable; a test gives a smaller figure to play a full disk without filling one.
 */
public interface FreeSpace {
  /** Bytes that can be written under {@code dir}. */
  long bytes(File dir);

  /** The file system's own figure (java.io.File#getUsableSpace). */
  FreeSpace DISK = File::getUsableSpace;

  /** At most {@code limit} bytes, and never more than the disk has. */
  static FreeSpace atMost(long limit) {
    return dir -> Math.min(limit, DISK.bytes(dir));
  }
}
