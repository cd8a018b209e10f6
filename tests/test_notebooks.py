"""The notebooks: each runs top to bottom in fast mode and says what it should;
the committed copies are clean full runs, small enough to review.

In the spirit of einops' `scripts/test_notebooks.py`: executing a notebook is not
enough, its output must also contain the expected result.
"""

import importlib.util
import pathlib
import re
import shutil

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_BYTES = 2 * 1024 * 1024
RAISES = "raises-exception"


def _load_runner():
    """tools/run_notebooks.py, imported by path (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "run_notebooks", ROOT / "tools" / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _verification_rows_ok(text):
    """The table of `verify.format_table`: every row below its header says ok."""
    table = re.search(r"^check +dtype +max difference +tolerance +result\n-[- ]+\n"
                      r"((?:.+\n?)+)", text, flags=re.M)
    rows = table.group(1).splitlines() if table else []
    return len(rows) >= 5 and all(row.rstrip().endswith("  ok") for row in rows)


# What each notebook's output must say (substrings, or predicates on the text).
EXPECTED = {
    "01_background.ipynb": [
        "train  20000 pairs",
        "reserved ids: 0 '', 1 '[UNK]', 2 '[START]', 3 '[END]'",
        "-> 'Va !'",
        "English sentences in both train and test: 0",
        "encoder: sequence (3, 10, 16)  h (3, 16)  c (3, 16)",
        "decoder step 1 from the encoder's (h, c) == numpy_lstm_forward from the same (h, c)",
        "step-by-step decoding, carrying (h, c) == one teacher-forced call",
        "from zeros, the first output is the same for every sentence",
        "Translator.decode starts from encode's (h, c)",
    ],
    "05_translation.ipynb": [
        "English sentences of the test split seen in training: 0",
        "      greedy: BLEU ",
        "beam width 4: BLEU ",
        "sacreBLEU signature: nrefs:1|case:mixed",
        "signatures: ['serving_default', 'beam4']",
        ".keras reloaded (",
        "SavedModel reloaded: same translations, greedy and beam 4",
    ],
    "02_rnn_vs_lstm.ipynb": [
        "model                              decay per step   ‖grad‖ far / near",
        "SimpleRNN, linear, gain 1.1",
        "sigmoid(1) = 0.731, sigmoid(4) = 0.982",
        # global_clipnorm=1 makes an SGD step of exactly lr * 1 = 0.01, whatever the gradient.
        lambda text: re.search(r"^global_clipnorm=1\.0 +\S+ +0\.01 ", text, re.M) is not None,
        "baseline (always predict 1): exact 0.1667",
        "    T  SimpleRNN       LSTM  baseline   solved (< 0.01)?",
        "raw gradient norm: median",
    ],
    "03_lstm_equations.ipynb": [
        "bias block f: [1. 1. 1.]",
        "  128        300    219648          219648",
        "article's output changed by: 0.000",
        "max |mine - Keras| = ",
        _verification_rows_ok,
        "bias: max |GradientTape - numpy_lstm_backward| = ",
        "largest relative error of numpy_lstm_backward vs finite differences: ",
        "model's prediction for the two sequences:",
    ],
    "04_keras_lstm_layer.ipynb": [
        "NameError",
        "too many values to unpack (expected 2)",
        "sequence (2, 7, 128)  h (2, 128)  c (2, 128)",
        "LSTMOutputs ('sequence', 'h', 'c')",
        "False             False         h                    (2, 128)",
        "False             True          (h, h, c)            (2, 128), (2, 128), (2, 128)",
        "True              False         sequence             (2, 7, 128)",
        "True              True          (sequence, h, c)     (2, 7, 128), (2, 128), (2, 128)",
        "max |sequence[:, -1] - h| = 0.0",
        "4 steps, then 3 more from (h, c)  ==  7 steps at once",
        "decoder output (2, 5, 32)",
        "lower (return_sequences=True): (2, 7, 64) -> upper: (2, 32)",
        "expected ndim=3, found ndim=2",
        "final h, c of each padded sequence == those of the sequence run alone",
        "zero_output_for_mask=True: zeros at padded steps",
        "keras.layers.Masking(0.0) gives the same outputs",
    ],
    "06_challenges.ipynb": [
        "parameter formula == count_params() for all 6 sizes",
        "FLOPs formula == profiler count (products + element-wise) for all 3 shapes",
        "ScratchLSTM == keras.layers.LSTM on the timed input (all shapes)",
        "ScratchLSTM / Keras forward time over all ",
        "With one sequence the LSTM takes ",
        "per step / at once: ",
        "parameters per training target)",
        "copied into ScratchLSTM(return_gates=True): same h as Keras;",
        "depth (open minus closed brackets): best unit ",
        "attention rows sum to 1",
        "input_dim 300, units 128: LSTM 219,648, GRU 165,120 parameters (0.75x)",
    ],
    "07_faq.ipynb": [
        "47 questions in the FAQ, 12 distinct wordings, 11 distinct questions",
        "4 stateful chunks of 25 steps == one pass over 100 steps",
        "default: masked steps carry h, c and the last output",
        "zero_output_for_mask=True: zeros at the padded steps, the same outputs elsewhere",
        "keras.utils.pad_sequences([[0.5, 1.5], [2.5]]) -> [[0, 1], [0, 2]]",
        "right-padded: True | left-padded: False",
        "left_to_right_padding: now right-padded, the same final h, c",
        "masks.is_right_padded agrees with Keras's check on all three masks",
        "keras.layers.LSTM(ragged) -> ValueError",
        "Masking(0.0) drops the real zero step",
        "an explicit mask from the lengths keeps it: max |h - h(alone)| = 0.0e+00",
        "Masking(mask_value=nan) masks 0 of 6 steps",
        "final h NaN: True | final c NaN: True",
        "only NaN means missing",
    ],
}


def output_text(notebook):
    """All text a notebook printed or raised, joined."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            elif output.output_type == "error":
                parts.append(f"{output.ename}: {output.evalue}")
            elif "text/plain" in output.get("data", {}):
                parts.append(output.data["text/plain"])
    return "\n".join(parts)


def _ids(paths):
    return [p.name for p in paths]


def test_notebooks_exist():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_in_fast_mode_and_says_the_right_thing(path, tmp_path):
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    executed = _load_runner().execute_notebook(copy, fast=True)
    text = output_text(executed)
    assert "FAST=True" in text, "the notebook must read TF_LSTM_FAST and print it"
    for expected in EXPECTED.get(path.name, []):
        if callable(expected):
            assert expected(text), f"{expected.__name__} failed on the output"
        else:
            assert expected in text, f"missing from the output: {expected!r}"


def _code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_notebook_is_one_clean_run(path):
    notebook = nbformat.read(path, as_version=4)
    cells = _code_cells(notebook)
    counts = [cell.execution_count for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"execution counts {counts}: re-run with `python tools/run_notebooks.py "
        f"--inplace {path.relative_to(ROOT)}`")
    for number, cell in enumerate(cells, start=1):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if RAISES in cell.metadata.get("tags", []):
            assert errors, f"code cell {number} is tagged {RAISES} but raised nothing"
        else:
            assert not errors, (f"code cell {number} raised "
                                f"{errors[0].ename}: {errors[0].evalue}")
    assert "FAST=False" in output_text(notebook), "commit the full-mode run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_file_is_small(path):
    assert path.stat().st_size < MAX_BYTES
