# censusmig: `make demo` tabulates the bundled sample census, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := sample_microdata/census.parquet
PROFILE := sample_microdata/census.profile.toml

.PHONY: demo test lint golden sample-data bench bench-spark fuzz clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The tests need the development tools and the Spark engine's pyspark (its tests run Spark in
# local mode on Java; without Java they skip, except in CI).
$(VENV)/.dev-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/censusmig tabulate $(SAMPLE) --profile $(PROFILE) --out out/demo
	@echo "Demo outputs: out/demo/report.html, out/demo/tables.xlsx, out/demo/csv/, out/demo/run.json"
	@echo "The data-quality items above are expected: the sample census holds errors planted on purpose"
	@echo "for the edit checks to find (sample_microdata/CODEBOOK.md, 'Deliberate dirt'; docs/outputs.md)."
	@echo "Next: .venv/bin/censusmig --help, or 'source .venv/bin/activate' then 'censusmig --help'; docs/index.md."

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench
	$(BIN)/mypy src

test: lint
	$(BIN)/pytest

# Regenerate the committed sample census, its 10% household sample survey (survey.parquet) and the
# golden tables (review the diff before committing).
sample-data: $(VENV)/.installed
	$(BIN)/censusmig sample --persons 20000 --seed 2025 --out sample_microdata/census.csv
	$(BIN)/censusmig sample --persons 20000 --seed 2025 --out sample_microdata/census.parquet
	$(BIN)/censusmig sample --persons 20000 --seed 2025 --out sample_microdata/census.sav
	$(BIN)/censusmig sample --persons 20000 --seed 2025 --out sample_microdata/census.dta
	$(BIN)/python scripts/make_survey_sample.py --persons 20000 --seed 2025 --out sample_microdata/survey.parquet

golden: $(VENV)/.installed
	$(BIN)/python scripts/update_golden.py

# Speed and memory, whole processes paired against hand-written Polars floors, on the sample
# layout and a national layout (bench/README.md; not part of `make test`). Writes bench/RESULTS.md,
# then what survey standard errors cost (bench/survey_bench.py) to bench/SURVEY.md, then what
# disclosure control costs and changes (bench/protection_bench.py) to bench/PROTECTION.md.
# Quick run: `make bench SIZES=1000000 ROUNDS=2 LAYOUTS=national`; `PANDAS=1` adds pandas
# (minutes), `BIG=1` the 100M-person memory run (generating that file takes about 5 minutes).
bench: $(VENV)/.dev-installed
	$(BIN)/python bench/run_bench.py $(if $(SIZES),--sizes $(SIZES),) \
		$(if $(ROUNDS),--rounds $(ROUNDS),) $(if $(LAYOUTS),--layouts $(LAYOUTS),) \
		$(if $(PANDAS),--pandas,) $(if $(BIG),--big,)
	$(BIN)/python bench/survey_bench.py $(if $(ROUNDS),--rounds $(ROUNDS),)
	$(BIN)/python bench/protection_bench.py $(if $(ROUNDS),--rounds $(ROUNDS),)
	$(MAKE) bench-spark

# The Spark engine beside the default one (local mode, every core), 1M and 10M persons:
# bench/SPARK.md. Needs Java (apt-get install default-jre-headless).
bench-spark: $(VENV)/.dev-installed
	$(BIN)/python bench/spark_bench.py $(if $(SIZES),--sizes $(SIZES),) $(if $(ROUNDS),--rounds $(ROUNDS),)

# Generated-input suite: 1,000 seeded odd inputs through the real CLI, 2 at a time; failures kept
# under out/fuzz/failures/<signature>/ (`make fuzz CASES=200 SEED=7` for another run).
CASES ?= 1000
SEED ?= 12
fuzz: $(VENV)/.dev-installed
	$(BIN)/python scripts/fuzz.py --cases $(CASES) --seed $(SEED) --workers 2

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
