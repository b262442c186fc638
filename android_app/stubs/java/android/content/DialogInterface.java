// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.content;

public interface DialogInterface {
  interface OnClickListener {
    void onClick(DialogInterface dialog, int which);
  }

  void cancel();

  void dismiss();
}
