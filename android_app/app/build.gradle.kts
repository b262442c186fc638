plugins {
  id("com.android.application")
  id("org.jetbrains.kotlin.android")
}

val executorchVersion: String by project

android {
  namespace = "org.bluev.demo"
  compileSdk = 35

  defaultConfig {
    // The package name is part of the benchmark contract: `bluev bench adb --runner app`
    // starts org.bluev.demo/.BenchmarkActivity and pulls from this app's external files dir.
    applicationId = "org.bluev.demo"
    // 28: java.nio.file (API 26) for atomic result files, and what ExecuTorch's demos use.
    minSdk = 28
    targetSdk = 35
    versionCode = 1
    versionName = "0.1.0"
    // ExecuTorch's AAR ships arm64-v8a and x86_64; phones are arm64.
    ndk { abiFilters += "arm64-v8a" }
  }

  // One app build per ExecuTorch AAR: which backends it carries decides which artifact sets it
  // runs (Backends.java in core reads BuildConfig.FLAVOR and refuses the others in a sentence).
  // Both keep the application id the adb benchmark starts, so one of them is installed at a time.
  buildFeatures { buildConfig = true }
  flavorDimensions += "backend"
  productFlavors {
    // XNNPACK (phone CPU): `bluev export --backend xnnpack` sets, the default.
    create("xnnpack") {
      dimension = "backend"
      isDefault = true
    }
    // Vulkan (phone GPU) + XNNPACK: `--backend vulkan` sets, and the xnnpack ones too.
    create("vulkan") {
      dimension = "backend"
      versionNameSuffix = "-vulkan"
    }
  }

  buildTypes {
    release {
      isMinifyEnabled = false
      signingConfig = signingConfigs.getByName("debug")
    }
  }
  compileOptions {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
  }
  kotlinOptions { jvmTarget = "17" }
  packaging {
    // The .so files are loaded from the APK as they are (ExecuTorch loads them by name).
    jniLibs { useLegacyPackaging = true }
  }
}

dependencies {
  implementation(project(":core"))
  "xnnpackImplementation"("org.pytorch:executorch-android:$executorchVersion")
  "vulkanImplementation"("org.pytorch:executorch-android-vulkan:$executorchVersion")
  // ExecuTorch's JNI layer; the AAR depends on these, listed so the versions are explicit.
  implementation("com.facebook.fbjni:fbjni:0.7.0")
  implementation("com.facebook.soloader:nativeloader:0.10.5")
  implementation("androidx.appcompat:appcompat:1.7.0")
  implementation("androidx.activity:activity-ktx:1.9.3")
  implementation("androidx.lifecycle:lifecycle-viewmodel-ktx:2.8.7")
  implementation("androidx.lifecycle:lifecycle-livedata-ktx:2.8.7")
  implementation("com.google.android.material:material:1.12.0")
}
