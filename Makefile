# mailhygiene: operator entry points. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DB     ?= $(or $(MAILHYGIENE_DB),mailhygiene.duckdb)
LEVEL  ?= mx
DEMO   := demo-out

.PHONY: setup system demo test check lint typecheck bench soak bench-bounces bench-compare bench-smtp bench-mx bench-phones bench-provenance clean-list clean

setup: $(STAMP) system

system:
	@bash scripts/setup-system.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

# Generates the 140,000-row dispute-like base, serves its domains from a local unbound on
# 127.0.0.1, and runs the main job on it.
demo: setup
	$(BIN)/python scripts/demo.py --out $(DEMO)

# What CI runs (.ci/run). pytest exits non-zero on failure and 5 when no test ran.
test: setup
	$(BIN)/pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check mailhygiene tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy --strict mailhygiene

check: lint typecheck test

bench: setup
	$(BIN)/python bench/run.py

bench-bounces: setup
	$(BIN)/python bench/bounces.py

# Issue 7: exact compare and fingerprints on generated 1,000,000 / 700,000-address bases.
bench-compare: setup
	$(BIN)/python bench/compare.py

# SMTP probe throughput against the aiosmtpd farm (default politeness vs faster settings).
bench-smtp: setup
	$(BIN)/python bench/smtp.py

# Issue 4: MX stage against a local unbound serving 50,000 generated domains (cold, warm, e2e).
bench-mx: setup
	$(BIN)/python bench/mx.py

# Provenance LR on ground truth (issue 8): >= 200 replicates per cell at reduced size, then a
# few full-size pairs through the store; writes build/provenance/tippett.svg.
bench-provenance: setup
	$(BIN)/python bench/provenance/run.py

# Issue 11: phone parsing on 1,000,000 rows, fast-path agreement, enrichment on 1,000,000 rows.
bench-phones: setup
	$(BIN)/python bench/phones.py
	$(BIN)/python bench/phones_agreement.py --cells 5000
	$(BIN)/python bench/enrich.py

# Issue 10: 1,000,000 rows, 10 kill -9 / resume cycles, output compared with a clean run.
soak: setup
	$(BIN)/python scripts/soak.py

# Batch use (cron): make clean-list IN=contacts.csv OUT=cleaned.csv [LEVEL=syntax] [DB=...]
# mailhygiene's exit codes: 0 done, 2 bad input or options, 1 unexpected failure; make
# turns any failure into 2 (run the printed command directly to tell them apart).
clean-list: $(STAMP)
	@test -n "$(IN)" || { echo "usage: make clean-list IN=contacts.csv OUT=cleaned.csv" >&2; exit 2; }
	@test -n "$(OUT)" || { echo "usage: make clean-list IN=contacts.csv OUT=cleaned.csv" >&2; exit 2; }
	$(BIN)/mailhygiene check "$(IN)" -o "$(OUT)" --level $(LEVEL) --db "$(DB)"

clean:
	rm -rf $(DEMO) build .pytest_cache .mypy_cache .ruff_cache
