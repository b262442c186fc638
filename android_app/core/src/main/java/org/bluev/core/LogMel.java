package org.bluev.core;

/**
 * Audio samples -> the speech encoder's log-mel features, as the manifest's {@code
 * speech.features} describes (WhisperFeatureExtractor's recipe; bluev's runtime/audio.py is the
 * reference and tests/data/speech_vectors.json the check): zero-padded to {@code nSamples},
 * reflect-padded by nFft/2, periodic Hann frames every {@code hop}, power spectrum, mel filters,
 * the last frame dropped, log10 with a floor, clamped to {@code dynamicRange} below the maximum,
 * then (x + offset) / scale. Output is [nMels][frames] flattened row by row.
 */
public final class LogMel {
  public final int nFft;
  public final int hop;
  public final int nMels;
  public final int nSamples;
  public final int frames;
  public final double logFloor;
  public final double dynamicRange;
  public final double offset;
  public final double scale;
  /** [nFft / 2 + 1][nMels] flattened (the manifest's mel_filters.bin layout). */
  private final float[] filters;

  private final double[] window;
  private final double[] cos;
  private final double[] sin;

  public LogMel(
      int nFft, int hop, int nMels, int nSamples, int frames, double logFloor, double dynamicRange,
      double offset, double scale, float[] filters) {
    int nFreq = nFft / 2 + 1;
    if (filters.length != nFreq * nMels) {
      throw new IllegalArgumentException(
          "mel filters: " + filters.length + " values, expected " + nFreq + " x " + nMels);
    }
    this.nFft = nFft;
    this.hop = hop;
    this.nMels = nMels;
    this.nSamples = nSamples;
    this.frames = frames;
    this.logFloor = logFloor;
    this.dynamicRange = dynamicRange;
    this.offset = offset;
    this.scale = scale;
    this.filters = filters.clone();
    window = new double[nFft];
    for (int i = 0; i < nFft; i++) {
      window[i] = 0.5 - 0.5 * Math.cos(2.0 * Math.PI * i / nFft);
    }
    // a direct DFT (n_fft = 400 is no power of two): the twiddles once, indexed by (k * n) mod N
    cos = new double[nFft];
    sin = new double[nFft];
    for (int i = 0; i < nFft; i++) {
      cos[i] = Math.cos(2.0 * Math.PI * i / nFft);
      sin[i] = Math.sin(2.0 * Math.PI * i / nFft);
    }
  }

  /** Mono samples at the manifest's rate (at most nSamples) -> features [nMels * frames]. */
  public float[] compute(float[] samples) {
    if (samples.length > nSamples) {
      throw new IllegalArgumentException(
          samples.length + " samples: the speech encoder hears at most " + nSamples);
    }
    int pad = nFft / 2;
    double[] x = new double[nSamples + 2 * pad];
    for (int i = 0; i < x.length; i++) {
      x[i] = sampleAt(samples, reflect(i - pad, nSamples));
    }
    int nFreq = nFft / 2 + 1;
    double[] mel = new double[nMels * frames];
    double[] frame = new double[nFft];
    double[] power = new double[nFreq];
    for (int f = 0; f < frames; f++) { // frames = every frame but the last
      for (int i = 0; i < nFft; i++) {
        frame[i] = x[f * hop + i] * window[i];
      }
      for (int k = 0; k < nFreq; k++) {
        double re = 0.0;
        double im = 0.0;
        for (int n = 0; n < nFft; n++) {
          int idx = (int) (((long) k * n) % nFft);
          re += frame[n] * cos[idx];
          im -= frame[n] * sin[idx];
        }
        power[k] = re * re + im * im;
      }
      for (int m = 0; m < nMels; m++) {
        double sum = 0.0;
        for (int k = 0; k < nFreq; k++) {
          sum += filters[k * nMels + m] * power[k];
        }
        mel[m * frames + f] = Math.log10(Math.max(sum, logFloor));
      }
    }
    double max = Double.NEGATIVE_INFINITY;
    for (double v : mel) {
      max = Math.max(max, v);
    }
    float[] out = new float[mel.length];
    for (int i = 0; i < mel.length; i++) {
      out[i] = (float) ((Math.max(mel[i], max - dynamicRange) + offset) / scale);
    }
    return out;
  }

  /** The padded chunk's sample i (zeros past the recording). */
  private static double sampleAt(float[] samples, int i) {
    return i < samples.length ? samples[i] : 0.0;
  }

  /** numpy's "reflect" padding: the edge sample is not repeated. */
  static int reflect(int i, int n) {
    if (i < 0) {
      return -i;
    }
    if (i >= n) {
      return 2 * (n - 1) - i;
    }
    return i;
  }
}
