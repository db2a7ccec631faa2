# Two commands on a fresh machine: `make run` and `make test`. Both create .venv/ when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Privacy and offline defaults (no telemetry, no model downloads) are set by every entry point itself:
# clustering.config.set_private_offline_environment.

.PHONY: run test lint bench clean

# torch is installed first and pinned: the CPU build served for 2.13.0; any other spec pulls CUDA wheels.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The browser, Redis and PostgreSQL tests need Debian's chromium, redis-server and postgresql; as root,
# install them once. Elsewhere those tests skip and say why.
$(BIN)/.system-test-deps:
	if ! command -v chromium >/dev/null || ! command -v redis-server >/dev/null \
	  || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium redis-server postgresql >/dev/null) \
	      || echo "could not install chromium, redis-server and postgresql: their tests will skip"; \
	  fi; \
	fi
	touch $@

run: $(BIN)/.installed
	$(BIN)/storyline run seeds --out artifacts

test: $(BIN)/.installed-test $(BIN)/.system-test-deps
	$(BIN)/ruff check clustering flows tests bench
	PREFECT_LOGGING_LEVEL=WARNING $(BIN)/python -m pytest

bench: $(BIN)/.installed-test
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/bench_minhash.py
	$(BIN)/python bench/bench_reuse.py
	$(BIN)/python bench/bench_furniture.py
	$(BIN)/python bench/bench_summaries.py
	$(BIN)/python bench/bench_clustering.py
	$(BIN)/python bench/bench_resamples.py
	$(BIN)/python bench/bench_small_feeds.py
	$(BIN)/python bench/bench_small_runs.py
	$(BIN)/python bench/bench_same_story.py
	$(BIN)/python bench/bench_threads.py
	$(BIN)/python bench/bench_cluster_scale.py
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_dashboard.py
	$(BIN)/python bench/bench_dedup.py
	$(BIN)/python bench/bench_store.py
	$(BIN)/python bench/bench_embedding.py
	$(BIN)/python bench/bench_pipeline.py
	$(BIN)/python bench/bench_hostile.py
	$(BIN)/python bench/bench_limits.py
	$(BIN)/python bench/bench_startup.py

lint: $(BIN)/.installed-test
	$(BIN)/ruff check clustering flows tests bench

clean:
	rm -rf $(VENV) artifacts/*.json artifacts/*.jsonl artifacts/*.html artifacts/cache
