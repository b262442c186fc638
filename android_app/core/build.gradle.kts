// Plain Java: the tiler port, manifest, prompt plan, stats and benchmark result, with no
// Android imports so the same sources are tested on any JVM (`make android-unit`).
plugins {
  `java-library`
}

// Main code targets Java 8 so it uses no JDK API newer than Android offers at minSdk 28;
// the tests run on the build machine's JDK and may use newer APIs.
tasks.named<JavaCompile>("compileJava") { options.release.set(8) }
tasks.named<JavaCompile>("compileTestJava") { options.release.set(17) }

dependencies {
  testImplementation("junit:junit:4.13.2")
}

tasks.named<Test>("test") {
  // The shared tiling and decode vectors live in the Python checkout, one level above android_app/.
  systemProperty(
      "bluev.tilingVectors",
      rootDir.resolve("../tests/data/tiling_vectors.json").absolutePath)
  systemProperty(
      "bluev.decodeVectors",
      rootDir.resolve("../tests/data/decode_vectors.json").absolutePath)
  // The app's Gradle file: its product flavors must be the ones Backends knows.
  systemProperty("bluev.appGradle", rootDir.resolve("app/build.gradle.kts").absolutePath)
}
