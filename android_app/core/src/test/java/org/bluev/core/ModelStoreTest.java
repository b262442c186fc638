package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The installed-model folder: listing, what a row says, deleting, and what a killed app left. */
public class ModelStoreTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private File set(File root, String name, String manifest, long mtime) throws Exception {
    File dir = new File(root, name);
    dir.mkdirs();
    File m = new File(dir, Manifest.FILE_NAME);
    Files.write(m.toPath(), manifest.getBytes(StandardCharsets.UTF_8));
    assertTrue(m.setLastModified(mtime));
    return dir;
  }

  @Test
  public void listsNewestFirstAndSaysWhatEachSetIs() throws Exception {
    File root = tmp.newFolder("models");
    String hf = TestFiles.manifest("tiny-xnnpack")
        .replaceFirst("\"model_type\": null", "\"model_type\": \"llava_onevision\"");
    set(root, "aaaa", TestFiles.manifest("tiny-vulkan"), 1_000_000_000_000L);
    set(root, "bbbb", hf, 2_000_000_000_000L);
    String version = "\"format_version\": " + Manifest.FORMAT_VERSION;
    String old = TestFiles.manifest("tiny-xnnpack").replace(version, "\"format_version\": 1");
    set(root, "cccc", old, 3_000_000_000_000L);
    new File(root, ".staging-1").mkdirs(); // an import in progress is not listed
    List<InstalledModel> models = new ModelStore(root).list();
    assertEquals(Arrays.asList("cccc", "bbbb", "aaaa"), Arrays.asList(models.get(0).name, models.get(1).name, models.get(2).name));
    assertNull(models.get(0).manifest);
    assertTrue(models.get(0).summary(), models.get(0).summary().contains("unusable: "));
    assertTrue(models.get(0).problem, models.get(0).problem.contains("format version 1, this app reads " + Manifest.FORMAT_VERSION));
    assertEquals("llava_onevision", models.get(1).manifest.family);
    assertTrue(models.get(1).summary(), models.get(1).summary().startsWith("tiny · xnnpack · llava_onevision · "));
    assertNull(models.get(2).manifest.family);
    assertTrue(models.get(2).summary(), models.get(2).summary().startsWith("tiny · vulkan · "));
  }

  @Test
  public void deleteAndLeftovers() throws Exception {
    File root = tmp.newFolder("models");
    File keep = set(root, "aaaa", TestFiles.manifest("tiny-xnnpack"), 1_000_000_000_000L);
    File gone = set(root, "bbbb", TestFiles.manifest("tiny-xnnpack"), 2_000_000_000_000L);
    new File(gone, "llm.pte").createNewFile();
    ModelStore store = new ModelStore(root);
    store.delete(store.list().get(0));
    assertFalse(gone.exists());
    new File(root, ModelStore.STAGING + "12/llm.pte").getParentFile().mkdirs();
    new File(root, ModelStore.TRASH + "13").mkdirs();
    store.removeLeftovers();
    assertEquals(Arrays.asList("aaaa"), Arrays.asList(root.list()));
    assertTrue(keep.isDirectory());
  }

  @Test
  public void theManifestGivesEveryFilesSize() throws Exception {
    for (String kind : TestFiles.manifestKinds()) {
      if (kind.equals("tiny-vision-only")) {
        continue; // refused by the app: no LLM
      }
      String text = TestFiles.manifest(kind);
      Manifest m = Manifest.parse(text, kind);
      Map<String, Object> json = Fields.asObject(Json.parse(text), kind);
      long sum = 0;
      for (Manifest.FileRef f : m.fileRefs()) {
        sum += f.bytes;
        assertTrue(kind + " " + f.file, f.bytes > 0);
      }
      assertEquals(kind, m.files().size(), m.fileRefs().size());
      // what the JSON says, read independently: components, tokenizer, stock bundle, NPU table, speech
      long expected = Fields.integer(Fields.object(json, "tokenizer"), "bytes");
      for (Object c : Fields.object(json, "components").values()) {
        Map<String, Object> comp = Fields.asObject(c, kind);
        expected += Fields.integer(comp, "bytes");
        Map<String, Object> data = Fields.optObject(comp, "data"); // its .ptd
        expected += data == null ? 0 : Fields.integer(data, "bytes");
      }
      Map<String, Object> stock = Fields.optObject(json, "stock_runner");
      expected += stock == null ? 0 : Fields.integer(stock, "bytes");
      Map<String, Object> npu = Fields.optObject(json, "npu");
      expected += npu == null ? 0 : Fields.integer(Fields.object(npu, "embedding"), "bytes");
      Map<String, Object> speech = Fields.optObject(json, "speech");
      if (speech != null) { // its tokenizer and filter bank
        expected += Fields.integer(Fields.object(speech, "tokenizer"), "bytes");
        expected += Fields.integer(Fields.object(Fields.object(speech, "features"), "filters"), "bytes");
      }
      assertEquals(kind, expected, sum);
      assertEquals(kind, sum, m.totalBytes());
    }
  }
}
