package org.bluev.core;

/**
 * Sample-rate conversion as bluev's runtime/audio.py does it: band-limited interpolation with a
 * Hann-windowed sinc, {@link #ZERO_CROSSINGS} zero crossings each side, cut off at the lower of
 * the two Nyquist frequencies, computed per output sample in double precision. The same formula
 * on both sides, checked against tests/data/speech_vectors.json.
 */
public final class Resampler {
  public static final int ZERO_CROSSINGS = 16;

  private Resampler() {}

  /** {@code x} at {@code src} Hz as ceil(n * dst / src) samples at {@code dst} Hz. */
  public static float[] resample(float[] x, int src, int dst) {
    if (src <= 0 || dst <= 0) {
      throw new IllegalArgumentException("sampling rates must be positive: " + src + " -> " + dst);
    }
    if (src == dst) {
      return x.clone();
    }
    double cutoff = Math.min(1.0, (double) dst / src);
    int half = (int) Math.ceil(ZERO_CROSSINGS / cutoff);
    int nOut = (int) ((x.length * (long) dst + src - 1) / src);
    float[] out = new float[nOut];
    for (int n = 0; n < nOut; n++) {
      double t = (double) n * src / dst;
      long base = (long) Math.floor(t);
      double sum = 0.0;
      for (long k = base - half + 1; k <= base + half; k++) {
        if (k < 0 || k >= x.length) {
          continue;
        }
        sum += x[(int) k] * weight(t - k, cutoff, half);
      }
      out[n] = (float) sum;
    }
    return out;
  }

  static double weight(double d, double cutoff, int half) {
    if (Math.abs(d) >= half) {
      return 0.0;
    }
    double window = 0.5 + 0.5 * Math.cos(Math.PI * d / half);
    return cutoff * sinc(cutoff * d) * window;
  }

  /** numpy's normalised sinc: sin(pi x) / (pi x), 1 at 0. */
  static double sinc(double x) {
    if (x == 0.0) {
      return 1.0;
    }
    double px = Math.PI * x;
    return Math.sin(px) / px;
  }
}
