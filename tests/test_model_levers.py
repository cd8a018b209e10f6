"""The model levers of `TranslatorConfig`: bidirectional, input_feeding, attention_scale,
tie_embeddings, label_smoothing, precision. Each is checked against an independent
computation (NumPy float64, or Keras's own function), and each trains and decodes."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_lstm.numpy_lstm import numpy_lstm_forward
from tf_lstm.translation import decode
from tf_lstm.translation.config import TranslatorConfig
from tf_lstm.translation.model import (LuongAttention, MaskedLoss, TiedLogits, Translator,
                                       compile_translator, masked_loss)
from tf_lstm.translation.tokens import END_ID, START_ID

VOCAB_S = ["", "[UNK]", "[START]", "[END]"] + [f"s{i}" for i in range(10)]
VOCAB_T = ["", "[UNK]", "[START]", "[END]"] + [f"t{i}" for i in range(12)]
SOURCE = np.array([[5, 6, 7, 0, 0], [5, 6, 7, 8, 9]])
TARGET_IN = np.array([[2, 4, 5, 6], [2, 6, 0, 0]])
TARGET_OUT = np.array([[4, 5, 6, 3], [6, 3, 0, 0]])
LEVERS = {"bidirectional": {"bidirectional": True},
          "input_feeding": {"input_feeding": True},
          "unscaled": {"attention_scale": False},
          "tied": {"tie_embeddings": True},
          "smoothed": {"label_smoothing": 0.1},
          "bfloat16": {"precision": "mixed_bfloat16"},
          "all": {"bidirectional": True, "input_feeding": True, "attention_scale": False,
                  "tie_embeddings": True, "label_smoothing": 0.1,
                  "precision": "mixed_bfloat16"}}


def model(**levers):
    keras.utils.set_random_seed(0)
    config = TranslatorConfig(embedding_dim=8, units=12, dropout=0.0, learning_rate=1e-2,
                              **levers)
    m = compile_translator(Translator(VOCAB_S, VOCAB_T, config))
    m((SOURCE, TARGET_IN))  # build
    return m


def real_rows(array, target_in):
    """`array` `(batch, T, ...)` at the real (non-padding) target positions, as a list."""
    return [np.asarray(array[b, :int(np.sum(target_in[b] != 0))], "float64")
            for b in range(len(target_in))]


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# --- bidirectional ----------------------------------------------------------------------

def test_bidirectional_memory_is_forward_and_backward_lstms_over_the_real_tokens():
    m = model(bidirectional=True)
    state = m.encode(SOURCE)
    assert tuple(state["memory"].shape) == (2, 5, 12) and tuple(state["h"].shape) == (2, 12)
    assert m.encoder.forward_layer.units == m.encoder.backward_layer.units == 6
    for row, length in ((0, 3), (1, 5)):
        x = m.source_embedding(SOURCE[row:row + 1, :length]).numpy().astype("float64")
        forward = [w.numpy() for w in m.encoder.forward_layer.cell.weights]
        backward = [w.numpy() for w in m.encoder.backward_layer.cell.weights]
        seq_f, h_f, c_f, _ = numpy_lstm_forward(x, *forward)
        seq_b, h_b, c_b, _ = numpy_lstm_forward(x, *backward, go_backwards=True)
        # The backward outputs come in processing order: the last real token first.
        expected = np.concatenate([seq_f, seq_b[:, ::-1]], axis=-1)[0]
        np.testing.assert_allclose(state["memory"][row, :length], expected, atol=1e-5)
        np.testing.assert_allclose(state["h"][row], np.concatenate([h_f, h_b], -1)[0], atol=1e-5)
        np.testing.assert_allclose(state["c"][row], np.concatenate([c_f, c_b], -1)[0], atol=1e-5)


def test_bidirectional_padding_changes_neither_memory_nor_state():
    m = model(bidirectional=True)
    padded, unpadded = m.encode(SOURCE[:1]), m.encode(SOURCE[:1, :3])
    np.testing.assert_allclose(padded["memory"][:, :3], unpadded["memory"], atol=1e-6)
    for key in ("h", "c"):
        np.testing.assert_allclose(padded[key], unpadded[key], atol=1e-6)
    # The test can fail: the backward half at the first position reads later tokens.
    changed = m.encode(np.array([[5, 6, 9]]))
    assert np.max(np.abs(changed["memory"][0, 0, 6:] - unpadded["memory"][0, 0, 6:])) > 1e-4
    np.testing.assert_allclose(changed["memory"][0, 0, :6], unpadded["memory"][0, 0, :6],
                               atol=1e-6)


# --- input feeding ----------------------------------------------------------------------

def numpy_input_feeding(m, source, target_in):
    """The input-feeding decoder of one unpadded sentence, in NumPy float64."""
    state = m.encode(source[None])
    memory = np.asarray(state["memory"][0], "float64")              # (S, units)
    h, c = (np.asarray(state[k], "float64") for k in ("h", "c"))    # (1, units)
    kernel, recurrent, bias = (w.numpy() for w in m.decoder.cell.weights)
    W = m.attention.W.numpy()
    Wc, bc = (w.numpy() for w in m.attentional.weights)
    Wo, bo = (w.numpy() for w in m.logits.weights)
    embeddings = m.target_embedding.embeddings.numpy()
    feed, logits = np.zeros((1, Wc.shape[1])), []
    for token in target_in:
        x = np.concatenate([embeddings[token][None], feed], axis=-1)[:, None]  # (1, 1, emb + A)
        _, h, c, _ = numpy_lstm_forward(x, kernel, recurrent, bias, initial_state=[h, c])
        weights = softmax(memory @ W.T @ h[0] / np.sqrt(len(h[0])))   # (S,)
        feed = np.tanh(np.concatenate([weights @ memory, h[0]])[None] @ Wc + bc)
        logits.append(feed[0] @ Wo + bo)
    return np.array(logits)


def test_input_feeding_decoder_matches_a_numpy_loop():
    m = model(input_feeding=True)
    # The LSTM reads the embedding and the fed attentional vector.
    assert m.decoder.cell.kernel.shape[0] == 8 + 12
    logits = m((SOURCE[1:], TARGET_IN[:1]))[0]
    np.testing.assert_allclose(logits, numpy_input_feeding(m, SOURCE[1], TARGET_IN[0]),
                               atol=1e-5)


@pytest.mark.parametrize("name", ["input_feeding", "all", "bidirectional", "tied"])
def test_teacher_forcing_equals_decoding_step_by_step(name):
    m = model(**LEVERS[name])
    forced = m((SOURCE, TARGET_IN))
    state = m.encode(SOURCE)
    steps = []
    for t in range(TARGET_IN.shape[1]):
        step_logits, state = m.decode_step(tf.constant(TARGET_IN[:, t], tf.int32), state)
        steps.append(step_logits)
    steps = np.stack(steps, axis=1)                                   # (batch, T, vocab)
    atol = 2e-2 if "precision" in LEVERS[name] else 1e-5              # bfloat16: ~3 digits
    for got, want in zip(real_rows(steps, TARGET_IN), real_rows(forced, TARGET_IN)):
        np.testing.assert_allclose(got[:, 3:], want[:, 3:], atol=atol)  # after never_generated
    # The last real step's state is the one a padded teacher-forced run ends in.
    _, forced_state, _ = m.decode(TARGET_IN, m.encode(SOURCE))
    for key in ("h", "c", "feed") if m.config.input_feeding else ("h", "c"):
        np.testing.assert_allclose(np.asarray(state[key], "float32"),
                                   np.asarray(forced_state[key], "float32"), atol=atol)


def test_input_feeding_padding_steps_change_no_state():
    m = model(input_feeding=True)
    start = m.encode(SOURCE[:1])
    assert tuple(start["feed"].shape) == (1, 12) and not np.any(start["feed"])
    short_logits, short, _ = m.decode(TARGET_IN[:1, :2], start)
    padded_logits, padded, _ = m.decode(np.array([[2, 4, 0, 0, 0]]), start)
    for key in ("h", "c", "feed"):
        np.testing.assert_allclose(padded[key], short[key], atol=1e-6)
    np.testing.assert_allclose(padded_logits[:, :2], short_logits, atol=1e-6)
    # The test can fail: a real third token does change the state.
    _, longer, _ = m.decode(TARGET_IN[:1, :3], start)
    assert np.max(np.abs(longer["feed"] - short["feed"])) > 1e-4


def test_input_feeding_decodes_greedily_and_with_a_beam_in_a_tf_function():
    m = model(input_feeding=True, bidirectional=True)
    state = m.encode(tf.constant(SOURCE))

    @tf.function
    def both(state):
        greedy = decode.greedy_decode(m.decode_step, state, START_ID, END_ID, 6)
        beam = decode.beam_search(m.decode_step, state, START_ID, END_ID, 6, beam_width=1,
                                  length_penalty=0.0)
        return greedy, beam

    (tokens, lengths), (beam_tokens, beam_lengths, _) = both(state)
    np.testing.assert_array_equal(tokens, beam_tokens)  # a beam of 1 is greedy decoding
    np.testing.assert_array_equal(lengths, beam_lengths)
    # Greedy decoding's tokens are the arg-max of teacher forcing on them.
    target_in = np.concatenate([np.full((2, 1), START_ID), tokens.numpy()[:, :-1]], axis=1)
    forced = np.asarray(m((SOURCE, target_in)))
    for b in range(2):
        n = int(lengths[b])
        np.testing.assert_array_equal(np.argmax(forced[b, :n, 3:], -1) + 3, tokens[b, :n])


# --- attention scale --------------------------------------------------------------------

@pytest.mark.parametrize("scale", [True, False])
def test_attention_scale_divides_the_scores_by_sqrt_units_or_not(scale):
    rng = np.random.default_rng(0)
    query, memory = rng.normal(size=(1, 2, 4)), rng.normal(size=(1, 3, 4))
    layer = LuongAttention(scale=scale)
    _, weights = layer(query.astype("float32"), memory.astype("float32"),
                       np.array([[True, True, False]]))
    scores = query[0] @ layer.W.numpy() @ memory[0].T                # (2, 3)
    expected = softmax(scores[:, :2] / (2.0 if scale else 1.0))     # sqrt(4) = 2
    np.testing.assert_allclose(weights[0, :, :2], expected, atol=1e-5)
    np.testing.assert_array_equal(weights[0, :, 2], 0.0)
    assert LuongAttention.from_config(layer.get_config()).scale is scale


def test_attention_scale_reaches_the_layer_and_is_checked():
    assert model(attention_scale=False).attention.scale is False
    assert model().attention.scale is True
    with pytest.raises(ValueError, match="Argument `scale` must be a boolean"):
        LuongAttention(scale="no")


# --- tied embeddings --------------------------------------------------------------------

def test_tied_output_layer_is_the_target_embedding_transposed():
    m = model(tie_embeddings=True)
    assert isinstance(m.logits, TiedLogits) and not hasattr(m.logits, "kernel")
    assert [w.name for w in m.logits.weights] == ["bias"]
    assert m.attentional.units == 8  # h~ has embedding_dim units
    m.logits.bias.assign(np.arange(len(VOCAB_T), dtype="float32") / 10)  # not all zeros
    hidden, _, _ = m._hidden(TARGET_IN, m.encode(SOURCE), training=False)
    E = m.target_embedding.embeddings.numpy()
    np.testing.assert_allclose(m((SOURCE, TARGET_IN)),
                               hidden.numpy() @ E.T + m.logits.bias.numpy(), atol=1e-5)
    untied = model()
    assert len(m.trainable_weights) == len(untied.trainable_weights) - 1  # no output kernel


# --- label smoothing --------------------------------------------------------------------

def test_label_smoothing_loss_by_hand_and_as_keras_smooths():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 3, 5)).astype("float32")
    y = np.array([[4, 2, 0], [1, 0, 0]])
    eps = 0.2
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    real = [(0, 0), (0, 1), (1, 0)]
    by_hand = np.mean([-(1 - eps) * log_p[b, t, y[b, t]] - eps * log_p[b, t].mean()
                       for b, t in real])
    got = float(masked_loss(y, logits, label_smoothing=eps))
    assert got == pytest.approx(by_hand, rel=1e-5)
    keras_smoothed = keras.losses.categorical_crossentropy(
        np.eye(5)[[y[b, t] for b, t in real]], logits[tuple(zip(*real))],
        from_logits=True, label_smoothing=eps)
    assert got == pytest.approx(float(np.mean(keras_smoothed)), rel=1e-5)
    # Padding never counts, and 0 is the plain cross-entropy.
    assert float(MaskedLoss(eps)(y, logits)) == pytest.approx(got, rel=1e-6)
    plain = np.mean([-log_p[b, t, y[b, t]] for b, t in real])
    assert float(MaskedLoss()(y, logits)) == pytest.approx(plain, rel=1e-5)


def test_label_smoothing_is_compiled_saved_and_checked(tmp_path):
    m = model(label_smoothing=0.1)
    assert isinstance(m.loss, MaskedLoss) and m.loss.label_smoothing == 0.1
    path = tmp_path / "smoothed.keras"
    m.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.loss, MaskedLoss) and loaded.loss.label_smoothing == 0.1
    for bad in (1.0, -0.1, "0.1", True):
        with pytest.raises(ValueError, match="Argument `label_smoothing` must be a number"):
            MaskedLoss(bad)


# --- precision --------------------------------------------------------------------------

def test_mixed_bfloat16_computes_in_bfloat16_with_float32_variables_and_logits():
    m = model(precision="mixed_bfloat16")
    state = m.encode(SOURCE)
    assert state["memory"].dtype == state["h"].dtype == tf.bfloat16
    assert all(w.dtype == "float32" for w in m.weights)
    logits = m((SOURCE, TARGET_IN))
    assert logits.dtype == tf.float32
    _, _, weights = m.decode(TARGET_IN, state)
    assert weights.dtype == tf.float32  # attention maps plot as plain floats
    assert m.logits.compute_dtype == "float32" and m.decoder.compute_dtype == "bfloat16"
    # Close to the float32 model with the same weights (bfloat16 keeps ~3 digits).
    reference = model()
    reference.set_weights(m.get_weights())
    np.testing.assert_allclose(logits, reference((SOURCE, TARGET_IN)), atol=5e-2)


# --- every lever: trains, decodes, saves; old configs load ------------------------------

@pytest.mark.parametrize("name", sorted(LEVERS))
def test_each_lever_trains_decodes_and_survives_saving(name, tmp_path):
    m = model(**LEVERS[name])
    # Batches of unknown length, as `pipeline.make_dataset` gives them.
    spec = tf.TensorSpec((None, None), tf.int64)
    batches = tf.data.Dataset.from_generator(lambda: [((SOURCE, TARGET_IN), TARGET_OUT)],
                                             output_signature=((spec, spec), spec))
    history = m.fit(batches.repeat(), epochs=3, steps_per_epoch=1, verbose=0, shuffle=False)
    assert len(history.history["loss"]) == 3
    assert np.all(np.isfinite(history.history["loss"]))
    assert history.history["loss"][-1] < history.history["loss"][0]
    tokens, lengths = decode.greedy_decode(m.decode_step, m.encode(SOURCE), START_ID, END_ID, 5)
    assert tokens.shape == (2, 5) and np.all((lengths >= 1) & (lengths <= 5))
    path = tmp_path / "m.keras"
    m.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.config == m.config
    np.testing.assert_allclose(loaded((SOURCE, TARGET_IN)), m((SOURCE, TARGET_IN)), atol=1e-6)


def test_a_config_saved_before_the_levers_loads_with_them_off():
    old = {"embedding_dim": 8, "units": 12, "dropout": 0.0}  # no lever fields
    m = Translator.from_config({"source_vocabulary": VOCAB_S, "target_vocabulary": VOCAB_T,
                                "config": old})
    assert m.config == TranslatorConfig(**old) and not m.config.input_feeding
    assert tuple(m((SOURCE, TARGET_IN)).shape) == (2, 4, len(VOCAB_T))
