# Everything runs inside one virtual environment, created on first use and
# reused afterwards (it is rebuilt when requirements.txt or pyproject.toml change).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test test-quick notebooks bench bench-translator bench-tatoeba bench-tatoeba-seeds bench-ablation bench-distributed lab clean

venv: $(STAMP)

# The lock first (requirements.txt), then the package with its extras: pip
# checks the declared dependencies against what is installed, so a missing or
# conflicting one fails here instead of hiding until an import.
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet -c requirements.txt -e '.[notebooks,test]'
	touch $(STAMP)

# The main job: runs offline on the bundled data.
demo: $(STAMP)
	$(BIN)/python -m tf_lstm demo

# The whole test suite: unit tests, doctests (package and README), every
# notebook executed in fast mode (TF_LSTM_FAST=1), the benchmarks' quick runs,
# and the wheel installed into a fresh environment running `tf-lstm demo --fast`
# (tests/test_package.py; its first run fills .wheelhouse/, about 700 MB).
test: $(STAMP)
	TF_LSTM_FAST=1 $(BIN)/python -m pytest -q

# The unit tests and doctests only, without the tests marked slow (notebooks,
# demo, command-line training, the package install, benchmarks): under 2 minutes.
test-quick: $(STAMP)
	TF_LSTM_FAST=1 $(BIN)/python -m pytest -q -m "not slow"

# Re-run every notebook top to bottom in full mode and save its outputs. With
# TATOEBA=path/to/fra.txt the translation lesson trains on those real pairs
# (the committed outputs come from such a run); without it, on the bundled corpus.
notebooks: $(STAMP)
	@test -z "$(TATOEBA)" || test -f "$(TATOEBA)" || { echo "notebooks: TATOEBA=$(TATOEBA): no such file" >&2; exit 2; }
	TF_LSTM_TATOEBA="$(TATOEBA)" $(BIN)/python tools/run_notebooks.py --inplace notebooks/*.ipynb

# LSTM layer speed: Keras vs ScratchLSTM (+ XLA, unroll, bfloat16), a few minutes.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Translator training tokens/s (fixed-length vs bucketed vs bucketed or
# length-sorted with 4x the batch, these two trained twice the epochs to compare
# BLEU at about equal time) and decoding sentences/s; about 13 minutes.
bench-translator: $(STAMP)
	$(BIN)/python -m benchmarks.translator --epochs 4 --ours-epochs 8 \
		--variant batch_size=256,learning_rate=0.004 \
		--variant batch_size=256,learning_rate=0.004,length_grouping=sorted

# Translation quality on the real Tatoeba file, which you download yourself and
# give by path (it is never committed): make bench-tatoeba TATOEBA=path/to/fra.txt
bench-tatoeba: $(STAMP)
	@test -n "$(TATOEBA)" || { echo "bench-tatoeba: say where the Tatoeba English-French pairs are: make bench-tatoeba TATOEBA=path/to/fra.txt (fra.txt or the fra-eng.zip holding it, from https://www.manythings.org/anki/)" >&2; exit 2; }
	@test -f "$(TATOEBA)" || { echo "bench-tatoeba: TATOEBA=$(TATOEBA): no such file" >&2; exit 2; }
	$(BIN)/python -m benchmarks.tatoeba --data "$(TATOEBA)"

# The same preset and budget with seeds 1 and 2 (about 70 minutes, the machine
# alone), then the spread over seeds 0 to 2 with bench-tatoeba's seed 0:
# benchmarks/results/tatoeba_seeds.{json,md}
bench-tatoeba-seeds: $(STAMP)
	@test -n "$(TATOEBA)" || { echo "bench-tatoeba-seeds: say where the Tatoeba English-French pairs are: make bench-tatoeba-seeds TATOEBA=path/to/fra.txt" >&2; exit 2; }
	@test -f "$(TATOEBA)" || { echo "bench-tatoeba-seeds: TATOEBA=$(TATOEBA): no such file" >&2; exit 2; }
	@test -f benchmarks/results/tatoeba_fra_eng.json || { echo "bench-tatoeba-seeds: run make bench-tatoeba first (seed 0)" >&2; exit 2; }
	for seed in 1 2; do \
		$(BIN)/python -m benchmarks.tatoeba --data "$(TATOEBA)" --set seed=$$seed \
			--out benchmarks/results/tatoeba_fra_eng.seed$$seed || exit 1; \
	done
	$(BIN)/python -m benchmarks.seeds benchmarks/results/tatoeba_fra_eng.json \
		benchmarks/results/tatoeba_fra_eng.seed1.json benchmarks/results/tatoeba_fra_eng.seed2.json

# One training run per lever of run 5's recipe and seed (0 and 1), 2 epochs each, two
# at a time (about three hours on 2 cores): benchmarks/results/tatoeba_ablation.{json,md}
bench-ablation: $(STAMP)
	@test -n "$(TATOEBA)" || { echo "bench-ablation: say where the Tatoeba English-French pairs are: make bench-ablation TATOEBA=path/to/fra.txt" >&2; exit 2; }
	@test -f "$(TATOEBA)" || { echo "bench-ablation: TATOEBA=$(TATOEBA): no such file" >&2; exit 2; }
	$(BIN)/python -m benchmarks.ablation --data "$(TATOEBA)" --seeds 0,1

# Training tokens/s of one process vs mirrored on 2 logical CPU devices vs 2 worker
# processes (MultiWorkerMirroredStrategy on 127.0.0.1), same global batch, 3
# interleaved rounds; a few minutes (2 min 14 s here). No speed-up on a 2-core CPU.
bench-distributed: $(STAMP)
	$(BIN)/python -m benchmarks.distributed

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) *.egg-info build runs .wheelhouse
