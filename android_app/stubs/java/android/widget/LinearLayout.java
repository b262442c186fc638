// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.widget;

import android.view.ViewGroup;

public class LinearLayout extends ViewGroup {}
