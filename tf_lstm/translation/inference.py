"""Strings in, strings out: the whole translation path in TensorFlow ops.

`StringTranslator` wraps a trained `Translator` with the text pipeline:

    text -> normalize (tensorflow-text) -> ids (vocabulary) -> truncate to
    max_length -> encode -> greedy or beam search (`tf_lstm.translation.decode`) -> tokens
    -> detokenize (regular expressions) -> text

A token is a word or, for a model trained with
`TranslatorConfig(tokenizer="wordpiece")`, a WordPiece piece
(`tf_lstm.translation.subwords`); the model's config says which, so the
translator (and its SavedModel) builds the right tokenizer from the model alone.

Every step is a TensorFlow op, so the same `tf.function`s serve the in-memory
model and the exported SavedModel (`tf_lstm.translation.export`), and their translations
are identical by construction. `translate` (the Python entry point) adds the
argument checks that a graph cannot give clear messages for.

Documented behaviour for awkward input (tested in `tests/test_inference.py`
and `tests/test_misuse_api.py`; the table is in `docs/misuse.md`):

- `texts` that is not a list of str (one str, bytes, None, a number, a string
  tensor), or a list holding a non-str -> `TypeError` naming the argument,
  the item's index and its type (bytes: "decode it first");
- a str that cannot be encoded as UTF-8 (a lone surrogate) -> `ValueError`
  naming its index;
- an empty or whitespace-only sentence (no token after `normalize`) -> ""
  (line in, line out: the command line prints a blank line for a blank
  input line, and the SavedModel does the same);
- a sentence longer than `max_length` tokens (WordPiece: pieces) -> a
  `UserWarning` and the sentence is truncated to its first `max_length` tokens;
- a word unknown to the source vocabulary is looked up again lower-cased,
  then capitalised (`vocab.ids_with_case_fallback`), so "WHERE DID HE GO?"
  reads as "Where did he go?"; still unknown -> the `[UNK]` id (WordPiece:
  the word is spelt in pieces, `[UNK]` only for a character never seen);
- a sentence where more than half the tokens are `[UNK]` (emoji, Chinese,
  terminal escape codes, words never seen) -> a `UserWarning` naming its
  index and its share of unknown tokens: its translation is a guess;
- decoding never ends at the first step (`min_length=1` in
  `tf_lstm.translation.decode`), so a sentence never translates to "" with
  greedy decoding or any beam width.
"""

import warnings

import numpy as np
import tensorflow as tf

from tf_lstm import checks
from tf_lstm.translation import decode
from tf_lstm.translation.model import never_generated
from tf_lstm.translation.tokens import END, END_ID, PAD_ID, START, START_ID, UNK_ID
from tf_lstm.translation.vocab import (detokenize, ids_with_case_fallback, make_vectorizer,
                                       normalize)

# Plain TF ops already: autograph need not (and should not) rewrite it.
_normalize = tf.autograph.experimental.do_not_convert(normalize)

TEXTS = tf.TensorSpec([None], tf.string, name="texts")  # a batch of sentences
MIN_LENGTH = 1          # tokens before [END] can end a translation, so none is "" (decode.py)
UNKNOWN_SHARE = 0.5     # warn when more than this share of a sentence's tokens is [UNK]


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
        self.tokenizer = model.config.tokenizer
        self.source_vectorizer = make_vectorizer(model.source_vocabulary, self.tokenizer)
        self.target_tokens = tf.constant(model.target_vocabulary)
        self.greedy = tf.function(self._greedy, input_signature=[TEXTS])
        # Beam width and length penalty are Python values: one trace per pair.
        self.beam = tf.function(self._beam)

    def token_ids(self, texts):
        """Normalised and vectorised source ids, not truncated.

        Args:
            texts: a string tensor `(batch,)`.

        Returns:
            A ragged int64 tensor `(batch, None)`, one id per token (or
            piece); unknown words (WordPiece: characters), after the case
            fallback, are `UNK_ID`.
        """
        return ids_with_case_fallback(self.source_vectorizer, _normalize(texts))

    def source_ids(self, texts):
        """Normalised, vectorised and truncated source ids, as the encoder reads them.

        Args:
            texts: a string tensor `(batch,)`.

        Returns:
            int64 `(batch, S)`, 0-padded, `1 <= S <= max_length` (a batch of
            empty sentences gets one padding column); unknown words are `UNK_ID`.
        """
        source = self.token_ids(texts)[:, :self.max_length].to_tensor(0)  # (batch, S)
        return tf.pad(source, [[0, 0], [0, tf.maximum(1 - tf.shape(source)[1], 0)]])

    def _to_text(self, tokens, lengths):
        keep = tf.sequence_mask(lengths - 1, tf.shape(tokens)[1])  # drop the [END]
        ends = tf.gather(tokens, tf.maximum(lengths - 1, 0), batch_dims=1)
        keep |= tf.sequence_mask(lengths, tf.shape(tokens)[1]) & (
            tf.not_equal(ends, END_ID)[:, None])                  # never ended: keep all
        words = tf.ragged.boolean_mask(tf.gather(self.target_tokens, tokens), keep)
        return detokenize(tf.strings.reduce_join(words, axis=-1, separator=" "),
                          self.tokenizer)

    def _greedy(self, texts):
        source = self.source_ids(texts)
        tokens, lengths = decode.greedy_decode(
            self.model.decode_step, self.model.encode(source), START_ID, END_ID,
            2 * self.max_length, min_length=MIN_LENGTH)
        return self._blank_if_empty(source, self._to_text(tokens, lengths))

    @staticmethod
    def _blank_if_empty(source, translations):
        """A sentence with no token (empty or whitespace only) translates to ""."""
        empty = tf.reduce_all(tf.equal(source, 0), axis=1)       # (batch,)
        return tf.where(empty, tf.constant(""), translations)

    def _beam(self, texts, beam_width, length_penalty):
        source = self.source_ids(texts)
        tokens, lengths, _ = decode.beam_search(
            self.model.decode_step, self.model.encode(source), START_ID, END_ID,
            2 * self.max_length, beam_width=beam_width, length_penalty=length_penalty,
            min_length=MIN_LENGTH)
        return self._blank_if_empty(source, self._to_text(tokens, lengths))

    def translate(self, texts, beam_width=1, length_penalty=0.6, batch_size=256):
        """Translate a list of English sentences; beam_width=1 means greedy.

        Args:
            texts: a list of English strings (see `check_texts`); an empty or
                whitespace-only one translates to "".
            beam_width: positive int; 1 is greedy decoding.
            length_penalty: non-negative number, the beam search's GNMT
                length penalty exponent.
            batch_size: positive int, sentences decoded together.

        Returns:
            A list of French strings, one per input.

        Raises:
            TypeError, ValueError: as `check_texts`; ValueError if
                `beam_width` or `batch_size` is not a positive integer, or
                `length_penalty` not a non-negative finite number.

        Warns:
            UserWarning: naming the sentences longer than `max_length` tokens
                (truncated), and those where most tokens are unknown.
        """
        texts = self.check_texts(texts)
        checks.positive_int("beam_width", beam_width)
        length_penalty = decode.check_length_penalty(length_penalty)
        checks.positive_int("batch_size", batch_size)
        if beam_width > 1:  # one trace for any batch size, as `greedy` has
            self.beam.get_concrete_function(TEXTS, beam_width, length_penalty)
        results = []
        for start in range(0, len(texts), batch_size):
            batch = tf.constant(texts[start:start + batch_size])
            out = (self.greedy(batch) if beam_width == 1 else
                   self.beam(batch, beam_width, length_penalty))
            results += [t.decode("utf-8") for t in out.numpy()]
        return results

    def log_probability(self, english, french, length_penalty=0.0, batch_size=128):
        """The model's score of given French translations (teacher-forced).

        The decoder reads each French sentence as the reference during
        training (``[START] w1 ... wn``) and the score adds the log-probability
        of each next token, ``[END]`` included::

            log P(w1 ... wn [END] | english) = sum_t log P(w_t | w_<t, english)

        under the distribution decoding uses (`Translator.decode_step`:
        padding, ``[UNK]`` and ``[START]`` are never generated). Divided by the
        GNMT length penalty ``((5 + L) / 6) ** length_penalty`` (L = n + 1
        tokens), it is the score beam search ranks its finished hypotheses by
        (`tf_lstm.translation.decode.beam_search`); 0 gives the raw
        log-probability. Scoring the reference and the model's own output
        tells a *search error* (the reference scores higher, but the search
        missed it) from a *model error* (the model prefers its own output).
        With WordPiece a text is scored as the tokenizer spells it (longest
        pieces first); a translation the decoder spelt otherwise
        (``hom ##me`` where ``homme`` is a piece) gets that spelling's score,
        not the one beam search gave it.

        Args:
            english: a list of English strings (as `translate` takes them).
            french: a list of as many French strings, the translations to score.
            length_penalty: non-negative number, the GNMT length-penalty exponent.
            batch_size: positive int, sentences scored together (the logits of a
                batch, `(batch, T, vocab)`, are held in memory at once).

        Returns:
            float64 array `(len(english),)`, each <= 0; ``-inf`` for a French
            sentence holding a word the model's French vocabulary lacks
            (WordPiece: a character it lacks), as it can never write that
            sentence. The empty sentence "" gets the finite score of
            ``[END]`` first, although `translate` never returns it
            (``min_length=1``).

        Raises:
            TypeError: if `english` or `french` is not a list of str.
            ValueError: if they differ in length, `length_penalty` is not a
                non-negative finite number, or `batch_size` not a positive integer.

        Example:

            translator.log_probability(["He slept."], ["Il a dormi."])  # array([-0.02])
        """
        english = self.check_texts(english)
        french = _as_list_of_str(french, name="french")
        if len(english) != len(french):
            raise ValueError("Arguments `english` and `french` must have the same length. "
                             f"Received lengths {len(english)} and {len(french)}")
        length_penalty = decode.check_length_penalty(length_penalty)
        checks.positive_int("batch_size", batch_size)
        vectorizer = make_vectorizer(self.model.target_vocabulary, self.tokenizer)
        scores = [self._log_probability(english[i:i + batch_size], french[i:i + batch_size],
                                        vectorizer, length_penalty)
                  for i in range(0, len(english), batch_size)]
        return np.concatenate(scores) if scores else np.zeros(0)

    def _log_probability(self, english, french, vectorizer, length_penalty):
        """`log_probability` of one batch (arguments checked)."""
        source = self.source_ids(tf.constant(english))                # (batch, S)
        framed = [f"{START} {text} {END}" for text in normalize(french)]
        target = vectorizer(tf.constant(framed)).to_tensor(PAD_ID)   # (batch, n + 2)
        target = tf.cast(target, source.dtype)
        target_in, target_out = target[:, :-1], target[:, 1:]         # (batch, T) each
        logits, _, _ = self.model.decode(target_in, self.model.encode(source))  # (batch, T, vocab)
        step_lp = tf.nn.log_softmax(never_generated(tf.cast(logits, tf.float32)))  # as decode_step
        token_lp = tf.gather(step_lp, target_out, batch_dims=2)      # (batch, T)
        token_lp = tf.where(tf.equal(target_out, UNK_ID), float("-inf"), token_lp)
        real = tf.not_equal(target_out, PAD_ID)                       # (batch, T)
        total = tf.reduce_sum(tf.where(real, tf.cast(token_lp, tf.float64), 0.0), axis=1)
        lengths = tf.reduce_sum(tf.cast(real, tf.float64), axis=1)    # (batch,), [END] included
        return (total / decode.gnmt_length_penalty(lengths, length_penalty)).numpy()

    def check_texts(self, texts):
        """Validate `texts` (see the module docstring); warn about what the model cannot read.

        Args:
            texts: a list (or other iterable) of str.

        Returns:
            `texts` as a list.

        Raises:
            TypeError: if `texts` is not an iterable of str (one str, bytes,
                None, a number, a tensor), or holds a non-str (the message
                gives its index and type).
            ValueError: if an item cannot be encoded as UTF-8 (its index).

        Warns:
            UserWarning: naming the sentences longer than `max_length` tokens,
                and those where more than half the tokens are unknown to the
                source vocabulary (with each one's share of unknown tokens).
        """
        texts = _as_list_of_str(texts)
        if texts:
            self._warn_about(self.token_ids(tf.constant(texts)))
        return texts

    def _warn_about(self, ids):
        """Warn about long sentences and sentences made mostly of unknown tokens."""
        lengths = ids.row_lengths().numpy()                       # (batch,)
        unknown = tf.reduce_sum(tf.cast(tf.equal(ids, UNK_ID), tf.int64), axis=1).numpy()
        too_long = [i for i, n in enumerate(lengths) if n > self.max_length]
        if too_long:
            warnings.warn(f"{len(too_long)} sentence(s) longer than max_length="
                          f"{self.max_length} tokens are truncated (indices "
                          f"{too_long[:10]})", UserWarning, stacklevel=4)
        guessed = [(i, u / n) for i, (u, n) in enumerate(zip(unknown, lengths))
                   if n and u / n > UNKNOWN_SHARE]
        if guessed:
            shown = ", ".join(f"{i} ({share:.0%})" for i, share in guessed[:10])
            more = f" and {len(guessed) - 10} more" if len(guessed) > 10 else ""
            warnings.warn(
                f"{len(guessed)} sentence(s) are mostly unknown to the source vocabulary, "
                f"so their translations are guesses; index (share of unknown tokens): "
                f"{shown}{more}", UserWarning, stacklevel=4)

    def attention(self, text):
        """Greedy-translate one sentence and return its attention weights.

        Args:
            text: one English sentence.

        Returns:
            `(source_tokens, target_tokens, weights)`; `weights[t, s]` is how
            much target token t attended to source token s (rows sum to 1).
            With WordPiece the tokens are pieces (``hom``, ``##me``).

        Raises:
            TypeError, ValueError: as `check_texts`; ValueError if `text` is
                empty or whitespace only.
        """
        self.check_texts([text])
        if not normalize(text):
            raise ValueError("Argument `text` must hold at least one word to attend to. "
                             f"Received: text={text!r}")
        source = self.source_ids(tf.constant([text]))            # (1, S)
        state = self.model.encode(source)
        tokens, lengths = decode.greedy_decode(self.model.decode_step, state,
                                               START_ID, END_ID, 2 * self.max_length,
                                               min_length=MIN_LENGTH)  # as `translate`
        target = tokens[0, :int(lengths[0])]                      # (T,), ends with [END]
        target_in = tf.concat([[START_ID], target[:-1]], axis=0)[None]
        _, _, weights = self.model.decode(tf.cast(target_in, source.dtype), state)
        vocab_s, vocab_t = self.model.source_vocabulary, self.model.target_vocabulary
        return ([vocab_s[i] for i in source[0].numpy()],
                [vocab_t[i] for i in target.numpy()], weights[0].numpy())


def _as_list_of_str(texts, name="texts"):
    """`texts` as a list of str, or a TypeError/ValueError a user can act on."""
    expected = f"Argument `{name}` must be a list of str"
    if isinstance(texts, str):
        raise TypeError(f"{expected}, not one str: wrap it in a list ([texts]). "
                        f"Received: {name}={texts!r:.60}")
    if isinstance(texts, (bytes, bytearray)):
        raise TypeError(f"{expected}, not {type(texts).__name__}: decode it first "
                        f"([texts.decode('utf-8')]). Received: {name}={texts!r:.60}")
    if tf.is_tensor(texts):
        raise TypeError(f"{expected}, not a tensor (for a string tensor, call "
                        f"`greedy` or `beam`, or pass [t.decode('utf-8') for t in "
                        f"texts.numpy()]). Received: {name}={checks._short(texts)}")
    if texts is None or isinstance(texts, dict) or not hasattr(texts, "__iter__"):
        raise TypeError(f"{expected}. Received: {name}={texts!r:.60} "
                        f"({type(texts).__name__})")
    texts = list(texts)
    for index, text in enumerate(texts):
        if isinstance(text, str):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as error:
                raise ValueError(
                    f"{expected}; item {index} is not valid Unicode text "
                    f"({error.reason} at character {error.start}): {text!r:.60}") from None
            continue
        kind = type(text).__name__
        if isinstance(text, (bytes, bytearray)):
            hint = ": decode it first (item.decode('utf-8'))"
        elif text is None:
            kind, hint = "None", ""
        else:
            hint = ""
        shown = "" if text is None else f" ({text!r:.60})"
        raise TypeError(f"{expected}; item {index} is {kind}{shown}{hint}")
    return texts
