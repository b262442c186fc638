package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** The Java audio front end reproduces tests/data/speech_vectors.json (runtime/audio.py's answers). */
public class SpeechVectorsTest {
  private static Map<String, Object> vectors() throws Exception {
    Map<String, Object> root = Fields.asObject(Json.parse(TestFiles.speechVectors()), "vectors");
    assertEquals("bluev-speech-vectors", Fields.string(root, "format"));
    assertEquals(1L, Fields.integer(root, "version"));
    assertEquals(Resampler.ZERO_CROSSINGS, Fields.integer(root, "zero_crossings"));
    return root;
  }

  private static float[] floats(Map<String, Object> obj, String key) {
    List<Object> values = Fields.list(obj, key);
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).floatValue();
    }
    return out;
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    assertEquals("lengths", a.length, b.length);
    double worst = 0.0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }

  @Test
  public void resamplingMatchesPython() throws Exception {
    List<Object> cases = Fields.list(vectors(), "resample");
    assertTrue(cases.size() >= 4);
    for (Object c : cases) {
      Map<String, Object> vec = Fields.asObject(c, "case");
      int src = (int) Fields.integer(vec, "src");
      int dst = (int) Fields.integer(vec, "dst");
      float[] got = Resampler.resample(floats(vec, "input"), src, dst);
      double diff = maxAbsDiff(got, floats(vec, "expect"));
      assertTrue(src + " -> " + dst + ": max abs diff " + diff, diff < 1e-5);
    }
  }

  @Test
  public void logMelMatchesPython() throws Exception {
    Map<String, Object> vec = Fields.object(vectors(), "log_mel");
    byte[] raw = Base64.getDecoder().decode(Fields.string(vec, "filters_f32le_base64"));
    float[] filters = new float[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(filters);
    LogMel mel =
        new LogMel(
            (int) Fields.integer(vec, "n_fft"),
            (int) Fields.integer(vec, "hop_length"),
            (int) Fields.integer(vec, "n_mels"),
            (int) Fields.integer(vec, "n_samples"),
            (int) Fields.integer(vec, "frames"),
            Fields.number(vec, "log_floor"),
            Fields.number(vec, "dynamic_range"),
            Fields.number(vec, "offset"),
            Fields.number(vec, "scale"),
            filters);
    float[] want = floats(vec, "expect");
    assertEquals(mel.nMels * mel.frames, want.length);
    double diff = maxAbsDiff(mel.compute(floats(vec, "input")), want);
    System.out.println("speech vectors: log-mel max abs diff " + diff);
    assertTrue("log-mel max abs diff " + diff, diff < 1e-4);
  }

  @Test
  public void stereoPcmIsAveragedAndShortFilesRefused() throws Exception {
    short[] frames = {1000, -1000, 16384, 0, -32768, -32768};
    ByteBuffer b = ByteBuffer.allocate(44 + frames.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0x46464952).putInt(36 + frames.length * 2).putInt(0x45564157);
    b.putInt(0x20746d66).putInt(16).putShort((short) 1).putShort((short) 2).putInt(22050);
    b.putInt(22050 * 4).putShort((short) 4).putShort((short) 16);
    b.putInt(0x61746164).putInt(frames.length * 2);
    for (short s : frames) {
      b.putShort(s);
    }
    Wav wav = Wav.parse(b.array(), "q.wav");
    assertEquals(22050, wav.rate);
    assertEquals(3, wav.samples.length);
    assertEquals(0.0f, wav.samples[0], 0.0f);
    assertEquals(0.25f, wav.samples[1], 1e-7f);
    assertEquals(-1.0f, wav.samples[2], 0.0f);
    try {
      Wav.parse(new byte[] {1, 2, 3}, "bad.wav");
      throw new AssertionError("a non-WAV file was accepted");
    } catch (ArtifactException expected) {
      assertTrue(expected.getMessage(), expected.getMessage().startsWith("bad.wav: not a PCM WAV file"));
    }
  }
}
