// Compile-only stub for `make android-kotlin`: androidx.fragment:fragment 1.6 (appcompat 1.7.0's
// dependency); the app calls nothing of it, it is here for the class hierarchy.
package androidx.fragment.app;

import androidx.activity.ComponentActivity;

public class FragmentActivity extends ComponentActivity {}
