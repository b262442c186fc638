// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.view;

public class View {
  public static final int FOCUS_DOWN = 0x00000082;
  public static final int VISIBLE = 0x00000000;
  public static final int GONE = 0x00000008;

  public interface OnClickListener {
    void onClick(View v);
  }

  public void setOnClickListener(OnClickListener l) {}

  public boolean isEnabled() {
    throw new UnsupportedOperationException("stub");
  }

  public void setEnabled(boolean enabled) {}

  public int getVisibility() {
    throw new UnsupportedOperationException("stub");
  }

  public void setVisibility(int visibility) {}

  public final <T extends View> T findViewById(int id) {
    throw new UnsupportedOperationException("stub");
  }

  public boolean post(Runnable action) {
    throw new UnsupportedOperationException("stub");
  }
}
