"""Strings in, strings out: the whole translation path in TensorFlow ops.

`StringTranslator` wraps a trained `Translator` with the text pipeline:

    text -> normalize (tensorflow-text) -> ids (vocabulary) -> truncate to
    max_length -> encode -> greedy or beam search (`tf_lstm.translation.decode`) -> tokens
    -> detokenize (regular expressions) -> text

Every step is a TensorFlow op, so the same `tf.function`s serve the in-memory
model and the exported SavedModel (`tf_lstm.translation.export`), and their translations
are identical by construction. `translate` (the Python entry point) adds the
argument checks that a graph cannot give clear messages for.

Documented behaviour for awkward input (tested in `tests/test_inference.py`):

- a non-string (or a list holding one) -> `TypeError` naming the index;
- an empty or whitespace-only sentence -> `ValueError` naming the index
  (the SavedModel signature, which cannot raise per item, returns "");
- a sentence longer than `max_length` tokens -> a `UserWarning` and the
  sentence is truncated to its first `max_length` tokens;
- unknown words -> the `[UNK]` id, which the model has learnt to copy or skip.
"""

import warnings

import tensorflow as tf

from tf_lstm import checks
from tf_lstm.translation import decode
from tf_lstm.translation.tokens import END_ID, START_ID
from tf_lstm.translation.vocab import detokenize, make_vectorizer, normalize

# Plain TF ops already: autograph need not (and should not) rewrite it.
_normalize = tf.autograph.experimental.do_not_convert(normalize)

TEXTS = tf.TensorSpec([None], tf.string, name="texts")  # a batch of sentences


class StringTranslator(tf.Module):
    """A `Translator` plus its text pipeline, callable on strings.

    Args:
        model: a trained `tf_lstm.translation.model.Translator`.

    Attributes:
        greedy: a `tf.function` of a string tensor `(batch,)` returning the
            greedy translations `(batch,)` ("" for an empty sentence).
        beam: a `tf.function` `(texts, beam_width, length_penalty)`, the
            same with a beam search (one trace per width and penalty).

    Example:

        translator = StringTranslator(model)
        translator.translate(["He slept."])            # ['Il a dormi.']
        translator.translate(["He slept."], beam_width=4)
    """

    def __init__(self, model):
        super().__init__(name="string_translator")
        self.model = model
        self.max_length = model.config.max_length
        self.source_vectorizer = make_vectorizer(model.source_vocabulary)
        self.target_tokens = tf.constant(model.target_vocabulary)
        self.greedy = tf.function(self._greedy, input_signature=[TEXTS])
        # Beam width and length penalty are Python values: one trace per pair.
        self.beam = tf.function(self._beam)

    def source_ids(self, texts):
        """Normalised, vectorised and truncated source ids.

        Args:
            texts: a string tensor `(batch,)`.

        Returns:
            int64 `(batch, S)`, 0-padded, `S <= max_length`; unknown words
            are `UNK_ID`.
        """
        ids = self.source_vectorizer(_normalize(texts))          # ragged (batch, None)
        return ids[:, :self.max_length].to_tensor(0)             # (batch, S)

    def _to_text(self, tokens, lengths):
        keep = tf.sequence_mask(lengths - 1, tf.shape(tokens)[1])  # drop the [END]
        ends = tf.gather(tokens, tf.maximum(lengths - 1, 0), batch_dims=1)
        keep |= tf.sequence_mask(lengths, tf.shape(tokens)[1]) & (
            tf.not_equal(ends, END_ID)[:, None])                  # never ended: keep all
        words = tf.ragged.boolean_mask(tf.gather(self.target_tokens, tokens), keep)
        return detokenize(tf.strings.reduce_join(words, axis=-1, separator=" "))

    def _greedy(self, texts):
        source = self.source_ids(texts)
        tokens, lengths = decode.greedy_decode(
            self.model.decode_step, self.model.encode(source), START_ID, END_ID,
            2 * self.max_length)
        return self._blank_if_empty(texts, self._to_text(tokens, lengths))

    @staticmethod
    def _blank_if_empty(texts, translations):
        """An empty or whitespace-only sentence translates to "" (documented)."""
        empty = tf.equal(tf.strings.length(tf.strings.strip(texts)), 0)
        return tf.where(empty, tf.constant(""), translations)

    def _beam(self, texts, beam_width, length_penalty):
        source = self.source_ids(texts)
        tokens, lengths, _ = decode.beam_search(
            self.model.decode_step, self.model.encode(source), START_ID, END_ID,
            2 * self.max_length, beam_width=beam_width, length_penalty=length_penalty)
        return self._blank_if_empty(texts, self._to_text(tokens, lengths))

    def translate(self, texts, beam_width=1, length_penalty=0.6, batch_size=256):
        """Translate a list of English sentences; beam_width=1 means greedy.

        Args:
            texts: a list of non-empty English strings (see `check_texts`).
            beam_width: positive int; 1 is greedy decoding.
            length_penalty: the beam search's GNMT length penalty exponent.
            batch_size: positive int, sentences decoded together.

        Returns:
            A list of French strings, one per input.

        Raises:
            TypeError, ValueError: as `check_texts`; ValueError if
                `beam_width` or `batch_size` is not a positive integer.

        Warns:
            UserWarning: for sentences longer than `max_length` tokens,
                which are truncated.
        """
        texts = self.check_texts(texts)
        checks.positive_int("beam_width", beam_width)
        checks.positive_int("batch_size", batch_size)
        results = []
        for start in range(0, len(texts), batch_size):
            batch = tf.constant(texts[start:start + batch_size])
            out = (self.greedy(batch) if beam_width == 1 else
                   self.beam(batch, beam_width, float(length_penalty)))
            results += [t.decode("utf-8") for t in out.numpy()]
        return results

    def check_texts(self, texts):
        """Validate `texts` (see the module docstring); warn about truncation.

        Args:
            texts: a list (or other iterable) of strings.

        Returns:
            `texts` as a list.

        Raises:
            TypeError: if `texts` is one string, or holds a non-string
                (the message gives its index).
            ValueError: if a sentence is empty or whitespace only (its index).

        Warns:
            UserWarning: naming the sentences longer than `max_length` tokens.
        """
        if isinstance(texts, str):
            raise TypeError("Argument `texts` must be a list of strings, not one "
                            f"string. Received: texts={texts!r:.60}")
        texts = list(texts)
        for index, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"Argument `texts` must hold strings; item {index} "
                                f"is {type(text).__name__}: {text!r:.60}")
            if not text.strip():
                raise ValueError(f"Argument `texts` holds an empty or whitespace-only "
                                 f"sentence at index {index}: {text!r}")
        if texts:
            lengths = tf.strings.split(normalize(tf.constant(texts))).row_lengths()
            too_long = [i for i, n in enumerate(lengths.numpy()) if n > self.max_length]
            if too_long:
                warnings.warn(f"{len(too_long)} sentence(s) longer than max_length="
                              f"{self.max_length} tokens are truncated (indices "
                              f"{too_long[:10]})", UserWarning, stacklevel=3)
        return texts

    def attention(self, text):
        """Greedy-translate one sentence and return its attention weights.

        Args:
            text: one English sentence.

        Returns:
            `(source_tokens, target_tokens, weights)`; `weights[t, s]` is how
            much target token t attended to source token s (rows sum to 1).

        Raises:
            TypeError, ValueError: as `check_texts`.
        """
        self.check_texts([text])
        source = self.source_ids(tf.constant([text]))            # (1, S)
        state = self.model.encode(source)
        tokens, lengths = decode.greedy_decode(self.model.decode_step, state,
                                               START_ID, END_ID, 2 * self.max_length)
        target = tokens[0, :int(lengths[0])]                      # (T,), ends with [END]
        target_in = tf.concat([[START_ID], target[:-1]], axis=0)[None]
        _, _, weights = self.model.decode(tf.cast(target_in, source.dtype), state)
        vocab_s, vocab_t = self.model.source_vocabulary, self.model.target_vocabulary
        return ([vocab_s[i] for i in source[0].numpy()],
                [vocab_t[i] for i in target.numpy()], weights[0].numpy())
