// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.widget;

import android.view.View;

public class ProgressBar extends View {
  public synchronized int getMax() {
    throw new UnsupportedOperationException("stub");
  }

  public synchronized void setMax(int max) {}

  public synchronized int getProgress() {
    throw new UnsupportedOperationException("stub");
  }

  public synchronized void setProgress(int progress) {}

  public synchronized boolean isIndeterminate() {
    throw new UnsupportedOperationException("stub");
  }

  public synchronized void setIndeterminate(boolean indeterminate) {}
}
