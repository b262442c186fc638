// Compile-only stub for `make android-kotlin`: androidx.core:core 1.13 (appcompat 1.7.0's
// dependency); the app calls nothing of it, it is here for the class hierarchy.
package androidx.core.app;

import android.app.Activity;

public class ComponentActivity extends Activity {}
