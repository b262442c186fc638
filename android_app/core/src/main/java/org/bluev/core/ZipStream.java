package org.bluev.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a zip front to back as a stream, entry by entry from the local headers, without the
 * central directory (it comes last, and a download or a picked file arrives as a stream).
 * Stored entries need their sizes in the local header (`bluev bundle` writes them so); deflated
 * ones may end with a data descriptor. ZIP64 sizes are read from the local extra field. Every
 * entry's CRC-32 and sizes are checked when it ends. Format problems throw an
 * InstallException naming the source and the entry.
 */
final class ZipStream {
  private static final int LOCAL = 0x04034b50;
  private static final int CENTRAL = 0x02014b50;
  private static final int END = 0x06054b50;
  private static final int DESCRIPTOR = 0x08074b50;
  private static final int STORED = 0;
  private static final int DEFLATED = 8;
  private static final long NO_SIZE = 0xffffffffL;

  /** One entry: its name, how it is stored and its uncompressed size (-1 when not known). */
  static final class Entry {
    final String name;
    final boolean stored;
    final long size;

    Entry(String name, boolean stored, long size) {
      this.name = name;
      this.stored = stored;
      this.size = size;
    }
  }

  private final InputStream in;
  private final String where;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int lim;
  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();

  // The entry being read.
  private Entry entry;
  private long remaining; // stored: bytes left
  private long headerCrc;
  private long compressedSize;
  private boolean descriptor;
  private boolean zip64;
  private long written;

  ZipStream(InputStream in, String where) {
    this.in = in;
    this.where = where;
  }

  /**
   * The next entry, or null when the central directory starts (every entry has been read).
   * The previous entry must have been read to its end.
   */
  Entry next() throws IOException, InstallException {
    if (entry != null) {
      throw new IllegalStateException("read " + entry.name + " to its end first");
    }
    if (!have(4)) {
      throw bad("ends before its central directory (truncated download or file)");
    }
    int sig = int32(pos);
    if (sig == CENTRAL || sig == END) {
      return null;
    }
    if (sig != LOCAL) {
      throw bad("not a zip file (or damaged: no entry header where one belongs)");
    }
    need(30);
    int flags = int16(pos + 6);
    int method = int16(pos + 8);
    headerCrc = int32(pos + 14) & NO_SIZE;
    compressedSize = int32(pos + 18) & NO_SIZE;
    long size = int32(pos + 22) & NO_SIZE;
    int nameLen = int16(pos + 26);
    int extraLen = int16(pos + 28);
    pos += 30;
    need(nameLen + extraLen);
    String name = new String(buf, pos, nameLen, StandardCharsets.UTF_8);
    zip64 = false;
    long[] sizes = zip64Sizes(pos + nameLen, extraLen, size, compressedSize);
    if (sizes != null) {
      zip64 = true;
      size = sizes[0];
      compressedSize = sizes[1];
    }
    pos += nameLen + extraLen;
    if ((flags & 1) != 0) {
      throw bad(name + ": encrypted entries are not supported");
    }
    descriptor = (flags & 8) != 0;
    if (method == STORED && descriptor) {
      throw bad(name + ": stored without its size in the header; make the bundle with `bluev bundle`");
    }
    if (method != STORED && method != DEFLATED) {
      throw bad(name + ": compression method " + method + " (only stored and deflated are read)");
    }
    crc.reset();
    written = 0;
    remaining = size;
    if (method == DEFLATED) {
      inflater.reset();
    }
    entry = new Entry(name, method == STORED, descriptor ? -1 : size);
    return entry;
  }

  /** Reads the current entry's data; -1 at its end, after its CRC and sizes were checked. */
  int read(byte[] b, int off, int len) throws IOException, InstallException {
    if (entry == null) {
      return -1;
    }
    int n = entry.stored ? readStored(b, off, len) : readDeflated(b, off, len);
    if (n < 0) {
      finishEntry();
      return -1;
    }
    crc.update(b, off, n);
    written += n;
    return n;
  }

  /** Reads what follows the last entry (the central directory) to the end of the stream. */
  void drain() throws IOException {
    pos = lim;
    while (in.read(buf) >= 0) {
      // the bytes only need to pass through the caller's digest
    }
  }

  private int readStored(byte[] b, int off, int len) throws IOException, InstallException {
    if (remaining == 0) {
      return -1;
    }
    if (pos == lim && !fill()) {
      throw bad(entry.name + ": ends inside the entry (truncated download or file)");
    }
    int n = (int) Math.min(Math.min(len, remaining), lim - pos);
    System.arraycopy(buf, pos, b, off, n);
    pos += n;
    remaining -= n;
    return n;
  }

  private int readDeflated(byte[] b, int off, int len) throws IOException, InstallException {
    try {
      while (true) {
        int n = inflater.inflate(b, off, len);
        if (n > 0) {
          return n;
        }
        if (inflater.finished()) {
          pos = lim - inflater.getRemaining(); // the bytes after the deflate stream are ours again
          return -1;
        }
        if (inflater.needsDictionary()) {
          throw bad(entry.name + ": deflated with a preset dictionary (not a plain zip entry)");
        }
        if (inflater.needsInput()) {
          if (pos == lim && !fill()) {
            throw bad(entry.name + ": ends inside the entry (truncated download or file)");
          }
          inflater.setInput(buf, pos, lim - pos);
          pos = lim;
        }
      }
    } catch (DataFormatException ex) {
      throw bad(entry.name + ": damaged compressed data (" + ex.getMessage() + ")");
    }
  }

  private void finishEntry() throws IOException, InstallException {
    String name = entry.name;
    long size = entry.size;
    if (!entry.stored) {
      long consumed = inflater.getBytesRead();
      if (descriptor) {
        readDescriptor();
        size = remaining; // what the descriptor says
      }
      if (consumed != compressedSize) {
        throw bad(name + ": compressed size does not match its header (damaged)");
      }
    }
    if (written != size) {
      throw bad(name + ": " + written + " bytes where its header says " + size + " (damaged)");
    }
    if (crc.getValue() != headerCrc) {
      throw bad(name + ": CRC-32 does not match (damaged bundle)");
    }
    entry = null;
  }

  /** The data descriptor after a deflated entry: [signature] crc32, sizes (8 bytes with ZIP64). */
  private void readDescriptor() throws IOException, InstallException {
    need(4);
    if (int32(pos) == DESCRIPTOR) {
      pos += 4;
    }
    int width = zip64 ? 8 : 4;
    need(4 + 2 * width);
    headerCrc = int32(pos) & NO_SIZE;
    compressedSize = width == 8 ? int64(pos + 4) : int32(pos + 4) & NO_SIZE;
    remaining = width == 8 ? int64(pos + 4 + width) : int32(pos + 4 + width) & NO_SIZE;
    pos += 4 + 2 * width;
  }

  /** {size, compressed size} from a ZIP64 extra field (id 1), or null when there is none. */
  private long[] zip64Sizes(int at, int len, long size, long compressed) throws InstallException {
    int end = at + len;
    while (at + 4 <= end) {
      int id = int16(at);
      int dataLen = int16(at + 2);
      int data = at + 4;
      if (data + dataLen > end) {
        break;
      }
      if (id == 1) {
        // Only the fields whose header value is 0xffffffff are present, in this order.
        long[] out = {size, compressed};
        int p = data;
        if (size == NO_SIZE && p + 8 <= data + dataLen) {
          out[0] = int64(p);
          p += 8;
        }
        if (compressed == NO_SIZE && p + 8 <= data + dataLen) {
          out[1] = int64(p);
        }
        if (out[0] < 0 || out[1] < 0) {
          throw bad("an entry's ZIP64 size is out of range (damaged)");
        }
        return out;
      }
      at = data + dataLen;
    }
    return null;
  }

  /** True when {@code n} bytes are buffered (reading more if needed); false at end of stream. */
  private boolean have(int n) throws IOException {
    while (lim - pos < n) {
      if (!fill()) {
        return false;
      }
    }
    return true;
  }

  private void need(int n) throws IOException, InstallException {
    if (n > buf.length) {
      throw bad("an entry header is larger than " + buf.length + " bytes (damaged)");
    }
    if (!have(n)) {
      throw bad("ends inside an entry header (truncated download or file)");
    }
  }

  /** Moves the unread bytes to the front and reads more after them; false at end of stream. */
  private boolean fill() throws IOException {
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, lim - pos);
      lim -= pos;
      pos = 0;
    }
    if (lim == buf.length) {
      return true;
    }
    int n = in.read(buf, lim, buf.length - lim);
    if (n < 0) {
      return false;
    }
    lim += n;
    return true;
  }

  private int int16(int at) {
    return (buf[at] & 0xff) | (buf[at + 1] & 0xff) << 8;
  }

  private int int32(int at) {
    return int16(at) | int16(at + 2) << 16;
  }

  private long int64(int at) {
    return (int32(at) & NO_SIZE) | (long) int32(at + 4) << 32;
  }

  private InstallException bad(String reason) {
    return new InstallException(where + ": " + reason);
  }
}
