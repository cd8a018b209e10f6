"""The notebooks: each runs top to bottom in fast mode and says what it should;
the committed copies are clean full runs that say it too, small enough to review,
and refer to nothing outside the repository.

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


def _numbers(pattern, text):
    """Every float captured by `pattern`'s first group in `text` (multiline)."""
    return [float(value) for value in re.findall(pattern, text, flags=re.M)]


def _all_below(pattern, limit):
    """A predicate: `pattern` matches at least once, and every number it captures < limit."""
    def check(text):
        values = _numbers(pattern, text)
        return bool(values) and max(values) < limit
    check.__name__ = f"every {pattern!r} below {limit}"
    return check


def _lstm_decays_faster_at_init(text):
    """02: with Keras's defaults the fresh LSTM's gradient decays faster than the SimpleRNN's."""
    rnn = _numbers(r"^SimpleRNN at init +(\S+)", text)
    lstm = _numbers(r"^LSTM at init +(\S+)", text)
    return bool(rnn and lstm) and max(lstm) < min(rnn) < 1


def _linear_rnn_decays_by_its_gain(text):
    """02: a linear SimpleRNN's gradient changes by about its recurrent gain per step."""
    rows = re.findall(r"^SimpleRNN, linear, gain (\S+) +(\S+)", text, flags=re.M)
    return len(rows) == 3 and all(abs(float(decay) - float(gain)) < 0.03
                                  for gain, decay in rows)


def _lstm_solves_adding_problem(text):
    """02: every row of the adding-problem table: the LSTM solves it, the SimpleRNN not."""
    rows = re.findall(r"^ +\d+ +\S+ +\S+ +\S+ +(SimpleRNN \w+, LSTM \w+)$", text, flags=re.M)
    return bool(rows) and all(row == "SimpleRNN no, LSTM yes" for row in rows)


def _lstm_gradient_spikes(text):
    """02: the LSTM's largest raw gradient is far above its median and the clipping bar."""
    rows = re.findall(r"^LSTM, T=\d+ +raw gradient norm: median (\S+), max (\S+),",
                      text, flags=re.M)
    return bool(rows) and all(float(top) > max(1.0, 10 * float(median))
                              for median, top in rows)


def _memory_model_reads_the_mark(text):
    """03: opposite marked values (+0.9, -0.9) give predictions of opposite signs."""
    found = re.search(r"model's prediction for the two sequences: \[ *(\S+) +(\S+) *\]", text)
    return found is not None and float(found.group(1)) > 0 > float(found.group(2))


# The fast run's floor: its tiny model, trained for 8 epochs on 3,000 pairs, scores
# about 10 (the full run above 90).
FAST_BLEU_FLOOR = 5.0


def _bleu_above_floor(method):
    def check(text):
        scores = _numbers(rf"^ *{re.escape(method)}: BLEU +(\S+) ", text)
        return len(scores) == 1 and scores[0] > FAST_BLEU_FLOOR
    check.__name__ = f"{method} BLEU above {FAST_BLEU_FLOOR}"
    return check


def _sequential_lstm_slower_than_matmul(text):
    """06: with one sequence the LSTM is slower than a matrix product of its FLOPs."""
    ratios = _numbers(r"^With one sequence the LSTM takes (\S+)x the time", text)
    return len(ratios) == 1 and ratios[0] > 1


def _a_unit_counts_brackets(text):
    """06: some unit's cell state follows the bracket depth (|r| > 0.7 even in fast mode)."""
    r = _numbers(r"^depth \(open minus closed brackets\): best unit \d+, r = (\S+);", text)
    return len(r) == 1 and abs(r[0]) > 0.7


# What each notebook's output must say: substrings (results that the notebook also
# asserts, or exact values) or predicates on the numbers printed.
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
    "02_rnn_vs_lstm.ipynb": [
        _lstm_decays_faster_at_init,
        _linear_rnn_decays_by_its_gain,
        # global_clipnorm=1 makes an SGD step of exactly lr * 1 = 0.01, whatever the gradient.
        lambda text: re.search(r"^global_clipnorm=1\.0 +\S+ +0\.01 ", text, re.M) is not None,
        "baseline (always predict 1): exact 0.1667",
        _lstm_solves_adding_problem,
        _lstm_gradient_spikes,
    ],
    "03_lstm_equations.ipynb": [
        "bias block f: [1. 1. 1.]",
        "  128        300    219648          219648",
        "article's output changed by: 0.000",
        _all_below(r"max \|mine - Keras\| = (\S+)$", 1e-12),
        _verification_rows_ok,
        _all_below(r"max \|GradientTape - numpy_lstm_backward\| = (\S+)$", 1e-10),
        _all_below(r"^largest relative error of numpy_lstm_backward vs finite differences: "
                   r"(\S+)$", 1e-6),
        _memory_model_reads_the_mark,
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
    "06_translation.ipynb": [
        lambda text: re.search(r"^data: (real Tatoeba pairs|the bundled synthetic corpus)",
                               text, re.M) is not None,
        "English sentences of the test split seen in training: 0",
        _bleu_above_floor("greedy"),
        _bleu_above_floor("beam width 4"),
        "sacreBLEU signature: nrefs:1|case:mixed",
        lambda text: re.search(r"^beam search: [+-][\d.]+ BLEU, [+-][\d.]+ chrF; it changed "
                               r"\d+ of \d+ translations", text, re.M) is not None,
        # Scoring the reference under the model: most wrong translations are model errors.
        lambda text: (_numbers(r"^  model errors \(.*?\): (\d+),", text)[:1]
                      > _numbers(r"^  search errors \(.*?\): (\d+)$", text)[:1] != []),
        "signatures: ['serving_default', 'beam4']",
        lambda text: re.search(r"^\.keras reloaded \([\d.]+ MB\): same translations, "
                               r"greedy and beam 4$", text, re.M) is not None,
        "SavedModel reloaded: same translations, greedy and beam 4",
    ],
    "07_challenges.ipynb": [
        "parameter formula == count_params() for all 6 sizes",
        "FLOPs formula == profiler count (products + element-wise) for all 3 shapes",
        "x2 steps: x2.00 FLOPs",
        "ScratchLSTM == keras.layers.LSTM on the timed input (all shapes)",
        _sequential_lstm_slower_than_matmul,
        "copied into ScratchLSTM(return_gates=True): same h as Keras;",
        _a_unit_counts_brackets,
        "attention rows sum to 1",
        "input_dim 300, units 128: LSTM 219,648, GRU 165,120 parameters (0.75x)",
    ],
    "08_faq.ipynb": [
        "47 questions in the FAQ, 12 distinct wordings, 11 distinct questions",
        "answers that say only 'use a suitable ... strategy' (适当的...策略): 35 of 47",
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
    """All text a notebook printed or raised, joined.

    Consecutive stream outputs are one text: the kernel may send a single
    `print` in several chunks.
    """
    parts = []
    for cell in notebook.cells:
        stream = None
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                stream = (stream or "") + output.text
                continue
            if stream is not None:
                parts.append(stream)
                stream = None
            if output.output_type == "error":
                parts.append(f"{output.ename}: {output.evalue}")
            elif "text/plain" in output.get("data", {}):
                parts.append(output.data["text/plain"])
        if stream is not None:
            parts.append(stream)
    return "\n".join(parts)


def _ids(paths):
    return [p.name for p in paths]


def test_notebooks_exist():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


def _check_says(text, name):
    """Assert every entry of `EXPECTED[name]` holds on a notebook's output `text`."""
    for expected in EXPECTED.get(name, []):
        if callable(expected):
            assert expected(text), (f"{expected.__name__} failed on the output"
                                    + (f": {expected.__doc__}" if expected.__doc__ else ""))
        else:
            assert expected in text, f"missing from the output: {expected!r}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_in_fast_mode_and_says_the_right_thing(path, tmp_path):
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    executed = _load_runner().execute_notebook(copy, fast=True)
    text = output_text(executed)
    assert "FAST=True" in text, "the notebook must read TF_LSTM_FAST and print it"
    _check_says(text, path.name)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_notebook_says_the_right_thing(path):
    # The full-mode outputs a reader sees satisfy the same checks as the fast run.
    _check_says(output_text(nbformat.read(path, as_version=4)), path.name)


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
