// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.provider;

public interface OpenableColumns {
  String DISPLAY_NAME = "_display_name";
  String SIZE = "_size";
}
