"""benchmarks.sampled_softmax: the loss against TensorFlow's, and training with it."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from benchmarks.sampled_softmax import (SampledSoftmaxTranslator, build_translator,
                                        log_uniform_log_probabilities, sampled_softmax_loss)
from tf_lstm.translation.config import TranslatorConfig
from tf_lstm.translation.model import Translator, compile_translator, masked_loss
from tf_lstm.translation.training import Prepared

VOCAB_S = ["", "[UNK]", "[START]", "[END]"] + [f"s{i}" for i in range(10)]
VOCAB_T = ["", "[UNK]", "[START]", "[END]"] + [f"t{i}" for i in range(12)]


def weights(rng, units=16, vocab=50):
    kernel = tf.Variable(rng.normal(size=(units, vocab)).astype("float32") * 0.3)
    bias = tf.Variable(rng.normal(size=(vocab,)).astype("float32") * 0.1)
    return kernel, bias


def test_log_uniform_probabilities_sum_to_one_and_fall_with_rank():
    q = np.exp(np.asarray(log_uniform_log_probabilities(1000), dtype=np.float64))
    assert abs(q.sum() - 1.0) < 1e-5
    assert np.all(np.diff(q) < 0)
    np.testing.assert_allclose(q[0], np.log(2) / np.log(1001), rtol=1e-6)


def test_equals_tensorflow_sampled_softmax_loss_and_its_gradients():
    rng = np.random.default_rng(0)
    batch, steps, units, vocab, num_sampled = 4, 5, 16, 50, 20
    kernel, bias = weights(rng, units, vocab)
    hidden = tf.Variable(rng.normal(size=(batch, steps, units)).astype("float32"))
    y = rng.integers(1, vocab, size=(batch, steps))
    y[0, 3:] = 0  # padding, not counted
    y[2, 4] = 0
    # Distinct candidates (TensorFlow removes one copy of a repeated hit only;
    # see the next test), two of which are some positions' own words.
    sampled = rng.permutation(vocab)[:num_sampled]
    assert len(set(sampled) & set(y.ravel()) - {0}) >= 2
    log_q = log_uniform_log_probabilities(vocab)
    labels = tf.constant(y.reshape(-1, 1), tf.int64)
    with tf.GradientTape(persistent=True) as tape:
        ours = sampled_softmax_loss(tf.constant(y), hidden, kernel, bias, num_sampled,
                                    sampled=tf.constant(sampled))
        per_position = tf.nn.sampled_softmax_loss(
            tf.transpose(kernel), bias, labels, tf.reshape(hidden, (-1, units)),
            num_sampled, vocab, remove_accidental_hits=True,
            sampled_values=(tf.constant(sampled, tf.int64),
                            num_sampled * tf.exp(tf.gather(log_q, labels)),
                            num_sampled * tf.exp(tf.gather(log_q, sampled))))
        mask = tf.constant(y.ravel() != 0, tf.float32)
        reference = tf.reduce_sum(per_position * mask) / tf.reduce_sum(mask)
    np.testing.assert_allclose(float(ours), float(reference), rtol=1e-6)
    for variable in (hidden, kernel, bias):
        np.testing.assert_allclose(tf.convert_to_tensor(tape.gradient(ours, variable)),
                                   tf.convert_to_tensor(tape.gradient(reference, variable)),
                                   atol=1e-6)


def test_every_copy_of_an_accidental_hit_is_removed():
    # Drawn with replacement, a position's own word can be drawn several times;
    # every copy is the true word, not a negative.
    rng = np.random.default_rng(1)
    kernel, bias = weights(rng, 4, 10)
    hidden = tf.constant(rng.normal(size=(1, 1, 4)).astype("float32"))
    sampled = tf.constant([7, 7, 5])
    loss = float(sampled_softmax_loss(tf.constant([[7]]), hidden, kernel, bias, 3,
                                      sampled=sampled))
    z = hidden.numpy()[0, 0] @ kernel.numpy() + bias.numpy()
    log_q = np.asarray(log_uniform_log_probabilities(10))
    true, other = (z[k] - np.log(3) - log_q[k] for k in (7, 5))
    np.testing.assert_allclose(loss, np.logaddexp(true, other) - true, rtol=1e-5)


def test_loss_is_a_mean_over_real_tokens_only():
    rng = np.random.default_rng(2)
    kernel, bias = weights(rng, 8, 30)
    hidden = tf.constant(rng.normal(size=(1, 3, 8)).astype("float32"))
    sampled = tf.constant([4, 9, 11, 20])
    short = sampled_softmax_loss(tf.constant([[5, 6]]), hidden[:, :2], kernel, bias, 4,
                                 sampled=sampled)
    padded = sampled_softmax_loss(tf.constant([[5, 6, 0]]), hidden, kernel, bias, 4,
                                  sampled=sampled)
    np.testing.assert_allclose(float(padded), float(short), rtol=1e-6)


def sampled_model(num_sampled=10, **overrides):
    keras.utils.set_random_seed(0)
    config = TranslatorConfig(embedding_dim=8, units=12, dropout=0.0, learning_rate=1e-2,
                              **overrides)
    return compile_translator(SampledSoftmaxTranslator(VOCAB_S, VOCAB_T, config, num_sampled))


def copy_task(n=64, seed=0):
    source = np.random.default_rng(seed).integers(4, 14, size=(n, 4))
    target_in = np.concatenate([np.full((n, 1), 2), source], axis=1)
    target_out = np.concatenate([source, np.full((n, 1), 3)], axis=1)
    return (source, target_in), target_out


def test_training_call_returns_hidden_states_and_inference_returns_logits():
    m = sampled_model()
    (source, target_in), _ = copy_task(2)
    assert tuple(m((source, target_in)).shape) == (2, 5, len(VOCAB_T))
    out = m((source, target_in), training=True)
    assert set(out) == {"hidden"} and tuple(out["hidden"].shape) == (2, 5, 12)
    # The same model as with the full softmax: same trainable weights.
    keras.utils.set_random_seed(0)
    full = Translator(VOCAB_S, VOCAB_T, TranslatorConfig(embedding_dim=8, units=12))
    full((source, target_in))
    assert ([tuple(w.shape) for w in m.trainable_weights]
            == [tuple(w.shape) for w in full.trainable_weights])


def test_sampled_training_lowers_the_full_validation_loss(tmp_path):
    m = sampled_model()
    x, y = copy_task()
    x_valid, y_valid = copy_task(32, seed=1)
    before = m.evaluate(x_valid, y_valid, verbose=0, return_dict=True)
    history = m.fit(x, y, validation_data=(x_valid, y_valid), epochs=40, batch_size=16,
                    verbose=0).history
    # Training reports the sampled loss only; validation is the full softmax.
    assert set(history) == {"loss", "val_loss", "val_token_accuracy"}
    # 10 of 16 words drawn per batch, mostly the low ids (the log-uniform
    # distribution takes them for the frequent ones): this toy task learns
    # more slowly than with the full softmax, but it learns.
    assert history["val_loss"][-1] < 0.7 * before["loss"]
    assert history["val_token_accuracy"][-1] > 0.4 > 4 * before["token_accuracy"]
    np.testing.assert_allclose(history["val_loss"][-1],
                               float(masked_loss(y_valid, m(x_valid))), rtol=1e-4)
    path = tmp_path / "sampled.keras"
    m.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is SampledSoftmaxTranslator and loaded.num_sampled == 10
    np.testing.assert_allclose(loaded(x_valid), m(x_valid), atol=1e-6)


def test_get_config_round_trips():
    m = sampled_model(num_sampled=7, seed=3)
    config = m.get_config()
    assert config["num_sampled"] == 7 and config["config"]["seed"] == 3
    again = SampledSoftmaxTranslator.from_config(config)
    assert again.get_config() == config
    assert keras.saving.get_registered_name(SampledSoftmaxTranslator) == (
        "benchmarks>SampledSoftmaxTranslator")


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "8"])
def test_constructor_rejects_a_bad_sample_count(value):
    with pytest.raises(ValueError, match=r"Argument `num_sampled` must be a positive integer"
                                         rf"\. Received: num_sampled={value!r}"):
        SampledSoftmaxTranslator(VOCAB_S, VOCAB_T, TranslatorConfig(units=4), value)


def test_sample_count_must_be_below_the_vocabulary():
    with pytest.raises(ValueError, match=r"`num_sampled` must be smaller than the "
                                         r"target vocabulary \(16 words\)\. Received: "
                                         r"num_sampled=16"):
        sampled_model(num_sampled=16)


def test_build_translator_picks_the_model_by_sample_count():
    prepared = Prepared(VOCAB_S, VOCAB_T, train=None, valid=None, train_tokens=0)
    config = TranslatorConfig(embedding_dim=4, units=8)
    full, sampled = (build_translator(prepared, config, n) for n in (0, 5))
    assert type(full) is Translator and type(sampled) is SampledSoftmaxTranslator
    assert sampled.num_sampled == 5 and sampled.built and sampled.compiled
    assert ([tuple(w.shape) for w in sampled.weights]
            == [tuple(w.shape) for w in full.weights])


def test_sample_weights_are_refused_in_sampled_training():
    m = sampled_model()
    x, y = copy_task(8)
    with pytest.raises(ValueError, match="`sample_weight` is not supported with a "
                                         "sampled softmax"):
        m.fit(x, y, sample_weight=np.ones(8), epochs=1, verbose=0)


def test_tied_embeddings_train_with_the_target_embedding_matrix_as_output_kernel():
    m = sampled_model(tie_embeddings=True)
    assert not hasattr(m.logits, "kernel")  # the output layer owns only its bias
    x, y = copy_task()
    x_valid, y_valid = copy_task(32, seed=1)
    before = m.evaluate(x_valid, y_valid, verbose=0, return_dict=True)["loss"]
    embeddings = np.array(m.target_embedding.embeddings)
    m.fit(x, y, validation_data=(x_valid, y_valid), epochs=40, batch_size=16, verbose=0)
    after = m.evaluate(x_valid, y_valid, verbose=0, return_dict=True)["loss"]
    assert after < 0.7 * before
    # Rows of E that the decoder never reads as input (ids 14, 15: never in the
    # copy task) still learn: the sampled loss reaches E through its output role.
    assert not np.allclose(np.array(m.target_embedding.embeddings)[14:], embeddings[14:])


def test_label_smoothing_is_refused_with_a_sampled_softmax():
    with pytest.raises(ValueError, match=r"does not implement label smoothing.*"
                                         r"Received: label_smoothing=0\.1"):
        SampledSoftmaxTranslator(VOCAB_S, VOCAB_T, TranslatorConfig(units=4,
                                                                    label_smoothing=0.1), 5)
