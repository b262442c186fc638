package org.bluev.demo

import java.io.File
import org.bluev.core.ProcStatus

/** Peak resident memory of this process, as the host reports it (VmHWM, MiB). */
object Memory {
  fun peakRssMb(): Double =
      try {
        ProcStatus.peakRssMb(File("/proc/self/status").readText())
      } catch (e: java.io.IOException) {
        0.0 // /proc is always there on Android; 0 marks "not measured" rather than failing a run
      }
}
