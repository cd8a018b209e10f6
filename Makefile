# Everything runs inside one virtual environment, created on first use and
# reused afterwards (it is rebuilt when requirements.txt or pyproject.toml change).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test notebooks bench bench-translator bench-tatoeba lab clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The main job: runs offline on the bundled data.
demo: $(STAMP)
	$(BIN)/python -m tf_lstm demo

# The whole test suite: unit tests, doctests (package and README) and every
# notebook executed in fast mode (TF_LSTM_FAST=1).
test: $(STAMP)
	TF_LSTM_FAST=1 $(BIN)/python -m pytest -q

# Re-run every notebook top to bottom in full mode and save its outputs.
notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py --inplace notebooks/*.ipynb

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

# Translation quality on the real Tatoeba file (given by path, never committed).
TATOEBA ?= ../shared/data/tatoeba-fra-eng/fra.txt
bench-tatoeba: $(STAMP)
	$(BIN)/python -m benchmarks.tatoeba --data $(TATOEBA)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) *.egg-info runs
