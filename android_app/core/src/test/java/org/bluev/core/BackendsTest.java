package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/** Which app build runs which artifact set (README's table), on manifests export writes. */
public class BackendsTest {
  private static Manifest tinyWith(String from, String to) throws Exception {
    return Manifest.parse(TestFiles.manifest("tiny-xnnpack").replace(from, to), "m");
  }

  private static Manifest backend(String name) throws Exception {
    return tinyWith("\"backend\": \"xnnpack\"", "\"backend\": \"" + name + "\"");
  }

  /** An NPU set as export/mediatek.py writes it: every program on mediatek, no embed method. */
  private static Manifest npu() throws Exception {
    String text =
        TestFiles.manifest("tiny-xnnpack")
            .replace("\"backend\": \"xnnpack\"", "\"backend\": \"mediatek\"")
            .replace("\"embed\": \"token_embedding\"", "\"embed\": null");
    return Manifest.parse(text, "m");
  }

  @Test
  public void xnnpackSetsRunOnBothBuildsWithBothEngines() throws Exception {
    Manifest m = backend("xnnpack");
    for (String flavor : Backends.FLAVORS) {
      assertNull(Backends.problem(m, false, flavor));
      assertNull(Backends.problem(m, true, flavor));
    }
    assertNull(Backends.problem(backend("portable"), false, "xnnpack"));
  }

  @Test
  public void vulkanSetsNeedTheVulkanBuild() throws Exception {
    Manifest m = backend("vulkan");
    assertNull(Backends.problem(m, false, "vulkan"));
    assertNull(Backends.problem(m, true, "vulkan"));
    String why = Backends.problem(m, false, "xnnpack");
    assertEquals(
        "vision_encoder.pte: built for backend vulkan (the phone GPU) and this is the xnnpack"
            + " build of the app: install its vulkan build (./gradlew installVulkanRelease), or"
            + " export with --backend xnnpack",
        why);
    assertTrue(Backends.problem(m, true, "xnnpack").startsWith("stock_runner.pte: built for backend vulkan"));
  }

  @Test
  public void onlyTheProgramsTheEngineLoadsCount() throws Exception {
    // A Vulkan LLM with an XNNPACK stock bundle: the stock engine runs it on the xnnpack build.
    String text =
        TestFiles.manifest("tiny-xnnpack")
            .replaceFirst("(\"file\": \"llm.pte\"[^}]*?\"backend\": )\"xnnpack\"", "$1\"vulkan\"");
    Manifest m = Manifest.parse(text, "m");
    assertEquals("vulkan", m.llmBackend());
    assertNull(Backends.problem(m, true, "xnnpack"));
    assertTrue(Backends.problem(m, false, "xnnpack").startsWith("llm.pte: built for backend vulkan"));
  }

  @Test
  public void npuSetsArePointedToTheNativeRunnerOnEveryBuild() throws Exception {
    Manifest m = npu();
    assertNull(m.llm.embedMethod); // "embed": null is read, not refused
    for (String flavor : Backends.FLAVORS) {
      for (boolean stock : new boolean[] {false, true}) {
        String why = Backends.problem(m, stock, flavor);
        assertEquals(
            "vision_encoder.pte: built for the MediaTek NPU (backend mediatek); no build of this"
                + " app carries NeuroPilot: run the set with the native runner bluev-runner"
                + " (docs/native-runner.md), or export with --backend xnnpack for the app",
            why);
      }
    }
  }

  @Test
  public void unknownAndMissingBackendsSayWhatToDo() throws Exception {
    String qnn = Backends.problem(backend("qnn"), false, "vulkan");
    assertEquals(
        "vision_encoder.pte: built for backend qnn, which no build of this app carries (they run"
            + " [portable, xnnpack, vulkan]); export with --backend xnnpack",
        qnn);
    String none = Backends.problem(tinyWith("\"backend\": \"xnnpack\"", "\"backend_was\": \"xnnpack\""), false, "xnnpack");
    assertEquals("vision_encoder.pte: the manifest names no backend for it; re-export it with this bluev", none);
    for (String msg : List.of(qnn, none)) {
      assertTrue(!msg.contains("\n"));
    }
  }

  @Test
  public void flavorsAreTheGradleOnes() throws Exception {
    // app/build.gradle.kts declares the product flavors BuildConfig.FLAVOR takes.
    String gradle = TestFiles.checkoutFile("bluev.appGradle", "android_app/app/build.gradle.kts");
    String flavors = gradle.substring(gradle.indexOf("productFlavors {"), gradle.indexOf("\n  }", gradle.indexOf("productFlavors {")));
    List<String> declared = new ArrayList<>();
    Matcher m = Pattern.compile("create\\(\"(\\w+)\"\\)").matcher(flavors);
    while (m.find()) {
      declared.add(m.group(1));
    }
    assertEquals(List.copyOf(Backends.FLAVORS), declared);
    assertEquals(List.of("portable", "xnnpack"), List.copyOf(Backends.carriedBy("xnnpack")));
    assertEquals(List.of("portable", "xnnpack", "vulkan"), List.copyOf(Backends.carriedBy("vulkan")));
    assertThrows(IllegalArgumentException.class, () -> Backends.carriedBy("mediatek"));
  }
}
