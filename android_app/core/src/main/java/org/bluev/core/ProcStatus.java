package org.bluev.core;

/** Reads the peak resident set size from the text of /proc/self/status (the VmHWM line). */
public final class ProcStatus {
  private ProcStatus() {}

  /** VmHWM in MiB (the kernel reports kB), or 0 when the line is absent. */
  public static double peakRssMb(String statusText) {
    for (String line : statusText.split("\n")) {
      if (line.startsWith("VmHWM:")) {
        String[] parts = line.substring("VmHWM:".length()).trim().split("\\s+");
        if (parts.length >= 1) {
          try {
            return Long.parseLong(parts[0]) / 1024.0;
          } catch (NumberFormatException ignored) {
            return 0.0;
          }
        }
      }
    }
    return 0.0;
  }
}
