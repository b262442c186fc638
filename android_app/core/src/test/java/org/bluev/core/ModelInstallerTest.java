package org.bluev.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Imports of the real tiny bundle and its artifact folder into a model store: what lands, that
 * it is verified while copied, and that every refusal names the reason and leaves nothing.
 */
public class ModelInstallerTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private File models;
  private File records;
  private ModelStore store;

  @Before
  public void setUp() throws Exception {
    models = new File(tmp.getRoot(), "models");
    records = new File(tmp.getRoot(), "integrity");
    store = new ModelStore(models);
  }

  private ModelInstaller installer(FreeSpace space) {
    return new ModelInstaller(store, space, records, null);
  }

  private ModelInstaller.Result importZip(File zip, FreeSpace space, InstallTask task) throws Exception {
    try (InputStream in = new FileInputStream(zip)) {
      return installer(space).fromBundle(in, zip.length(), zip.getName(), null, task);
    }
  }

  /** The installed set is the fixture's folder, byte for byte, under its manifest's name. */
  private void assertInstalledAsTheFolder(ModelInstaller.Result r) throws Exception {
    File dir = r.model.dir;
    assertEquals(ArtifactDir.dirName(Bundles.manifestBytes()), dir.getName());
    assertEquals(new File(models, dir.getName()), dir);
    assertArrayEquals(Bundles.manifestBytes(), Files.readAllBytes(new File(dir, Manifest.FILE_NAME).toPath()));
    for (Manifest.FileRef f : Bundles.manifest().fileRefs()) {
      assertArrayEquals(f.file, Files.readAllBytes(new File(Bundles.folder(), f.file).toPath()),
          Files.readAllBytes(new File(dir, f.file).toPath()));
    }
    // Verified while copied: the app's first open trusts the record and hashes nothing again.
    ArtifactDir opened = ArtifactDir.open(dir, records);
    assertEquals(new ArrayList<String>(), opened.hashed);
    assertEquals(Arrays.asList(dir.getName()), Arrays.asList(Bundles.everything(models)));
    List<InstalledModel> listed = store.list();
    assertEquals(1, listed.size());
    assertEquals("tiny", listed.get(0).manifest.preset);
    long expected = Bundles.manifest().totalBytes() + Bundles.manifestBytes().length;
    assertEquals(expected, listed.get(0).bytes);
    assertEquals("tiny · xnnpack · " + InstalledModel.megabytes(expected), listed.get(0).summary());
  }

  private void assertNothingInstalled() {
    assertEquals(Arrays.asList(), Arrays.asList(Bundles.everything(models)));
  }

  @Test
  public void fromTheFolder() throws Exception {
    List<String> files = new ArrayList<>();
    InstallTask task = new InstallTask((done, total, file) -> files.add(file));
    ModelInstaller.Result r = installer(FreeSpace.DISK).fromFolder(Folder.of(Bundles.folder()), task);
    assertFalse(r.alreadyInstalled);
    assertInstalledAsTheFolder(r);
    assertEquals(Arrays.asList("llm.pte", "tokenizer.json"), new ArrayList<>(new LinkedHashSet<>(files)));
  }

  @Test
  public void fromTheBundleWithProgressUpToItsSize() throws Exception {
    long[] last = {0, 0};
    InstallTask task = new InstallTask((done, total, file) -> {
      assertTrue(done >= last[0]);
      last[0] = done;
      last[1] = total;
    });
    ModelInstaller.Result r = importZip(Bundles.bundle(), FreeSpace.DISK, task);
    assertInstalledAsTheFolder(r);
    assertEquals(Bundles.bundle().length(), last[0]);
    assertEquals(Bundles.bundle().length(), last[1]);
  }

  @Test
  public void fromTheZip64CopyAndFromAJdkZip() throws Exception {
    assertInstalledAsTheFolder(importZip(Bundles.zip64(), FreeSpace.DISK, InstallTask.silent()));
    store.delete(store.list().get(0));
    List<String> names = new ArrayList<>(Arrays.asList(Manifest.FILE_NAME, "llm.pte", "tokenizer.json"));
    File jdk = Bundles.zipWithJdk(Bundles.folder(), names, tmp.newFile("jdk.zip"));
    assertInstalledAsTheFolder(importZip(jdk, FreeSpace.DISK, InstallTask.silent()));
  }

  @Test
  public void theSameBundleTwiceIsInstalledOnce() throws Exception {
    importZip(Bundles.bundle(), FreeSpace.DISK, InstallTask.silent());
    ModelInstaller.Result again = importZip(Bundles.bundle(), FreeSpace.DISK, InstallTask.silent());
    assertTrue(again.alreadyInstalled);
    assertInstalledAsTheFolder(again);
  }

  @Test
  public void aCorruptedByteInTheBundleIsRefusedAndNothingIsLeft() throws Exception {
    File bundle = Bundles.bundle();
    File bad = Bundles.flipped(bundle, Bundles.dataOffset(bundle, "llm.pte") + 4096, tmp.newFile("tiny-bad.zip"));
    InstallException ex =
        assertThrows(InstallException.class, () -> importZip(bad, FreeSpace.DISK, InstallTask.silent()));
    assertEquals("tiny-bad.zip: llm.pte: CRC-32 does not match (damaged bundle)", ex.getMessage());
    assertNothingInstalled();
  }

  @Test
  public void aFileThatDiffersFromItsManifestIsRefusedFromAFolderAndFromAZip() throws Exception {
    File copy = tmp.newFolder("copy");
    Bundles.copyTree(Bundles.folder(), copy);
    File llm = new File(copy, "llm.pte");
    Bundles.flipped(llm, 4096, llm);
    InstallException ex = assertThrows(InstallException.class,
        () -> installer(FreeSpace.DISK).fromFolder(Folder.of(copy), InstallTask.silent()));
    assertEquals(copy.getPath() + ": llm.pte: sha256 does not match the manifest (corrupt or replaced file); refused",
        ex.getMessage());
    assertNothingInstalled();
    // The same file zipped with a CRC that matches it: only the manifest's hash catches it.
    List<String> names = Arrays.asList(Manifest.FILE_NAME, "llm.pte", "tokenizer.json");
    File zip = Bundles.zipWithJdk(copy, names, tmp.newFile("replaced.zip"));
    ex = assertThrows(InstallException.class, () -> importZip(zip, FreeSpace.DISK, InstallTask.silent()));
    assertEquals("replaced.zip: llm.pte: sha256 does not match the manifest (corrupt or replaced file); refused",
        ex.getMessage());
    assertNothingInstalled();
  }

  @Test
  public void tooLittleSpaceIsRefusedBeforeCopying() throws Exception {
    InstallException ex = assertThrows(InstallException.class,
        () -> importZip(Bundles.bundle(), FreeSpace.atMost(1_000_000), InstallTask.silent()));
    assertEquals("tiny-llm.zip: needs " + InstalledModel.megabytes(Bundles.bundle().length())
        + " and the phone has 1.0 MB free; free some space and try again", ex.getMessage());
    assertNothingInstalled();
  }

  @Test
  public void spaceForTheZipButNotForWhatItUnpacksTo() throws Exception {
    // tokenizer.json is deflated in the bundle: installed, the set is larger than the zip.
    long installed = Bundles.manifest().totalBytes() + Bundles.manifestBytes().length;
    long zip = Bundles.bundle().length();
    assertTrue(installed > zip);
    InstallException ex = assertThrows(InstallException.class,
        () -> importZip(Bundles.bundle(), FreeSpace.atMost(zip), InstallTask.silent()));
    assertTrue(ex.getMessage(), ex.getMessage().startsWith("tiny-llm.zip: needs " + InstalledModel.megabytes(installed)));
    assertNothingInstalled();
    ex = assertThrows(InstallException.class,
        () -> installer(FreeSpace.atMost(installed - 1)).fromFolder(Folder.of(Bundles.folder()), InstallTask.silent()));
    assertTrue(ex.getMessage(), ex.getMessage().contains("free some space"));
    assertNothingInstalled();
  }

  @Test
  public void cancelStopsTheCopyAndRemovesIt() throws Exception {
    InstallTask[] task = new InstallTask[1];
    task[0] = new InstallTask((done, total, file) -> {
      if (done > 1_000_000) {
        task[0].cancel();
      }
    });
    InstallException ex =
        assertThrows(InstallException.class, () -> importZip(Bundles.bundle(), FreeSpace.DISK, task[0]));
    assertEquals("tiny-llm.zip: cancelled; nothing was installed", ex.getMessage());
    assertNothingInstalled();
  }

  @Test
  public void aZipThatIsNoBundle() throws Exception {
    // manifest.json not first: a zip made by hand, not by `bluev bundle`
    File zip = Bundles.zipWithJdk(Bundles.folder(), Arrays.asList("llm.pte", Manifest.FILE_NAME), tmp.newFile("hand.zip"));
    InstallException ex = assertThrows(InstallException.class, () -> importZip(zip, FreeSpace.DISK, InstallTask.silent()));
    assertTrue(ex.getMessage(), ex.getMessage().startsWith("hand.zip: manifest.json is not its first entry"));
    // a file the manifest does not name
    File extra = new File(tmp.getRoot(), "notes.txt");
    Bundles.write(extra, "hello".getBytes("UTF-8"));
    File copy = tmp.newFolder("with-notes");
    Bundles.copyTree(Bundles.folder(), copy);
    Files.copy(extra.toPath(), new File(copy, "notes.txt").toPath());
    File zip2 = Bundles.zipWithJdk(copy, Arrays.asList(Manifest.FILE_NAME, "notes.txt"), tmp.newFile("notes.zip"));
    ex = assertThrows(InstallException.class, () -> importZip(zip2, FreeSpace.DISK, InstallTask.silent()));
    assertEquals("notes.zip: notes.txt: not named by its manifest; refused", ex.getMessage());
    // a file missing
    File zip3 = Bundles.zipWithJdk(Bundles.folder(), Arrays.asList(Manifest.FILE_NAME, "llm.pte"), tmp.newFile("short.zip"));
    ex = assertThrows(InstallException.class, () -> importZip(zip3, FreeSpace.DISK, InstallTask.silent()));
    assertEquals("short.zip: tokenizer.json missing (tokenizer named by the manifest)", ex.getMessage());
    assertNothingInstalled();
  }

  @Test
  public void aFolderWithAFileMissingOrOfAnotherSize() throws Exception {
    File copy = tmp.newFolder("copy");
    Bundles.copyTree(Bundles.folder(), copy);
    Files.write(new File(copy, "tokenizer.json").toPath(), "{}".getBytes("UTF-8"));
    InstallException ex = assertThrows(InstallException.class,
        () -> installer(FreeSpace.DISK).fromFolder(Folder.of(copy), InstallTask.silent()));
    long bytes = Bundles.manifest().fileRefs().get(1).bytes;
    assertEquals(copy.getPath() + ": tokenizer.json is 2 bytes, its manifest says " + bytes + "; refused", ex.getMessage());
    Files.delete(new File(copy, "llm.pte").toPath());
    ex = assertThrows(InstallException.class,
        () -> installer(FreeSpace.DISK).fromFolder(Folder.of(copy), InstallTask.silent()));
    assertEquals(copy.getPath() + ": llm.pte missing (llm named by the manifest)", ex.getMessage());
    ex = assertThrows(InstallException.class,
        () -> installer(FreeSpace.DISK).fromFolder(Folder.of(tmp.newFolder("empty")), InstallTask.silent()));
    assertTrue(ex.getMessage(), ex.getMessage().endsWith("empty: no manifest.json; not a bluev artifact folder"));
    assertNothingInstalled();
  }

  @Test
  public void aSetThisBuildCannotRunIsRefusedBeforeItIsCopied() throws Exception {
    File npu = tmp.newFolder("npu");
    Files.write(new File(npu, Manifest.FILE_NAME).toPath(), TestFiles.manifestBytes("tiny-mediatek"));
    ModelInstaller app = new ModelInstaller(store, FreeSpace.DISK, records, "xnnpack");
    InstallException ex = assertThrows(InstallException.class, () -> app.fromFolder(Folder.of(npu), InstallTask.silent()));
    assertTrue(ex.getMessage(), ex.getMessage().startsWith(npu.getPath() + ": "));
    assertTrue(ex.getMessage(), ex.getMessage().contains("bluev-runner"));
    assertNothingInstalled();
  }
}
