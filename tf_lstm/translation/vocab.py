"""Text to ids and back for translation (§1 applied): normalisation and vocabularies.

Text flows as: raw string -> `normalize` (Unicode NFKC, punctuation split
off, case kept; TensorFlow Text ops) -> whitespace tokens -> integer ids
(`make_vectorizer`); and back: ids -> tokens -> `detokenize` -> text. Every
step is a TensorFlow op, so the same functions run eagerly, inside `tf.data`
and inside the exported SavedModel.

A token is a whole word (``tokenizer="words"``, the default) or a WordPiece
subword (``tokenizer="wordpiece"``, `tf_lstm.translation.subwords`): the
functions below take the `TranslatorConfig.tokenizer` name and keep one code
path for both.

Every vocabulary reserves the same four ids, so padding is always 0:

    0  ""         padding (never a real token; masked in loss and accuracy)
    1  "[UNK]"    any word not in the vocabulary
    2  "[START]"  first decoder input
    3  "[END]"    last decoder target; decoding stops there
"""

import collections

import keras
import tensorflow as tf
import tensorflow_text as tf_text

from tf_lstm import checks
from tf_lstm.translation import subwords
from tf_lstm.translation.config import TOKENIZERS
from tf_lstm.translation.tokens import (END, END_ID, PAD, PAD_ID, RESERVED, START,  # noqa: F401
                                        START_ID, UNK, UNK_ID)

# French elided words keep their apostrophe and become tokens of their own
_ELISIONS = "c|d|j|l|m|n|s|t|qu|jusqu|lorsqu|puisqu"

def normalize(texts, lowercase=False):
    """Normalize sentences for a word-level vocabulary.

    Steps: Unicode NFKC (which turns the U+202F and U+00A0 no-break spaces of
    French typography into plain spaces), typographic apostrophes to ``'``,
    optional lower-casing, punctuation split off as tokens of its own, French
    elisions split after the apostrophe (``l'homme`` -> ``l' homme``; English
    contractions such as ``don't`` stay whole), whitespace collapsed to single
    spaces. Hyphenated words (``Est-ce``) stay whole.

    Lower-casing policy: the default keeps case and accents, since the
    translator must produce true-cased French; ``lowercase=True`` lower-cases
    every letter (Unicode-aware, ``É`` -> ``é``) and still keeps accents.

    Args:
        texts: a str, a list of str, or a `tf.Tensor` of dtype string.
        lowercase: whether to lower-case.

    Returns:
        The normalized text, of the same kind as `texts`.

    Raises:
        TypeError: if `texts` is none of those kinds.

    Example:

    >>> normalize("Hello, world.", lowercase=True)
    'hello , world .'
    >>> normalize(["Va\\u202f!", "L’homme n'est pas là."])
    ['Va !', "L' homme n' est pas là ."]
    """
    if isinstance(texts, str):
        return normalize([texts], lowercase)[0]
    if isinstance(texts, (list, tuple)):
        for index, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"Argument `texts` must be a str, a list of str or a string "
                                f"tensor. Received: texts[{index}]={text!r:.60}")
        if not texts:
            return []
        return [t.decode("utf-8") for t in normalize(tf.constant(texts), lowercase).numpy().tolist()]
    if not (tf.is_tensor(texts) and texts.dtype == tf.string):
        raise TypeError("Argument `texts` must be a str, a list of str or a string tensor. "
                        f"Received: texts={checks._short(texts)}")
    x = tf_text.normalize_utf8(texts, "NFKC")
    x = tf.strings.regex_replace(x, "[’‘]", "'")
    if lowercase:
        x = tf.strings.lower(x, encoding="utf-8")
    x = tf.strings.regex_replace(x, r"([^\pL\pN\pM\s'\-])", r" \1 ")
    x = tf.strings.regex_replace(x, rf"(?i)(^|[^\pL\pN])({_ELISIONS})'(\pL)", r"\1\2' \3")
    x = tf.strings.regex_replace(x, r"\s+", " ")
    return tf.strings.strip(x)


def build_vocabulary(sentences, max_size=None, min_count=1, tokenizer="words"):
    """The vocabulary of normalised `sentences`, after the reserved four.

    With ``tokenizer="words"``, the most frequent tokens, ties broken
    alphabetically. With ``"wordpiece"``, WordPiece pieces learnt from the
    words' counts (`subwords.learn_vocabulary`): frequent words whole, the
    others spelt in pieces, every character seen kept. Deterministic either way.

    Args:
        sentences: iterable of normalised strings (tokens separated by spaces).
        max_size: optional cap on the vocabulary size, reserved tokens
            included; required with ``"wordpiece"`` (its target size).
        min_count: drop tokens (wordpiece: words) seen fewer times than this.
        tokenizer: "words" or "wordpiece" (`TranslatorConfig.tokenizer`).

    Returns:
        A list of tokens whose index is the token id.

    Raises:
        ValueError: if `max_size` is not above the four reserved tokens, if
            `min_count` is not a positive int, if `tokenizer` is unknown, or if
            `max_size` is None with ``"wordpiece"``.

    Example:

    >>> build_vocabulary(["a b b", "c b a"])
    ['', '[UNK]', '[START]', '[END]', 'b', 'a', 'c']
    >>> pieces = build_vocabulary(["le chat", "les chats", "le chat"], max_size=20,
    ...                           tokenizer="wordpiece")
    >>> pieces[4:11]  # every character, as a first piece
    ['a', 'c', 'e', 'h', 'l', 's', 't']
    >>> pieces[11:]  # and after ##; les = le ##s, chats = chat ##s
    ['##a', '##c', '##e', '##h', '##l', '##s', '##t', 'chat', 'le']
    """
    _check_tokenizer(tokenizer)
    if max_size is not None:
        checks.positive_int("max_size", max_size)
        if max_size <= len(RESERVED):
            raise ValueError(f"Argument `max_size` must exceed {len(RESERVED)} "
                             f"(the reserved tokens). Received: max_size={max_size}")
    elif tokenizer == "wordpiece":
        raise ValueError("Argument `max_size` is required with tokenizer='wordpiece' "
                         "(the size WordPiece learns towards). Received: max_size=None")
    checks.positive_int("min_count", min_count)
    counts = collections.Counter(t for s in sentences for t in s.split())
    for token in RESERVED:
        counts.pop(token, None)
    if tokenizer == "wordpiece":
        return subwords.learn_vocabulary(
            {t: n for t, n in counts.items() if n >= min_count}, max_size)
    ranked = sorted((t for t, n in counts.items() if n >= min_count),
                    key=lambda t: (-counts[t], t))
    vocabulary = list(RESERVED) + ranked
    return vocabulary[:max_size] if max_size else vocabulary


def _check_tokenizer(tokenizer):
    checks.one_of("tokenizer", tokenizer, TOKENIZERS)


def make_vectorizer(vocabulary, tokenizer="words"):
    """The layer mapping normalised text to ids, for a vocabulary of `tokenizer`.

    Splits on whitespace only (text is normalised before). With "words", a
    `keras.layers.TextVectorization` maps each token to its id, an unknown
    one to `UNK_ID`; with "wordpiece", a `subwords.WordpieceVectorizer`
    splits each token into pieces (an unknown character is `UNK_ID`). Either
    way the reserved tokens (``[START] ... [END]``) map to their ids whole.

    Args:
        vocabulary: a token list from `build_vocabulary` (index = id).
        tokenizer: "words" or "wordpiece", the one `vocabulary` was built for.

    Returns:
        A callable: a string tensor `(batch,)` in, a ragged int64 tensor
        `(batch, None)` out, one id per token (or piece).

    Raises:
        ValueError: if `vocabulary` does not start with the reserved tokens,
            or `tokenizer` is unknown.

    Example:

    >>> vectorizer = make_vectorizer(build_vocabulary(["Je mange ."]))
    >>> vectorizer(tf.constant(["Je mange une pomme ."])).to_list()
    [[5, 6, 1, 1, 4]]
    """
    _check_tokenizer(tokenizer)
    if list(vocabulary[:len(RESERVED)]) != list(RESERVED):
        raise ValueError(f"Argument `vocabulary` must start with {list(RESERVED)}. "
                         f"Received: {list(vocabulary[:4])}")
    if tokenizer == "wordpiece":
        return subwords.WordpieceVectorizer(vocabulary)
    return keras.layers.TextVectorization(
        standardize=None, split="whitespace", output_mode="int", ragged=True,
        vocabulary=list(vocabulary[2:]))  # the layer adds "" and "[UNK]" itself


def _capitalise(tokens):
    """Upper-case the first character of each (non-empty) token of a string tensor."""
    first = tf.strings.substr(tokens, 0, 1, unit="UTF8_CHAR")
    rest = tf.strings.substr(tokens, 1, 2**31 - 2, unit="UTF8_CHAR")  # to the end
    return tf.strings.upper(first, encoding="utf-8") + rest


def ids_with_case_fallback(vectorizer, texts):
    """Ids of normalised `texts`; an unknown word is tried lower-cased, then capitalised.

    The vocabulary keeps case, so "WHERE" (all capitals) or "where" (a
    lower-case first word) would be `[UNK]` (or, with WordPiece, spelt in
    capital pieces) though "Where" is known. Each word that is not a
    vocabulary entry of its own is replaced by its lower-cased form
    ("where") if that is one, else by that form with its first letter
    upper-cased ("Where") if that is one; otherwise it stays as it is
    (`[UNK]` with words; spelt in pieces with WordPiece). Known words are
    never changed. All TensorFlow ops, so a SavedModel does the same.

    Args:
        vectorizer: from `make_vectorizer`.
        texts: a string tensor `(batch,)` of normalised sentences.

    Returns:
        A ragged int64 tensor `(batch, None)`, as `vectorizer` gives for the
        texts with those words replaced: one id per whitespace token (one
        per piece with WordPiece), `UNK_ID` for a word unknown in all three
        forms (with WordPiece, for a character never seen).

    Example:

    >>> vectorizer = make_vectorizer(build_vocabulary(["Where did he go ?", "he did"]))
    >>> ids_with_case_fallback(vectorizer, tf.constant(["WHERE DID HE GO ?",
    ...                                                 "Where did he go ?"])).to_list()
    [[7, 4, 5, 8, 6], [7, 4, 5, 8, 6]]
    >>> ids_with_case_fallback(vectorizer, tf.constant(["where ZZZ"])).to_list()
    [[7, 1]]
    """
    tokens = tf.strings.split(texts)                              # ragged (batch, None)
    words = tokens.flat_values                                    # (tokens,)
    lower = tf.strings.lower(words, encoding="utf-8")
    for variant in (lower, _capitalise(lower)):
        replace = ~_is_entry(vectorizer, words) & _is_entry(vectorizer, variant)
        words = tf.where(replace, variant, words)
    return vectorizer(tf.strings.reduce_join(tokens.with_flat_values(words), axis=-1,
                                             separator=" "))     # (batch, None)


def _is_entry(vectorizer, words):
    """Whether each whitespace-free word `(tokens,)` is a vocabulary entry of its own."""
    if isinstance(vectorizer, subwords.WordpieceVectorizer):
        ids = vectorizer.whole_word_ids(words)
    else:  # one id per word
        ids = vectorizer(words).flat_values
    return tf.not_equal(ids, UNK_ID)


def encode_pairs(pairs, source_vectorizer, target_vectorizer, normalize):
    """Normalise and map `(english, french)` pairs to id sequences.

    Args:
        pairs: a list of `(english, french)` strings.
        source_vectorizer, target_vectorizer: from `make_vectorizer`.
        normalize: the normalisation function (usually `normalize`).

    Returns:
        `(source, target)` as `tf.RaggedTensor`s of int64 ids; each target
        sequence is framed as `[START] ... [END]`.
    """
    english = normalize([e for e, _ in pairs])
    french = normalize([f for _, f in pairs])
    source = source_vectorizer(tf.constant(english))
    target = target_vectorizer(tf.constant([f"{START} {f} {END}" for f in french]))
    return source, target


# Detokenisation as regular expressions (the inverse of `normalize`'s
# punctuation split), applied in order.
_DETOKENIZE = (
    (r" ([,.)…])", r"\1"),        # no space before , . ) …
    (r"([(']) ", r"\1"),           # no space after ( and apostrophes (l' eau -> l'eau)
)


def detokenize(texts, tokenizer="words"):
    """Join space-separated French tokens into text (a string tensor op).

    The inverse of `normalize`'s punctuation split for the French the
    translator writes: no space before ``, . ) …``, none after ``(`` and an
    elided word's apostrophe; French spacing before ``? ! :`` is kept. With
    "wordpiece", pieces are first joined into words (`subwords.join_pieces`).

    Args:
        texts: a string tensor of any shape.
        tokenizer: "words" or "wordpiece", what the tokens are.

    Returns:
        A string tensor of the same shape.

    Raises:
        ValueError: if `tokenizer` is unknown.

    Example:

    >>> detokenize(tf.constant(["Je n' aime pas l' eau , moi ."])).numpy()[0].decode()
    "Je n'aime pas l'eau, moi."
    >>> detokenize(tf.constant(["Qu' il ai ##me l' ea ##u ?"]), "wordpiece").numpy()[0].decode()
    "Qu'il aime l'eau ?"
    """
    _check_tokenizer(tokenizer)
    if tokenizer == "wordpiece":
        texts = subwords.join_pieces(texts)
    for pattern, rewrite in _DETOKENIZE:
        texts = tf.strings.regex_replace(texts, pattern, rewrite)
    return texts
