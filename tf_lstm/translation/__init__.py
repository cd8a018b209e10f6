"""The translator: an LSTM encoder–decoder with attention, English -> French.

One stage per module, in the order data flows through them:

    corpus     Anki/TSV parsing, the bundled corpus, download + checksum, English-disjoint splits
    vocab      normalisation (tensorflow-text), vocabularies, ids, detokenisation
               (tokens: the four reserved ids, free of TensorFlow;
               subwords: WordPiece vocabularies, `tokenizer="wordpiece"`)
    pipeline   tf.data batches grouped by length
    config     TranslatorConfig: every hyperparameter, `--set KEY=VALUE` overrides
    model      Translator: encoder, Luong attention, decoder, masked loss and accuracy
               (decoder: the input-feeding loop, attention inside each step)
    training   vocabularies + datasets (`prepare`), `fit` with early stopping,
               checkpoints, resume and TensorBoard (`train`)
    distribute tf.distribute strategies by name (none, mirrored)
    runs       what a run directory records (data by path and hash, config) and
               the checks that keep evaluation and resuming honest
    decode     greedy decoding and beam search, batched, pure TensorFlow
    inference  StringTranslator: strings in, strings out
    evaluate   sacreBLEU BLEU and chrF on a held-out split
    export     .keras files and the strings-in/strings-out SavedModel
    figures    training curves and attention maps

The names below are importable from `tf_lstm.translation` directly, and each
module is an attribute of it (`translation.evaluate.evaluate`); both are
imported on first use (the model and config need no TensorFlow).
"""

import importlib

_EXPORTS = {
    "load_pairs": "corpus", "load_bundled": "corpus", "bundled_corpora": "corpus",
    "download": "corpus", "split_pairs": "corpus",
    "normalize": "vocab", "build_vocabulary": "vocab", "make_vectorizer": "vocab",
    "encode_pairs": "vocab", "detokenize": "vocab",
    "PAD_ID": "tokens", "UNK_ID": "tokens", "START_ID": "tokens", "END_ID": "tokens",
    "RESERVED": "tokens",
    "make_dataset": "pipeline",
    "TranslatorConfig": "config",
    "Translator": "model", "LuongAttention": "model", "MaskedAccuracy": "model",
    "masked_loss": "model", "MaskedLoss": "model", "compile_translator": "model",
    "Prepared": "training", "TimeBudget": "training", "build_translator": "training",
    "prepare": "training",
    "DataSpec": "runs", "load_splits": "runs", "load_config": "runs",
    "train": "training",
    "make_strategy": "distribute",
    "beam_search": "decode", "greedy_decode": "decode",
    "StringTranslator": "inference",
    "Scores": "evaluate", "corpus_scores": "evaluate",
    "export_saved_model": "export", "load_keras": "export", "save_keras": "export",
    "plot_attention": "figures", "plot_training_curves": "figures",
}
_MODULES = ("corpus", "vocab", "tokens", "subwords", "pipeline", "config", "model", "decoder",
            "training",
            "distribute", "runs",
            "decode", "inference", "evaluate", "export", "figures")
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS, *_MODULES])
