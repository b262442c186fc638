// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.provider;

import android.net.Uri;

public final class DocumentsContract {
  public static final class Document {
    public static final String COLUMN_DOCUMENT_ID = "document_id";
    public static final String COLUMN_MIME_TYPE = "mime_type";
    public static final String COLUMN_DISPLAY_NAME = OpenableColumns.DISPLAY_NAME;
    public static final String COLUMN_SIZE = OpenableColumns.SIZE;
    public static final String MIME_TYPE_DIR = "vnd.android.document/directory";
  }

  public static String getTreeDocumentId(Uri documentUri) {
    throw new UnsupportedOperationException("stub");
  }

  public static Uri buildChildDocumentsUriUsingTree(Uri treeUri, String parentDocumentId) {
    throw new UnsupportedOperationException("stub");
  }

  public static Uri buildDocumentUriUsingTree(Uri treeUri, String documentId) {
    throw new UnsupportedOperationException("stub");
  }
}
