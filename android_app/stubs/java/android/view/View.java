// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.view;

public class View {
  public static final int FOCUS_DOWN = 0x00000082;

  public interface OnClickListener {
    void onClick(View v);
  }

  public void setOnClickListener(OnClickListener l) {}

  public boolean isEnabled() {
    throw new UnsupportedOperationException("stub");
  }

  public void setEnabled(boolean enabled) {}

  public boolean post(Runnable action) {
    throw new UnsupportedOperationException("stub");
  }
}
