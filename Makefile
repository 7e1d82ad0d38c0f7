# landcover-runner: one `make setup` installs everything; `make test` and `make demo` call it first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch and torchvision must be one build (timm and segmentation-models-pytorch import torchvision): the pair
# from PyPI (a CUDA build that also runs on the CPU). `===` takes PyPI's 2.13.0 and never a local "+cpu" wheel,
# against which PyPI's torchvision cannot load.
TORCH_PIN := torch===2.13.0 torchvision==0.28.0
STAMP := $(VENV)/.installed

.PHONY: setup system-deps test test-fast fuzz lint docs demo train train-local image clean gpu-wheels

setup: $(STAMP)

# OpenMPI (mpirun and the headers mpi4py compiles against), installed through apt when missing.
system-deps:
	@if ! command -v mpicc >/dev/null 2>&1; then \
		if command -v apt-get >/dev/null 2>&1; then \
			SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
			echo "installing OpenMPI (openmpi-bin libopenmpi-dev) with apt-get"; \
			$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends openmpi-bin libopenmpi-dev; \
		else echo "install OpenMPI (mpirun + headers) with your package manager" >&2; exit 1; fi; \
	fi

$(STAMP): pyproject.toml
	$(MAKE) system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	PIP_FIND_LINKS= $(BIN)/pip install -q $(TORCH_PIN)
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

test: setup
	$(BIN)/pytest

test-fast: setup
	$(BIN)/pytest -m "not slow"

# The invariant harness (tests/invariants) at length: a fresh seed, FUZZ_EXAMPLES examples per property, failures
# shrunk to minimal ones; `make test` runs it with a fixed seed and a few examples.
FUZZ_EXAMPLES ?= 60
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz INVARIANT_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/invariants

lint: setup
	$(BIN)/ruff check clibase landcover runner tests scripts docs/hooks
	$(BIN)/ruff format --check clibase landcover runner tests scripts docs/hooks
	$(BIN)/mypy
	$(BIN)/lint-imports

# The documentation site (docs/, mkdocs.yml) into site/; --strict: a broken link or a page outside the nav fails.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

demo: setup
	$(BIN)/python scripts/demo.py

# The training job template on this machine: plain processes (the embedded default) or in the image.
RUNNER := $(BIN)/runner
# runner.images.IMAGE_NAME (tests/runner/test_package.py checks that they agree)
IMAGE := landcover-runner/trainer-gpu:latest
RUNNER_ROOT := $(or $(RUNNER_HOME),$(CURDIR)/.runner)
STAMP_NOW := $(shell date +%Y%m%d-%H%M%S)

train: setup
	$(RUNNER) local setup
	$(RUNNER) local submit jobs/training_job.json --backend process --wait

# BuildKit rebuilds only what changed since the last build (nothing: a few seconds; sources: the last layer).
image: setup
	$(RUNNER) build --tag $(IMAGE)

# The training template in the image (GPUs when the engine has them, else the CPU), then the evaluation
# template on the model it wrote.
train-local: image
	$(RUNNER) local setup
	$(RUNNER) local submit jobs/training_job.json --backend docker --image $(IMAGE) --name train-$(STAMP_NOW) --wait
	$(RUNNER) local submit jobs/evaluation_job.json --backend docker --image $(IMAGE) --name evaluate-$(STAMP_NOW) --wait
	@echo "trained model: $(RUNNER_ROOT)/mounts/blobfuse/models/trained.pt"
	@echo "see the jobs: $(RUNNER) logs train-$(STAMP_NOW); $(RUNNER) files evaluate-$(STAMP_NOW)"

# Wheels for a GPU machine without internet access (docs/gpu.md): what scripts/gpu-wheels.txt pins, for
# CPython $(PYTHON_VERSION) on manylinux x86_64, into .whl/ (at most 64 MiB: it travels with the repository).
PYTHON_VERSION ?= 3.12
WHEEL_DIR := .whl
WHEEL_LIMIT_MIB := 64
WHEEL_PLATFORMS := $(foreach p,manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux1_x86_64,--platform $(p))

gpu-wheels:
	rm -rf $(WHEEL_DIR) && mkdir -p $(WHEEL_DIR)
	$(PYTHON) -m pip download -q --no-deps --only-binary=:all: --python-version $(PYTHON_VERSION) \
		--implementation cp $(WHEEL_PLATFORMS) -d $(WHEEL_DIR) -r scripts/gpu-wheels.txt
	@bytes=$$(cat $(WHEEL_DIR)/*.whl | wc -c); count=$$(ls $(WHEEL_DIR)/*.whl | wc -l); \
	mib=$$(awk "BEGIN {printf \"%.1f\", $$bytes / 1048576}"); \
	echo "$(WHEEL_DIR): $$count wheels for CPython $(PYTHON_VERSION), $$mib MiB ($$bytes bytes)"; \
	if [ $$bytes -gt $$(( $(WHEEL_LIMIT_MIB) * 1048576 )) ]; then \
		echo "$(WHEEL_DIR) is over $(WHEEL_LIMIT_MIB) MiB: trim scripts/gpu-wheels.txt" >&2; exit 1; fi

clean:
	rm -rf $(VENV) .runner site .pytest_cache .mypy_cache .ruff_cache
