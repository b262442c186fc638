// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.content;

public interface SharedPreferences {
  interface Editor {
    Editor putString(String key, String value);

    Editor remove(String key);

    void apply();
  }

  String getString(String key, String defValue);

  Editor edit();
}
