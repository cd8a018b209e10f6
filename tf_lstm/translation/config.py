"""Every hyperparameter of the translator in one dataclass, `TranslatorConfig`.

Free of TensorFlow (the model imports it on any Keras backend). The command
line's `--set KEY=VALUE` and the benchmarks' overrides both go through
`TranslatorConfig.from_overrides`.
"""

import dataclasses
import numbers

from tf_lstm import checks

GROUPINGS = ("buckets", "sorted")  # how `pipeline.make_dataset` groups pairs by length
TOKENIZERS = ("words", "wordpiece")  # whole words, or WordPiece subwords (`tf_lstm.translation.subwords`)
PRECISIONS = ("float32", "mixed_bfloat16")  # the layers' compute dtype (variables stay float32)
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")

# Named recipes: `TranslatorConfig.from_overrides(preset=...)`, `tf-lstm train --preset`.
PRESETS = {
    # The defaults: the demo's model for the bundled corpus.
    "demo": {},
    # The best recipe measured on real Tatoeba English->French in 30 CPU minutes
    # (benchmarks/README.md; each lever's row: benchmarks/results/tatoeba_ablation.md):
    # WordPiece subwords, 6,000 a side; a bidirectional encoder; tied output
    # embeddings; label smoothing 0.1; the last 2 epochs averaged when that
    # helps; dropout 0.3, a decaying learning rate, length-sorted batches of 64.
    "tatoeba": {"embedding_dim": 256, "units": 256, "dropout": 0.3,
                "tokenizer": "wordpiece", "max_source_vocabulary": 6000,
                "max_target_vocabulary": 6000, "bidirectional": True,
                "tie_embeddings": True, "label_smoothing": 0.1, "average_checkpoints": 2,
                "max_length": 24, "batch_size": 64, "length_grouping": "sorted",
                "learning_rate": 2e-3, "lr_decay": 0.8, "epochs": 40, "patience": 3},
}

# The training time (minutes) a preset's recipe was measured with: `tf-lstm train --preset`
# uses it as its time budget unless `--minutes` is given.
BUDGETS = {"tatoeba": 30.0}


@dataclasses.dataclass
class TranslatorConfig:
    """Every hyperparameter of the translator, with the demo's defaults."""

    embedding_dim: int = 128       # size of the word embeddings, both languages
    units: int = 256               # LSTM units of encoder and decoder (h and c size)
    dropout: float = 0.1           # dropout on embeddings and the attentional layer
    max_source_vocabulary: int = 8000   # English vocabulary cap, reserved ids included
    max_target_vocabulary: int = 8000   # French vocabulary cap, reserved ids included
    max_length: int = 40           # longest sentence (tokens, French [END] included) used; >= 2
    batch_size: int = 64           # sentence pairs per training batch
    length_grouping: str = "buckets"  # "buckets" or "sorted": pipeline.make_dataset
    learning_rate: float = 2e-3    # Adam learning rate of the first epoch
    lr_decay: float = 1.0          # multiply the learning rate by this after each epoch
    clipnorm: float = 1.0          # clip each weight gradient's norm (Keras clipnorm is per tensor)
    epochs: int = 10               # upper bound; early stopping usually ends sooner
    patience: int = 2              # epochs without validation improvement before stopping
    seed: int = 0                  # seeds weights, dropout and shuffling
    # The levers of the Tatoeba recipe (benchmarks/README.md measures each one):
    tokenizer: str = "words"       # "words" or "wordpiece" (vocabulary caps above are its sizes)
    bidirectional: bool = False    # encoder reads both ways, units // 2 each (units must be even)
    input_feeding: bool = False    # decoder input = [embedding; previous attentional vector]
    attention_scale: bool = True   # divide attention scores by sqrt(units)
    tie_embeddings: bool = False   # output layer = target embedding transposed
    label_smoothing: float = 0.0   # share of each target's probability spread over the vocabulary
    warmup_steps: int = 0          # linear learning-rate warm-up over the first updates
    average_checkpoints: int = 1   # average the weights of the last N epochs (1 = no averaging)
    precision: str = "float32"     # "float32" or "mixed_bfloat16"

    @classmethod
    def from_overrides(cls, overrides=(), preset="demo", **values):
        """A config from a preset, then `values`, then `KEY=VALUE` strings (`--set`).

        Each override is converted to its field's type (int, float, str, or
        bool from true/false, 1/0 or yes/no); the keys, types and ranges are
        then checked by the constructor.

        Args:
            overrides: an iterable of strings such as ``"units=128"``.
            preset: a key of `PRESETS`, the starting point.
            **values: field values applied after the preset, before the overrides.

        Returns:
            A `TranslatorConfig`.

        Raises:
            ValueError: on an unknown preset, a string that is not `KEY=VALUE`,
                an unknown key, a value that does not convert, or a value out
                of range; the message names the override.

        Example:

        >>> TranslatorConfig.from_overrides(["units=32", "dropout=0.2"], epochs=3).units
        32
        """
        if preset not in PRESETS:
            raise ValueError(f"Argument `preset` must be one of {sorted(PRESETS)}. "
                             f"Received: preset={preset!r}")
        kinds = {field.name: field.type for field in dataclasses.fields(cls)}
        values = {**PRESETS[preset], **values}
        for item in overrides:
            key, sep, text = str(item).partition("=")
            key = key.strip()
            if not sep or key not in kinds:
                raise ValueError(f"Override {item!r} must be KEY=VALUE with KEY one of "
                                 f"{sorted(kinds)}.")
            kind = kinds[key]
            try:
                values[key] = _convert(kind, text.strip())
            except ValueError:
                raise ValueError(f"Override {item!r}: `{key}` must be "
                                 f"{'an' if kind is int else 'a'} {kind.__name__}"
                             f"{' (true/false, 1/0 or yes/no)' if kind is bool else ''}. "
                                 f"Received: {text!r}") from None
        return cls(**values)

    def __post_init__(self):
        for name in ("embedding_dim", "units", "max_source_vocabulary",
                     "max_target_vocabulary", "max_length", "batch_size",
                     "epochs", "patience", "average_checkpoints"):
            checks.positive_int(name, getattr(self, name))
        for name in ("seed", "warmup_steps"):
            checks.non_negative_int(name, getattr(self, name))
        for name in ("bidirectional", "input_feeding", "attention_scale", "tie_embeddings"):
            checks.boolean(name, getattr(self, name))
        for name, allowed in (("tokenizer", TOKENIZERS), ("precision", PRECISIONS),
                              ("length_grouping", GROUPINGS)):
            checks.one_of(name, getattr(self, name), allowed)
        if self.bidirectional and self.units % 2:
            raise ValueError("Argument `units` must be even with `bidirectional=True` "
                             "(each direction gets units // 2). "
                             f"Received: units={self.units}")
        for name in ("dropout", "label_smoothing"):
            value = getattr(self, name)
            if (isinstance(value, bool) or not isinstance(value, numbers.Real)
                    or not 0.0 <= value < 1.0):
                raise ValueError(f"Argument `{name}` must be a number in [0, 1). "
                                 f"Received: {name}={value!r}")
        if self.max_length < 2:  # the French side is >= 1 token plus [END]: 1 keeps no pair
            raise ValueError("Argument `max_length` must be at least 2 (a French sentence "
                             "counts its [END] token, so 1 keeps no pair). "
                             f"Received: max_length={self.max_length}")
        if not 0.0 < self.lr_decay <= 1.0:
            raise ValueError("Argument `lr_decay` must be in (0, 1]. "
                             f"Received: lr_decay={self.lr_decay!r}")
        for name in ("learning_rate", "clipnorm"):
            if not 0 < getattr(self, name) < float("inf"):
                raise ValueError(f"Argument `{name}` must be positive and finite. "
                                 f"Received: {name}={getattr(self, name)!r}")


def _convert(kind, text):
    """`text` as a `kind` (int, float, str or bool: true/false, 1/0, yes/no)."""
    if kind is bool:
        if text.lower() in _TRUE + _FALSE:
            return text.lower() in _TRUE
        raise ValueError(text)
    return kind(text)
