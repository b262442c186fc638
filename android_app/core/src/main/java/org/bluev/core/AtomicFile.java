package org.bluev.core;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file so that readers see the old content or the whole new one, never half: the bytes
 * go to {@code <name>.part} next to it, are synced, and the part file is renamed over the target.
 * The adb benchmark polls for the result file, so it must never see a partial one.
 */
public final class AtomicFile {
  private AtomicFile() {}

  public static void writeText(File target, String text) throws IOException {
    File dir = target.getAbsoluteFile().getParentFile();
    if (dir != null && !dir.isDirectory() && !dir.mkdirs() && !dir.isDirectory()) {
      throw new IOException(dir + ": cannot create the directory");
    }
    File part = new File(target.getPath() + ".part");
    try (FileOutputStream out = new FileOutputStream(part)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.getFD().sync();
    } catch (IOException ex) {
      part.delete();
      throw ex;
    }
    try {
      Files.move(
          part.toPath(),
          target.toPath(),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException ex) {
      part.delete();
      throw ex;
    }
  }
}
