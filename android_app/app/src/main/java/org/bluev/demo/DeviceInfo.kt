package org.bluev.demo

import android.os.Build

/** The `device` object of a benchmark result: which phone and chip the numbers come from. */
object DeviceInfo {
  fun asMap(): Map<String, Any?> {
    val m = LinkedHashMap<String, Any?>()
    m["model"] = Build.MODEL
    m["manufacturer"] = Build.MANUFACTURER
    // SOC_MODEL names the chip (e.g. "MT6989" for Dimensity 9300); it exists from API 31.
    m["soc"] = if (Build.VERSION.SDK_INT >= 31) Build.SOC_MODEL else null
    m["soc_manufacturer"] = if (Build.VERSION.SDK_INT >= 31) Build.SOC_MANUFACTURER else null
    m["sdk"] = Build.VERSION.SDK_INT.toLong()
    m["abi"] = Build.SUPPORTED_ABIS.firstOrNull()
    m["cores"] = Runtime.getRuntime().availableProcessors().toLong()
    return m
  }
}
