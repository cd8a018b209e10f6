"""One device against `MirroredStrategy` on 2 logical CPU devices, printed as JSON.

Run by `tests/test_distribute.py` in a subprocess: logical devices can only be
made before TensorFlow initialises its devices, which the test process has
done long before. Every model here has dropout=0, so a training step is a
function of the weights and the batch alone (with dropout, each replica would
draw its own masks and the two runs could not be compared step for step).

Printed: for each case, the losses and metrics of both runs and the largest
relative difference of the weight updates, `max|d1 - d2| / max|d1|`.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tf_lstm.translation import distribute  # noqa: E402

MIRRORED = distribute.make_strategy("mirrored", devices=2)  # before any TensorFlow op

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tf_lstm.translation import corpus, training  # noqa: E402
from tf_lstm.translation.config import TranslatorConfig  # noqa: E402
from tf_lstm.translation.evaluate import evaluate  # noqa: E402
from tf_lstm.translation.inference import StringTranslator  # noqa: E402
from tf_lstm.translation.model import MaskedAccuracy, masked_loss  # noqa: E402
from tf_lstm.translation.tokens import PAD_ID  # noqa: E402


def local_loss(y_true, logits):
    """The loss before the fix: averaged over this replica's tokens only."""
    mask = tf.cast(y_true != PAD_ID, logits.dtype)
    losses = keras.losses.sparse_categorical_crossentropy(y_true, logits, from_logits=True)
    return tf.reduce_sum(losses * mask) / tf.maximum(tf.reduce_sum(mask), 1.0)


def even_batches(dataset):
    """The dataset's batches of an even number of pairs (each replica gets half)."""
    return [b for b in dataset if int(tf.shape(b[1])[0]) % 2 == 0]


def run(strategy, prepared, config, batch, valid, test, optimizer, loss):
    model = training.build_translator(prepared, config, strategy=strategy)
    if optimizer != "adam" or loss is not masked_loss:  # the package's compile otherwise
        with (strategy or tf.distribute.get_strategy()).scope():
            model.compile(optimizer=keras.optimizers.SGD(0.5) if optimizer == "sgd"
                          else keras.optimizers.Adam(config.learning_rate,
                                                     clipnorm=config.clipnorm),
                          loss=loss, metrics=[MaskedAccuracy()])
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(tf.data.Dataset.from_tensors(batch), epochs=1, verbose=0,
                        shuffle=False)
    after = model.get_weights()
    val = [model.evaluate(tf.data.Dataset.from_tensors(b), verbose=0, return_dict=True)
           for b in valid]
    bleu = evaluate(StringTranslator(model), test)[0].bleu
    return {"loss": history.history["loss"][0],
            "token_accuracy": history.history["token_accuracy"][0],
            "val_loss": [v["loss"] for v in val],
            "val_token_accuracy": [v["token_accuracy"] for v in val],
            "bleu": bleu}, before, after


def main():
    splits = corpus.load_bundled()
    splits = {"train": splits["train"][:200], "valid": splits["valid"][:64],
              "test": splits["test"][:16]}
    config = TranslatorConfig(embedding_dim=16, units=24, dropout=0.0, batch_size=32,
                              max_length=12, epochs=1)
    prepared = training.prepare(splits, config)
    # A batch whose two halves (one per replica) hold different numbers of real
    # tokens: a per-replica average would then differ from the global one.
    for batch in even_batches(prepared.train):
        half = int(tf.shape(batch[1])[0]) // 2
        tokens = [int(tf.reduce_sum(tf.cast(part != PAD_ID, tf.int32)))
                  for part in (batch[1][:half], batch[1][half:])]
        if tokens[0] != tokens[1]:
            break
    valid = even_batches(prepared.valid)
    results = {"replicas": distribute.replicas(MIRRORED), "replica_tokens": tokens,
               "cases": {}}
    for name, optimizer, loss in (("adam", "adam", masked_loss),
                                  ("sgd", "sgd", masked_loss),
                                  ("sgd_local_loss", "sgd", local_loss)):
        one, before, after_one = run(None, prepared, config, batch, valid,
                                     splits["test"], optimizer, loss)
        two, before_two, after_two = run(MIRRORED, prepared, config, batch, valid,
                                         splits["test"], optimizer, loss)
        same_start = max(float(np.max(np.abs(a - b))) for a, b in zip(before, before_two))
        update = max(float(np.max(np.abs(a - b))) for a, b in zip(after_one, before))
        diff = max(float(np.max(np.abs(a - b))) for a, b in zip(after_one, after_two))
        results["cases"][name] = {"one": one, "mirrored": two, "start_difference": same_start,
                                  "update_relative_difference": diff / update}
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
