package org.bluev.core;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which ExecuTorch backends a build of the app carries, and what to tell the user when an
 * artifact set needs another one. Checked before any program is loaded, so a Vulkan or NPU set
 * gets one sentence saying what to do instead of an error from inside ExecuTorch's loadMethod.
 *
 * <p>The builds are the app's Gradle product flavors: {@code xnnpack} packages
 * {@code org.pytorch:executorch-android} (XNNPACK), {@code vulkan} packages
 * {@code org.pytorch:executorch-android-vulkan} (ExecuTorch's Android build script always adds
 * XNNPACK, so it runs XNNPACK sets too). Neither has MediaTek's NeuroPilot backend: NPU sets run
 * with the native runner. {@code portable} programs (no delegate) run everywhere.
 */
public final class Backends {
  public static final String XNNPACK = "xnnpack";
  public static final String VULKAN = "vulkan";
  public static final String MEDIATEK = "mediatek";
  public static final String PORTABLE = "portable";

  /** The app's flavors, in the order the docs list them. */
  public static final Set<String> FLAVORS = set(XNNPACK, VULKAN);

  private Backends() {}

  /** The manifest backends a build runs; {@code flavor} is BuildConfig.FLAVOR. */
  public static Set<String> carriedBy(String flavor) {
    if (XNNPACK.equals(flavor)) {
      return set(PORTABLE, XNNPACK);
    }
    if (VULKAN.equals(flavor)) {
      return set(PORTABLE, XNNPACK, VULKAN);
    }
    throw new IllegalArgumentException("app flavor '" + flavor + "': expected one of " + FLAVORS);
  }

  /**
   * Null when this build can run the programs {@code stockEngine} (the stock_runner bundle) or
   * the per-component engine loads; else one line that names the file, its backend and what to
   * do instead. An NPU file anywhere in the set refuses it whichever engine was asked for.
   */
  public static String problem(Manifest m, boolean stockEngine, String flavor) {
    Set<String> carried = carriedBy(flavor);
    for (Manifest.Component c : m.components.values()) {
      if (MEDIATEK.equals(c.backend)) {
        return c.file + ": built for the MediaTek NPU (backend mediatek); no build of this app"
            + " carries NeuroPilot: run the set with the native runner bluev-runner"
            + " (docs/native-runner.md), or export with --backend xnnpack for the app";
      }
    }
    if (stockEngine) {
      return m.stockRunner == null
          ? null
          : check(m.stockRunner.program, m.stockRunner.backend, carried, flavor);
    }
    for (Map.Entry<String, Manifest.Component> e : m.components.entrySet()) {
      String why = check(e.getValue().file, e.getValue().backend, carried, flavor);
      if (why != null) {
        return why;
      }
    }
    return null;
  }

  private static String check(String file, String backend, Set<String> carried, String flavor) {
    if (carried.contains(backend)) {
      return null;
    }
    if (backend.isEmpty()) {
      return file + ": the manifest names no backend for it; re-export it with this bluev";
    }
    if (VULKAN.equals(backend)) {
      return file + ": built for backend vulkan (the phone GPU) and this is the " + flavor
          + " build of the app: install its vulkan build (./gradlew installVulkanRelease), or"
          + " export with --backend xnnpack";
    }
    return file + ": built for backend " + backend + ", which no build of this app carries"
        + " (they run " + carriedBy(VULKAN) + "); export with --backend xnnpack";
  }

  private static Set<String> set(String... names) {
    return Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(names)));
  }
}
