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


def _init_decay_order_depends_on_input_scale(text):
    """02: at initialisation, the fresh LSTM decays faster than the fresh SimpleRNN on the
    adding problem's inputs (scale 1) and slower on inputs ten times larger."""
    rows = re.findall(r"^input scale (\S+) +SimpleRNN (\S+) +LSTM (\S+)", text, flags=re.M)
    rates = {float(scale): (float(rnn), float(lstm)) for scale, rnn, lstm in rows}
    if len(rates) < 2:
        return False
    (rnn_small, lstm_small), (rnn_large, lstm_large) = rates[min(rates)], rates[max(rates)]
    return lstm_small < rnn_small < 1 and rnn_large < lstm_large < 1


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
    """02: the LSTM's largest raw (global) gradient norm is far above its median, and above 1."""
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


def _early_stopping_keeps_what_it_saw(text):
    """07: early stopping keeps an epoch no later than it stopped, and no better than the
    plain run's best (its run is the plain run cut short)."""
    found = re.search(r"^Early stopping ran (\d+) epochs and kept epoch (\d+) \(validation "
                      r"MSE (\S+)\); the plain run reached its lowest validation MSE at epoch "
                      r"(\d+) \((\S+)\)\.", text, flags=re.M)
    if not found:
        return False
    stopped, kept, kept_mse, best, best_mse = (float(v) for v in found.groups())
    return kept <= stopped and kept <= best and kept_mse >= best_mse


def _a_unit_counts_brackets(text):
    """07: some unit's cell state follows the bracket depth (|r| > 0.7 even in fast mode),
    rising at '(' and falling at ')'."""
    r = _numbers(r"^unit \d+ follows the depth best: r = (\S+);", text)
    moves = re.findall(r"c moves by (\S+) at each '\(' and (\S+) at each '\)'", text)
    return (len(r) == 1 and abs(r[0]) > 0.7 and len(moves) == 1
            and float(moves[0][0]) > 0 > float(moves[0][1]))


# What each notebook's output must say: substrings (results that the notebook also
# asserts, or exact values) or predicates on the numbers printed.
EXPECTED = {
    "01_background.ipynb": [
        "train  20000 pairs",
        "reserved ids: 0 '', 1 '[UNK]', 2 '[START]', 3 '[END]'",
        "-> 'Va !'",
        "English sentences in both train and test: 0",
        "6 English tokens -> 8 French tokens; agreeing adjectives (bold): "
        "['blanches', 'nouvelles']",
        "'the red houses' -> [4, 1, 8]",
        "split by lines, English sentences on both sides: ['Go.', 'Run!']",
        lambda text: re.search(r"^split by lines: [1-9]\d* of the test's English sentences "
                               r"are in training; split_pairs: 0$", text, re.M) is not None,
    ],
    "02_rnn_vs_lstm.ipynb": [
        "toy: the product of per-step factors == Keras's gradient (GradientTape)",
        _init_decay_order_depends_on_input_scale,
        _linear_rnn_decays_by_its_gain,
        # global_clipnorm=1 makes an SGD step of exactly lr * 1 = 0.01, whatever the gradient.
        lambda text: re.search(r"^global_clipnorm=1\.0 +\S+ +0\.01 ", text, re.M) is not None,
        "baseline (always predict 1): exact 0.1667",
        _lstm_solves_adding_problem,
        lambda text: re.search(r"^LSTM, T=\d+: test MSE stayed above 1/12 for the first \d+ "
                               r"updates$", text, re.M) is not None,
        _lstm_gradient_spikes,
    ],
    "03_lstm_equations.ipynb": [
        "c        f_t c_{t-1} + i_t g_t          0.2876   0.0292",
        "h        o_t tanh(c_t)                  0.1743   0.0116",
        "by hand == numpy_lstm_forward == ScratchLSTM == keras.layers.LSTM",
        "c_1 article:  i_1 * i_1 * g_1 = 0.1790",
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
        "sequence: [0.1817, 0.0941, -0.1390]  h: [-0.1390]  c: [-0.2856]",
        "Keras == the hand computation",
        "return_sequences=False return_state=True  -> 3 value(s): [-0.1390], [-0.1390], [-0.2856]",
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
        "c_1 = 0.3808 (0.5 tanh(1) = 0.3808), c_3 = 0.000000",
        "GRU: outputs (2, 7, 128)  states (2, 128)",
        "7 one-step calls carrying (h, c) == one call over 7 steps",
    ],
    "05_encoder_decoder.ipynb": [
        "decoder step 1 from the encoder's (h, c) == numpy_lstm_forward from the same (h, c)",
        "from zeros: the same h for both sentences",
        "step-by-step decoding, carrying (h, c) == one teacher-forced call",
        "greedy decoding == arg-max of one teacher-forced call fed greedy's own words",
        "LuongAttention with the same W: same weights and context as by hand",
        "== Translator.decode's logits",
        lambda text: re.search(r"^units 2048: unscaled max weight 0\.9\d+", text, re.M) is not None,
        "greedy: A A <end> (0.1900) | most probable: B <end> (0.2175) | beam width 2: B <end> (0.2175)",
        "best after normalisation: C B <end> | beam 2: B <end> | beam 3: C B <end>",
        "decode.beam_search, width 3, α = 0.6: C B <end>",
        "4-grams: 2/4 match  p_4 = 50.00%",
        lambda text: re.search(r"^BLEU by hand (\S+) == sacrebleu\.sentence_bleu \1$", text,
                               re.M) is not None,
        "unsmoothed BLEU 0.0",
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
        "parameters: by hand 48, cost 48, Keras 48",
        "one step: products 80, element-wise 24, activations 10, total 114 FLOPs",
        "input projection: 48 of 80 product FLOPs (60%)",
        "66.7%   256/384",
        "50.0%   128/256",
        "doubling D and U: x3.99",
        'z_x = tf.einsum("tbd,dk->tbk", x, kernel)',
        "-> the LSTM takes",
        _early_stopping_keeps_what_it_saw,
        "copied into ScratchLSTM(return_gates=True): same h as Keras",
        _a_unit_counts_brackets,
        "D=300, U=128: LSTM 219,648, GRU 165,120 parameters (0.75x)",
        "B=1, D=3, U=2: profiler 104 == products 80 + element-wise 24",
        "GRU / LSTM parameters for D = U = 2, 128, 1024: ['0.900', '0.753', '0.750']",
    ],
    "08_faq.ipynb": [
        "47 questions in the FAQ, 12 distinct wordings, 11 distinct questions",
        "answers that say only 'use a suitable ... strategy' (适当的...策略): 35 of 47",
        "B's final h, mask   : by hand 0.3696, Keras 0.3696",
        "B's final h, no mask: by hand 0.0692, Keras 0.0692",
        # the FAQ's timing, fixed: eager calls pay Python overhead per step; compiled they do not
        lambda text: any(float(r) > 2 for r in re.findall(
            r"^eager / compiled at 100 steps: (\S+)x", text, re.M)),
        "default: masked steps carry h, c and the last output; final h, c == each run alone",
        "keras.utils.pad_sequences([[0.5, 1.5], [2.5]]) -> [[0, 1], [0, 2]]",
        "clipped to ±4            forget gates shut at t=20:  0 of 16",
        "(drops the real zero step), lengths 0.0e+00",
        "Masking(mask_value=nan) masks 0 of 6 steps",
        "final h NaN: True | final c NaN: True",
        "only NaN means missing",
        # an embedding is a rank-64 input kernel E·W, not the one-hot model
        "parameters: one-hot LSTM(128) 5,186,048, Embedding(10000, 64) + LSTM(128) 738,816",
        "effective input kernel E·W: shape (10000, 512), rank 64 (at most 64 of 512)",
        _all_below(r"^one-hot LSTM with kernel E·W vs Embedding \+ LSTM: max \|difference\| = "
                   r"(\S+)$", 1e-5),
        "4 stateful chunks of 25 steps == one pass over 100 steps",
        "right-padded: True | left-padded: False",
        "left_to_right_padding: now right-padded, the same final h, c",
        "masks.is_right_padded agrees with Keras's check on all three masks",
        "keras.layers.LSTM(ragged) -> ValueError",
        "parameters: one-hot 648 | embedding + LSTM 296",
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
