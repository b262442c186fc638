package org.bluev.core;

import java.util.Map;

/**
 * Programs whose weights sit in a data file beside them (manifest {@code components.<name>.data}:
 * a {@code .ptd}, ExecuTorch's program-data separation; {@code bluev export --data-file}, smollm2's default, stores a
 * tied token table once there). The app's per-component engine loads each program with
 * ExecuTorch Android's {@code Module.load(path, loadMode)}, which in executorch-android 1.5 takes
 * the {@code .pte} alone (only {@code LlmModule}, the stock engine's class, takes data files), so
 * such a set would fail inside ExecuTorch at its first method. It is refused before anything is
 * loaded, in one line naming the file and the manifest field. The stock engine reads the
 * stock_runner bundle, which export always writes as one file.
 */
public final class ProgramData {
  private ProgramData() {}

  /**
   * Null when the engine can load every program the set's manifest names; else one line naming
   * the first program with a data file, the manifest field and what to export instead.
   */
  public static String problem(Manifest m, boolean stockEngine) {
    if (stockEngine) {
      return null;
    }
    for (Map.Entry<String, Manifest.Component> e : m.components.entrySet()) {
      Manifest.Component c = e.getValue();
      if (c.dataFile != null) {
        return c.file + ": manifest components." + e.getKey() + ".data names " + c.dataFile
            + " (weights stored outside the .pte), and ExecuTorch Android's Module.load takes a .pte"
            + " alone: export with --no-data-file for the app";
      }
    }
    return null;
  }
}
