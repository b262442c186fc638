package org.bluev.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A PCM WAV file's samples as float mono, as bluev's runtime/audio.py reads them: 8-bit
 * unsigned, 16/24/32-bit signed little-endian, channels averaged. Anything else is refused
 * with the reason (the benchmark entry point's --audio file, a recording saved by the app).
 */
public final class Wav {
  public final float[] samples;
  public final int rate;

  private Wav(float[] samples, int rate) {
    this.samples = samples;
    this.rate = rate;
  }

  public static Wav parse(byte[] bytes, String where) throws ArtifactException {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < 12 || b.getInt(0) != 0x46464952 || b.getInt(8) != 0x45564157) {
      throw new ArtifactException(where + ": not a PCM WAV file (no RIFF/WAVE header)");
    }
    int channels = 0;
    int rate = 0;
    int width = 0;
    int pos = 12;
    while (pos + 8 <= bytes.length) {
      int id = b.getInt(pos);
      long size = b.getInt(pos + 4) & 0xffffffffL;
      int body = pos + 8;
      if (id == 0x20746d66) { // "fmt "
        if (size < 16 || body + 16 > bytes.length) {
          throw new ArtifactException(where + ": not a PCM WAV file (short fmt chunk)");
        }
        int format = b.getShort(body) & 0xffff;
        if (format != 1) {
          throw new ArtifactException(where + ": not a PCM WAV file (format " + format + ")");
        }
        channels = b.getShort(body + 2) & 0xffff;
        rate = b.getInt(body + 4);
        width = (b.getShort(body + 14) & 0xffff) / 8;
      } else if (id == 0x61746164) { // "data"
        if (channels <= 0 || rate <= 0) {
          throw new ArtifactException(where + ": not a PCM WAV file (data before fmt)");
        }
        int available = (int) Math.min(size, bytes.length - body);
        return new Wav(mono(b, body, available, channels, width, where), rate);
      }
      pos = (int) Math.min(Integer.MAX_VALUE, body + size + (size & 1));
    }
    throw new ArtifactException(where + ": not a PCM WAV file (no data chunk)");
  }

  private static float[] mono(ByteBuffer b, int start, int length, int channels, int width, String where)
      throws ArtifactException {
    if (width < 1 || width > 4) {
      throw new ArtifactException(where + ": " + width * 8 + "-bit samples: 8, 16, 24 or 32-bit PCM only");
    }
    int frames = length / (width * channels);
    if (frames == 0) {
      throw new ArtifactException(where + ": the WAV file holds no audio");
    }
    float[] out = new float[frames];
    for (int f = 0; f < frames; f++) {
      double sum = 0.0;
      for (int c = 0; c < channels; c++) {
        sum += sample(b, start + (f * channels + c) * width, width);
      }
      out[f] = (float) (sum / channels);
    }
    return out;
  }

  /** One sample as the float32 value runtime/audio.py's pcm_to_float gives. */
  private static float sample(ByteBuffer b, int at, int width) {
    switch (width) {
      case 1:
        return ((b.get(at) & 0xff) - 128.0f) / 128.0f;
      case 2:
        return (float) (b.getShort(at) / 32768.0);
      case 3:
        int v = (b.get(at) & 0xff) | ((b.get(at + 1) & 0xff) << 8) | (b.get(at + 2) << 16);
        return (float) (v / 8388608.0);
      default:
        return (float) (b.getInt(at) / 2147483648.0);
    }
  }
}
