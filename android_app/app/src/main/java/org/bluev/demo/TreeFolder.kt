package org.bluev.demo

import android.content.ContentResolver
import android.net.Uri
import android.provider.DocumentsContract
import java.io.InputStream
import org.bluev.core.Folder

/**
 * A folder the user picked with the system picker (ACTION_OPEN_DOCUMENT_TREE), read by file
 * name through the ContentResolver: the artifact folder copied to a phone over USB, an SD card
 * or a cloud drive. Its top-level files are listed once; sub-folders are not read.
 */
class TreeFolder(private val resolver: ContentResolver, private val tree: Uri) : Folder {
  private class Child(val documentId: String, val size: Long)

  private val children: Map<String, Child> by lazy { list() }

  override fun open(name: String): InputStream? {
    val child = children[name] ?: return null
    val uri = DocumentsContract.buildDocumentUriUsingTree(tree, child.documentId)
    return resolver.openInputStream(uri)
  }

  override fun has(name: String): Boolean = name in children

  override fun size(name: String): Long = children[name]?.size ?: -1

  override fun describe(): String = tree.lastPathSegment ?: tree.toString()

  private fun list(): Map<String, Child> {
    val parent = DocumentsContract.getTreeDocumentId(tree)
    val uri = DocumentsContract.buildChildDocumentsUriUsingTree(tree, parent)
    val columns =
        arrayOf(
            DocumentsContract.Document.COLUMN_DOCUMENT_ID,
            DocumentsContract.Document.COLUMN_DISPLAY_NAME,
            DocumentsContract.Document.COLUMN_SIZE,
            DocumentsContract.Document.COLUMN_MIME_TYPE)
    val out = HashMap<String, Child>()
    resolver.query(uri, columns, null, null, null)?.use { c ->
      while (c.moveToNext()) {
        if (c.getString(3) == DocumentsContract.Document.MIME_TYPE_DIR) continue
        val size = if (c.isNull(2)) -1L else c.getLong(2)
        out[c.getString(1)] = Child(c.getString(0), size)
      }
    }
    return out
  }
}
