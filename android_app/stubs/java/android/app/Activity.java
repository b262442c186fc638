// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.app;

import android.content.Intent;
import android.os.Bundle;
import android.view.ContextThemeWrapper;
import android.view.View;
import android.view.Window;

public class Activity extends ContextThemeWrapper {
  protected void onCreate(Bundle savedInstanceState) {}

  protected void onResume() {}

  protected void onSaveInstanceState(Bundle outState) {}

  protected void onDestroy() {}

  public final Application getApplication() {
    throw new UnsupportedOperationException("stub");
  }

  public Intent getIntent() {
    throw new UnsupportedOperationException("stub");
  }

  public Window getWindow() {
    throw new UnsupportedOperationException("stub");
  }

  public void setContentView(int layoutResID) {}

  public <T extends View> T findViewById(int id) {
    throw new UnsupportedOperationException("stub");
  }

  public void finish() {}

  @Override
  public void startActivity(Intent intent) {}

  public final void runOnUiThread(Runnable action) {}
}
