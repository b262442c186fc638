// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.graphics;

import android.content.ContentResolver;
import android.net.Uri;
import android.util.Size;
import java.io.File;
import java.io.IOException;

public final class ImageDecoder implements AutoCloseable {
  public static final int ALLOCATOR_DEFAULT = 0;
  public static final int ALLOCATOR_SOFTWARE = 1;

  public abstract static class Source {}

  public static class ImageInfo {
    public Size getSize() {
      throw new UnsupportedOperationException("stub");
    }

    public String getMimeType() {
      throw new UnsupportedOperationException("stub");
    }
  }

  public interface OnHeaderDecodedListener {
    void onHeaderDecoded(ImageDecoder decoder, ImageInfo info, Source source);
  }

  public static Source createSource(ContentResolver cr, Uri uri) {
    throw new UnsupportedOperationException("stub");
  }

  public static Source createSource(File file) {
    throw new UnsupportedOperationException("stub");
  }

  public static Bitmap decodeBitmap(Source src, OnHeaderDecodedListener listener)
      throws IOException {
    throw new UnsupportedOperationException("stub");
  }

  public void setTargetSampleSize(int sampleSize) {}

  public int getAllocator() {
    throw new UnsupportedOperationException("stub");
  }

  public void setAllocator(int allocator) {}

  @Override
  public void close() {}
}
