// Plugin versions in one place; the modules apply them. AGP 8.9 needs Gradle 8.11.1 or newer
// (gradle/wrapper/gradle-wrapper.properties) and a JDK 17 to run.
plugins {
  id("com.android.application") version "8.9.0" apply false
  id("org.jetbrains.kotlin.android") version "2.0.21" apply false
}
