"""Shared fixtures and helpers: quiet TensorFlow, a seeded RNG, Keras/NumPy LSTM cases, a tiny translator."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import tf_lstm  # noqa: E402


@pytest.fixture
def rng():
    tf_lstm.seed_everything(0)
    return np.random.default_rng(0)


def as_list(out):
    """A layer's output as a list, whether it returned one tensor or several."""
    return list(out) if isinstance(out, (list, tuple)) else [out]


def keras_lstm_case(rng, dtype, shape, return_sequences, return_state, go_backwards,
                    masked, with_state):
    """One comparison case: a random Keras LSTM, its input, mask, initial state, outputs.

    Returns:
        `(layer, x, mask, state, keras_outputs)`; `mask` and `state` are None
        unless asked for, `keras_outputs` is `as_list` of the layer's call.
    """
    from tf_lstm.verify import random_keras_lstm, random_right_padded_mask

    batch, steps, input_dim, units = shape
    layer = random_keras_lstm(rng, units, input_dim, dtype=dtype,
                              return_sequences=return_sequences,
                              return_state=return_state, go_backwards=go_backwards)
    x = rng.normal(size=(batch, steps, input_dim)).astype(dtype)
    mask = random_right_padded_mask(rng, batch, steps) if masked else None
    state = ([rng.normal(size=(batch, units)).astype(dtype) for _ in range(2)]
             if with_state else None)
    return layer, x, mask, state, as_list(layer(x, initial_state=state, mask=mask))


@pytest.fixture(scope="session")
def tiny_splits():
    """A few hundred pairs of the bundled corpus (the tests never need more)."""
    from tf_lstm.translation import corpus

    splits = corpus.load_bundled()
    return {"train": splits["train"][:400], "valid": splits["valid"][:50],
            "test": splits["test"][:20]}


@pytest.fixture(scope="session")
def tiny_model(tiny_splits):
    """A small compiled Translator built on `tiny_splits` (briefly trained)."""
    from tf_lstm.translation import training
    from tf_lstm.translation.config import TranslatorConfig

    config = TranslatorConfig(embedding_dim=16, units=24, epochs=1, batch_size=32,
                              max_length=12)
    prepared = training.prepare(tiny_splits, config)
    model = training.build_translator(prepared, config)
    model.fit(prepared.train, epochs=1, verbose=0, shuffle=False)
    return model


# Written for the WordPiece tests (no corpus's text): French elisions (l', qu',
# C'), the space before ? ! : and none before , ., capitals and accents.
WORDPIECE_PAIRS = [("Where is the man?", "Où est l'homme ?"),
                   ("He says that she sings.", "Il dit qu'elle chante."),
                   ("Élise, come here!", "Élise, viens ici !"),
                   ("It is the water: cold.", "C'est l'eau : froide.")]


@pytest.fixture(scope="session")
def wordpiece_pairs():
    return list(WORDPIECE_PAIRS)


@pytest.fixture(scope="session")
def wordpiece_model():
    """A tiny `tokenizer="wordpiece"` Translator that knows `WORDPIECE_PAIRS` by heart.

    Greedy decoding of each English sentence gives its French exactly. The
    vocabularies (60 and 66 pieces) are small enough that most words are
    spelt in pieces (``homme`` as ``h ##o ##m ##m ##e``). 80 updates; 35 suffice.
    """
    from tf_lstm.translation import training
    from tf_lstm.translation.config import TranslatorConfig

    config = TranslatorConfig(embedding_dim=16, units=32, dropout=0.0, learning_rate=3e-2,
                              batch_size=4, max_length=24, tokenizer="wordpiece",
                              max_source_vocabulary=60, max_target_vocabulary=66)
    splits = {"train": WORDPIECE_PAIRS, "valid": WORDPIECE_PAIRS}
    prepared = training.prepare(splits, config)
    model = training.build_translator(prepared, config)
    model.fit(prepared.train.repeat(80), epochs=1, verbose=0, shuffle=False)
    return model


# `make test-quick` runs `pytest -m "not slow"`, the unit tests and doctests.
# Slow, so only in `make test`: the notebooks, the benchmarks and the demo run
# as a program (tests/test_cli.py and tests/test_package.py mark their own).
SLOW_FILES = ("test_benchmark*.py", "test_gpu_benchmark.py", "test_multi_worker.py")  # notebooks: marked per test
SLOW_TESTS = ("test_demo_runs_as_a_module",)


def pytest_collection_modifyitems(config, items):
    """Mark the tests of `SLOW_FILES` and those named in `SLOW_TESTS` slow."""
    for item in items:
        if (any(item.path.match(pattern) for pattern in SLOW_FILES)
                or getattr(item, "originalname", item.name) in SLOW_TESTS):
            item.add_marker(pytest.mark.slow)


def random_id_pairs(count, seed=0):
    """Ragged source/target ids, lengths 1-19 and correlated as in translations
    (target = source length -2..+3 tokens), the target framed by START/END."""
    import tensorflow as tf

    from tf_lstm.translation import tokens

    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 20, size=count)
    source = [list(rng.integers(4, 50, size=n)) for n in lengths]
    target = [[tokens.START_ID, *rng.integers(4, 50, size=max(1, n + rng.integers(-2, 4))),
               tokens.END_ID] for n in lengths]
    return tf.ragged.constant(source, dtype=tf.int64), tf.ragged.constant(target, dtype=tf.int64)


# Scripts `tests/test_distribute.py` and `tests/test_multi_worker.py` run in
# subprocesses (they configure TensorFlow's devices or cluster at start): not
# modules for pytest to import.
collect_ignore = ["mirrored_check.py", "multi_worker_check.py"]
