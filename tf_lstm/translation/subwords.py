"""WordPiece subwords, the `TranslatorConfig(tokenizer="wordpiece")` vocabularies.

With whole-word vocabularies (the default, ``tokenizer="words"``) a word the
training split never showed is ``[UNK]``. WordPiece instead keeps the
frequent words whole and spells the others in pieces: the first piece as
such, each following one after the joiner ``##``, e.g. ``homme`` or
``hom ##me``. Every character seen in training is a piece of its own, so
``[UNK]`` only stands for a character never seen.

Text flows as with words (`tf_lstm.translation.vocab`), one step longer at
each end:

    text -> normalize -> whitespace words -> pieces -> ids      (`WordpieceVectorizer`)
    ids -> pieces -> `join_pieces` -> words -> detokenize -> text

The vocabulary is learnt from the normalised words of the training split
with tensorflow-text's WordPiece learner (`learn_vocabulary`); tokenising
and joining are TensorFlow ops, so the exported SavedModel does the same.
The reserved tokens (`tf_lstm.translation.tokens.RESERVED`) come first, as in
every vocabulary, and are whole-word entries: ``[START] ... [END]`` frames
map to their ids.
"""

import re

import tensorflow as tf
import tensorflow_text as tf_text
from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib as learner

from tf_lstm import checks
from tf_lstm.translation.tokens import RESERVED, UNK, UNK_ID

JOINER = "##"  # marks a piece that continues a word: "hom ##me" is "homme"
# A joiner after a space (or at the start: a translation that begins mid-word)
_JOINS = rf"(^| ){re.escape(JOINER)}"


def learn_vocabulary(counts, max_size):
    """A WordPiece vocabulary of at most `max_size` pieces, the reserved tokens first.

    Runs `wordpiece_tokenizer_learner_lib.learn` (tensorflow-text) on the
    word counts: it searches for the piece frequency threshold whose
    vocabulary comes closest to `max_size`, keeping every character seen
    (both as a first piece and after ``##``). Where no threshold fits
    (a small corpus, or one where the next lower threshold keeps too many
    pieces), the rarest learnt pieces are cut to keep `max_size`, the
    single characters kept before them (so a word of known characters can
    always be spelt; only a `max_size` below the reserved tokens plus two
    per character cuts characters). Case is kept (no lower-casing).
    Deterministic: the learner sorts by count, then alphabetically, and the
    counts are given in that order.

    Args:
        counts: a mapping of normalised words (no whitespace, no reserved
            token) to their counts, e.g. a `collections.Counter`.
        max_size: positive int, the vocabulary size, reserved tokens included;
            larger than `len(RESERVED)` (checked by `vocab.build_vocabulary`).

    Returns:
        A list of pieces whose index is the id: `RESERVED`, then the single
        characters, then the learnt pieces, most frequent first.

    Raises:
        ValueError: if `max_size` is not an integer above `len(RESERVED)`.

    Example:

    >>> vocabulary = learn_vocabulary({"homme": 9, "hommes": 3, "femme": 4}, 18)
    >>> vocabulary[:10]
    ['', '[UNK]', '[START]', '[END]', 'e', 'f', 'h', 'm', 'o', 's']
    >>> vocabulary[10:]  # hommes is spelt homme ##s
    ['homme', 'femme', '##e', '##f', '##h', '##m', '##o', '##s']
    """
    checks.positive_int("max_size", max_size)
    if max_size <= len(RESERVED):
        raise ValueError(f"Argument `max_size` must exceed {len(RESERVED)} (the reserved "
                         f"tokens). Received: max_size={max_size}")
    if not counts:
        return list(RESERVED)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    vocabulary = learner.learn(ranked, max_size, list(RESERVED), lower_thresh=1,
                               joiner=JOINER)
    if len(vocabulary) > max_size:  # characters first, then the most frequent pieces
        learnt = vocabulary[len(RESERVED):]
        single = [p for p in learnt if len(p.removeprefix(JOINER)) == 1]
        longer = [p for p in learnt if len(p.removeprefix(JOINER)) > 1]
        vocabulary = (list(RESERVED) + single + longer)[:max_size]
    return vocabulary


class WordpieceVectorizer(tf.Module):
    """Normalised text to WordPiece ids: what `vocab.make_vectorizer` gives for wordpiece.

    Splits on whitespace (the text is normalised before), then splits each
    word into the longest pieces of the vocabulary, left to right
    (`tensorflow_text.WordpieceTokenizer`). A character the vocabulary lacks
    becomes one ``[UNK]`` piece; the rest of its word is still spelt.

    Args:
        vocabulary: a piece list from `learn_vocabulary` (index = id),
            starting with `RESERVED`.

    Call arguments:
        texts: a string tensor `(batch,)` of normalised sentences.

    Returns:
        A ragged int64 tensor `(batch, None)`, one id per piece.

    Raises:
        ValueError: if `vocabulary` does not start with `RESERVED`.

    Example:

    >>> vectorizer = WordpieceVectorizer(["", "[UNK]", "[START]", "[END]", "l'",
    ...                                   "hom", "##me", "homme", "##s"])
    >>> vectorizer(tf.constant(["[START] l' hommes [END]", "homme"])).to_list()
    [[2, 4, 7, 8, 3], [7]]
    """

    def __init__(self, vocabulary):
        super().__init__(name="wordpiece_vectorizer")
        vocabulary = list(vocabulary)
        if vocabulary[:len(RESERVED)] != list(RESERVED):
            raise ValueError(f"Argument `vocabulary` must start with {list(RESERVED)}. "
                             f"Received: {vocabulary[:len(RESERVED)]}")
        self.table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(vocabulary), tf.range(len(vocabulary), dtype=tf.int64)),
            default_value=UNK_ID)
        self.tokenizer = tf_text.WordpieceTokenizer(
            self.table, suffix_indicator=JOINER, unknown_token=UNK,
            token_out_type=tf.int64, split_unknown_characters=True)

    def __call__(self, texts):
        words = tf.strings.split(texts)                           # ragged (batch, words)
        return self.tokenizer.tokenize(words).merge_dims(1, 2)   # ragged (batch, pieces)

    def whole_word_ids(self, words):
        """The id of each word as one vocabulary entry, or `UNK_ID` if it is none.

        Args:
            words: a string tensor `(words,)` of whitespace-free words.

        Returns:
            int64 `(words,)`.
        """
        return self.table.lookup(words)


def join_pieces(texts):
    """Pieces separated by spaces to words: ``"l' hom ##me"`` -> ``"l' homme"``.

    A joined piece at the very start (a translation that begins mid-word)
    loses its ``##`` too.

    Args:
        texts: a string tensor of any shape.

    Returns:
        A string tensor of the same shape.

    Example:

    >>> join_pieces(tf.constant(["##s l' hom ##me ##s ."])).numpy()[0].decode()
    "s l' hommes ."
    """
    return tf.strings.regex_replace(texts, _JOINS, "")
