"""tf_lstm.translation.model: the encoder–decoder, its attention, loss and metric."""

import keras
import numpy as np
import tensorflow as tf

from tf_lstm.translation.model import LuongAttention, MaskedAccuracy, Translator, compile_translator, masked_loss
from tf_lstm.translation.config import TranslatorConfig

SMALL = TranslatorConfig(embedding_dim=8, units=12, dropout=0.0, learning_rate=1e-2)
VOCAB_S = ["", "[UNK]", "[START]", "[END]"] + [f"s{i}" for i in range(10)]
VOCAB_T = ["", "[UNK]", "[START]", "[END]"] + [f"t{i}" for i in range(12)]


def model():
    keras.utils.set_random_seed(0)
    m = Translator(VOCAB_S, VOCAB_T, SMALL)
    return compile_translator(m)


def test_logit_shapes_and_source_padding_is_ignored():
    m = model()
    source = np.array([[5, 6, 7, 0, 0], [5, 6, 7, 8, 9]])
    target_in = np.array([[2, 4, 5], [2, 6, 0]])
    logits = m((source, target_in))
    assert tuple(logits.shape) == (2, 3, len(VOCAB_T))
    # Extra padding on the source changes nothing.
    wider = np.concatenate([source, np.zeros((2, 3), int)], axis=1)
    np.testing.assert_allclose(m((wider, target_in)), logits, atol=1e-5)


def test_attention_weights_sum_to_one_and_skip_padding():
    layer = LuongAttention()
    query = tf.random.normal((2, 3, 4))
    memory = tf.random.normal((2, 5, 4))
    mask = tf.constant([[True] * 5, [True, True, False, False, False]])
    context, weights = layer(query, memory, mask)
    assert tuple(context.shape) == (2, 3, 4)
    np.testing.assert_allclose(tf.reduce_sum(weights, -1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(weights[1, :, 2:], 0.0)


def test_decoder_starts_from_the_encoder_state():
    m = model()
    source = tf.constant([[5, 6, 7]])
    state = m.encode(source)
    _, h, c = m.encoder(m.source_embedding(source))
    np.testing.assert_allclose(state["h"], h, atol=1e-6)
    np.testing.assert_allclose(state["c"], c, atol=1e-6)
    # Step-by-step decoding equals teacher forcing over the whole prefix.
    target_in = tf.constant([[2, 4, 5]])
    full, _, _ = m.decode(target_in, state)
    for t in range(3):
        step_logits, state = m.decode_step(tf.cast(target_in[:, t], tf.int32), state)
        np.testing.assert_allclose(step_logits[:, 4:], full[:, t, 4:], atol=1e-5)
        np.testing.assert_allclose(step_logits[:, 3], full[:, t, 3], atol=1e-5)  # [END]
        # Padding, [UNK] and [START] are never generated.
        np.testing.assert_array_equal(step_logits[:, :3], -1e9)


def test_masked_loss_and_accuracy_ignore_padding():
    y_true = tf.constant([[4, 5, 0, 0]])
    logits = tf.one_hot([[4, 6, 7, 7]], 8) * 10.0
    # Two real tokens: one right (loss ~0), one wrong; padding predictions are wrong too.
    per_token = tf.keras.losses.sparse_categorical_crossentropy(
        tf.constant([4, 5]), logits[0, :2], from_logits=True)
    expected = float(tf.reduce_mean(per_token))  # the padded positions add nothing
    assert abs(float(masked_loss(y_true, logits)) - expected) < 1e-5
    metric = MaskedAccuracy()
    metric.update_state(y_true, logits)
    assert float(metric.result()) == 0.5


def test_training_reduces_the_loss_on_a_copy_task():
    m = model()
    rng = np.random.default_rng(0)
    source = rng.integers(4, 14, size=(64, 4))
    target = source - 4 + 4  # "translate" s_i to t_i
    target_in = np.concatenate([np.full((64, 1), 2), target], axis=1)
    target_out = np.concatenate([target, np.full((64, 1), 3)], axis=1)
    history = m.fit((source, target_in), target_out, epochs=30, verbose=0, batch_size=16)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_keras_save_round_trip(tmp_path):
    m = model()
    source, target_in = np.array([[5, 6, 0]]), np.array([[2, 4]])
    before = m((source, target_in))
    path = tmp_path / "t.keras"
    m.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.config == m.config and loaded.target_vocabulary == VOCAB_T
    np.testing.assert_allclose(loaded((source, target_in)), before, atol=1e-6)
