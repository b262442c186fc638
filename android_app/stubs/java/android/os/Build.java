// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.os;

public class Build {
  // Runtime values, not compile-time constants (as in the SDK's android.jar).
  public static final String MODEL = value();
  public static final String MANUFACTURER = value();
  /** Added in API level 31. */
  public static final String SOC_MODEL = value();
  /** Added in API level 31. */
  public static final String SOC_MANUFACTURER = value();
  public static final String[] SUPPORTED_ABIS = {value()};

  public static class VERSION {
    public static final int SDK_INT = Integer.parseInt(value());
  }

  private static String value() {
    throw new UnsupportedOperationException("stub");
  }
}
