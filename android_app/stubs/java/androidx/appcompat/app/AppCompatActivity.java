// Compile-only stub for `make android-kotlin`: androidx.appcompat:appcompat 1.7.0, only the
// members the app calls.
package androidx.appcompat.app;

import android.view.View;
import androidx.fragment.app.FragmentActivity;

public class AppCompatActivity extends FragmentActivity {
  @Override
  public void setContentView(int layoutResID) {}

  @Override
  public <T extends View> T findViewById(int id) {
    throw new UnsupportedOperationException("stub");
  }

  @Override
  protected void onDestroy() {}
}
