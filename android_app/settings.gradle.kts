// The bluev demo app: `app` (the Android layer) on top of `core` (plain Java, no Android
// imports, also built and tested without Gradle by `make android-unit` in the checkout).
pluginManagement {
  repositories {
    google()
    mavenCentral()
    gradlePluginPortal()
  }
}

dependencyResolutionManagement {
  repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
  repositories {
    google()
    mavenCentral() // org.pytorch:executorch-android is published here
  }
}

rootProject.name = "bluev-demo"
include(":app", ":core")
