"""The seq2seq core by hand, for the encoder–decoder lesson (§1, §4 applied).

Small NumPy versions of what the translator does, so that a lesson can compute
each idea on a toy and compare it with the package:

    luong_attention        Luong "general" attention (Luong et al., 2015), scaled
                           by 1/sqrt(units) as `tf_lstm.translation.model.LuongAttention`
    attention_saturation   what unscaled scores do to the softmax as `units` grows
    brute_force_sentences  every sentence of a toy probability table, ranked
    greedy_path            the arg-max word at every step
    beam_by_hand           a beam search written for reading, kept step by step
    length_penalty         GNMT's lp(L) = ((5 + L) / 6) ** alpha (Wu et al., 2016)
    table_decoder          a toy table as a `step_fn` for `tf_lstm.translation.decode`
    bleu_by_hand           sentence BLEU (Papineni et al., 2002) without smoothing

A toy table maps a prefix (a tuple of words) to the probabilities of the next
token; `END` ends a sentence::

    {(): {"A": 0.5, "B": 0.5}, ("A",): {END: 1.0}, ("B",): {END: 1.0}}
"""

import collections
import math
import numbers

import numpy as np

from tf_lstm import checks
from tf_lstm.translation.decode import check_length_penalty, gnmt_length_penalty

END = "<end>"


def _softmax(scores):
    """Softmax over the last axis of a 2-D array, shifted by each row's maximum."""
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def luong_attention(query, memory, W, scale=True):
    """Luong "general" attention, the computation of `LuongAttention.call`.

    ``score(h_t, s_j) = h_t^T W s_j / sqrt(units)``, ``a_t = softmax(score)``,
    ``c_t = sum_j a_tj s_j``.

    Args:
        query: decoder states `h_t`, float `(target_steps, units)`.
        memory: encoder outputs `s_j`, float `(source_steps, units)`.
        W: float `(units, units)`, the layer's weight.
        scale: divide the scores by sqrt(units) (False: Luong's original score).

    Returns:
        `(scores, weights, context)`: `(target_steps, source_steps)`, the same
        shape with rows summing to 1, and `(target_steps, units)`.

    Raises:
        TypeError: if an array is not floating-point.
        ValueError: on a wrong rank, mismatched `units`, or a non-boolean `scale`.

    Example:

    >>> scores, weights, context = luong_attention(
    ...     np.array([[1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0]]), np.eye(2), scale=False)
    >>> scores.tolist(), weights.round(3).tolist()
    ([[1.0, 0.0]], [[0.731, 0.269]])
    """
    query = checks.float_array("query", query, ndim=2)
    memory = checks.float_array("memory", memory, ndim=2)
    W = checks.float_array("W", W, ndim=2)
    units = query.shape[1]
    if memory.shape[1] != units or W.shape != (units, units):
        raise ValueError(
            "Arguments `query` (target_steps, units), `memory` (source_steps, units) "
            "and `W` (units, units) must agree on `units`. Received: query "
            f"{query.shape}, memory {memory.shape}, W {W.shape}")
    scores = query @ W @ memory.T                                # (target, source)
    if checks.boolean("scale", scale):
        scores = scores / math.sqrt(units)
    weights = _softmax(scores)                                   # (target, source)
    return scores, weights, weights @ memory                    # (target, units)


def attention_saturation(units, source_steps=10, trials=500, scale=True, seed=0):
    """How peaked the attention softmax is for random states of size `units`.

    The states' components are standard normal and `W` is Glorot-uniform (the
    initialiser of `LuongAttention`): then ``h^T W s`` has a standard deviation
    of about sqrt(units). Other state scales shift the curves, not the trend.

    Args:
        units: positive int, the state size.
        source_steps: positive int, the number of source positions.
        trials: positive int, the random (query, memory) pairs averaged over.
        scale: divide the scores by sqrt(units).
        seed: non-negative int for NumPy.

    Returns:
        A dict of means over the trials: "score_std" (standard deviation of a
        row's scores), "max_weight", "entropy" (nats; log(source_steps) is
        uniform, 0 is one-hot) and "jacobian_norm" (Frobenius norm of the
        softmax's Jacobian ``diag(a) - a a^T``: how much gradient reaches the
        scores; 0 when saturated).

    Raises:
        ValueError: if an argument is not a positive (seed: non-negative)
            integer, or `scale` is not a boolean.

    Example:

    >>> wide = attention_saturation(1024, scale=False)
    >>> wide["max_weight"] > 0.9, attention_saturation(1024)["max_weight"] < 0.5
    (True, True)
    """
    units = checks.positive_int("units", units)
    steps = checks.positive_int("source_steps", source_steps)
    trials = checks.positive_int("trials", trials)
    rng = np.random.default_rng(checks.non_negative_int("seed", seed))
    limit = math.sqrt(6.0 / (2 * units))
    W = rng.uniform(-limit, limit, size=(units, units))
    query = rng.standard_normal((trials, units))                 # (trials, units)
    memory = rng.standard_normal((trials, steps, units))         # (trials, steps, units)
    scores = np.einsum("tv,tsv->ts", query @ W, memory)          # (trials, steps)
    if checks.boolean("scale", scale):
        scores = scores / math.sqrt(units)
    a = _softmax(scores)                                         # (trials, steps)
    entropy = -np.sum(a * np.log(np.clip(a, 1e-300, None)), axis=1)
    jacobian = np.einsum("ts,sr->tsr", a, np.eye(steps)) - a[:, :, None] * a[:, None, :]
    return {"score_std": float(np.mean(scores.std(axis=1))),
            "max_weight": float(np.mean(a.max(axis=1))),
            "entropy": float(np.mean(entropy)),
            "jacobian_norm": float(np.mean(np.sqrt(np.sum(jacobian ** 2, axis=(1, 2)))))}


def _checked_table(table):
    """Validate a toy table (see the module docstring) and return it."""
    if not isinstance(table, dict) or () not in table:
        raise ValueError("Argument `table` must be a dict {prefix tuple: {token: probability}} "
                         f"with the empty prefix () as its root. Received: {checks._short(table)}")
    for prefix, row in table.items():
        if (not isinstance(prefix, tuple) or not isinstance(row, dict) or not row
                or any(not isinstance(p, numbers.Real) or p < 0 for p in row.values())
                or abs(sum(row.values()) - 1.0) > 1e-9):
            raise ValueError(
                "Argument `table` must map each prefix tuple to {token: probability} with "
                f"probabilities >= 0 summing to 1. Received: {prefix!r}: {row!r}")
        for token, p in row.items():
            if p > 0 and token != END and prefix + (token,) not in table:
                raise ValueError(
                    f"Argument `table` has no row for the prefix {prefix + (token,)!r}, "
                    f"which {prefix!r} reaches with probability {p}; every sentence "
                    f"must end with {END!r}.")
    return table


def length_penalty(length, alpha):
    """GNMT's length penalty ``lp(L) = ((5 + L) / 6) ** alpha`` (Wu et al., 2016).

    `tf_lstm.translation.decode.gnmt_length_penalty`, the formula `beam_search`
    ranks its final hypotheses with (score = log P / lp(L)), with its
    arguments checked, for one length.

    Args:
        length: positive int, tokens generated, the end token included.
        alpha: non-negative float (decode's `length_penalty`); 0 gives lp = 1.

    Returns:
        A float.

    Raises:
        ValueError: if `length` is not a positive integer or `alpha` not a
            non-negative finite number.

    Example:

    >>> length_penalty(1, 0.6), round(length_penalty(7, 1.0), 3)
    (1.0, 2.0)
    """
    length = checks.positive_int("length", length)
    return gnmt_length_penalty(length, check_length_penalty(alpha))


def brute_force_sentences(table, alpha=0.0):
    """Every sentence of a toy table with its probability, best first.

    Args:
        table: `{prefix tuple: {token: probability}}` (module docstring).
        alpha: the length-penalty exponent; the ranking is by
            ``log P / length_penalty(L, alpha)``; 0 ranks by probability.

    Returns:
        A list of `(sentence, probability, score)`: `sentence` a tuple of
        tokens ending with `END`, best `score` first (ties: table order).

    Raises:
        ValueError: if `table` is malformed or `alpha` negative.

    Example:

    >>> table = {(): {"A": 0.6, "B": 0.4}, ("A",): {END: 1.0}, ("B",): {END: 1.0}}
    >>> [(s, p) for s, p, _ in brute_force_sentences(table)]
    [(('A', '<end>'), 0.6), (('B', '<end>'), 0.4)]
    """
    table = _checked_table(table)
    sentences = []

    def grow(prefix, probability):
        for token, p in table[prefix].items():
            if p > 0 and token == END:
                sentences.append((prefix + (END,), probability * p))
            elif p > 0:
                grow(prefix + (token,), probability * p)

    grow((), 1.0)
    ranked = [(s, p, math.log(p) / length_penalty(len(s), alpha)) for s, p in sentences]
    return sorted(ranked, key=lambda row: -row[2])


def greedy_path(table):
    """The sentence greedy decoding writes: the most probable token at every step.

    Args:
        table: `{prefix tuple: {token: probability}}` (module docstring).

    Returns:
        `(sentence, probability)`; ties go to the token listed first.

    Raises:
        ValueError: if `table` is malformed.

    Example:

    >>> table = {(): {"A": 0.6, "B": 0.4}, ("A",): {END: 1.0}, ("B",): {END: 1.0}}
    >>> greedy_path(table)
    (('A', '<end>'), 0.6)
    """
    table = _checked_table(table)
    prefix, probability = (), 1.0
    while not prefix or prefix[-1] != END:
        token, p = max(table[prefix].items(), key=lambda item: item[1])
        prefix, probability = prefix + (token,), probability * p
    return prefix, probability


def beam_by_hand(table, beam_width, alpha=0.0):
    """A beam search written for reading: keep the `beam_width` best prefixes.

    At each step every live prefix is extended by every token; finished
    sentences keep their probability and compete with the live prefixes; the
    `beam_width` most probable survive (as in `decode.beam_search`). The
    finished survivors are then ranked by ``log P / length_penalty(L, alpha)``.

    Args:
        table: `{prefix tuple: {token: probability}}` (module docstring).
        beam_width: positive int.
        alpha: the length-penalty exponent of the final ranking.

    Returns:
        `(best, steps)`: `best` = `(sentence, probability)`; `steps` a list,
        per step, of the surviving `(prefix, probability)` pairs, best first.

    Raises:
        ValueError: if `table` is malformed, `beam_width` not a positive
            integer or `alpha` negative.

    Example:

    >>> table = {(): {"A": 0.6, "B": 0.4}, ("A",): {END: 1.0}, ("B",): {END: 1.0}}
    >>> beam_by_hand(table, beam_width=2)[0]
    (('A', '<end>'), 0.6)
    """
    table = _checked_table(table)
    width = checks.positive_int("beam_width", beam_width)
    beams, steps = [((), 1.0)], []
    while any(not prefix or prefix[-1] != END for prefix, _ in beams):
        candidates = []
        for prefix, probability in beams:
            if prefix and prefix[-1] == END:
                candidates.append((prefix, probability))       # finished: stays as it is
                continue
            candidates += [(prefix + (token,), probability * p)
                           for token, p in table[prefix].items() if p > 0]
        beams = sorted(candidates, key=lambda c: -c[1])[:width]
        steps.append(beams)
    best = max(beams, key=lambda c: math.log(c[1]) / length_penalty(len(c[0]), alpha))
    return best, steps


def table_decoder(table):
    """A toy table as the decoder `tf_lstm.translation.decode` searches.

    The decoder's state is the id of the prefix written so far; `step_fn`
    returns the log-probabilities of the table's row for that prefix
    (impossible tokens get -1e9, as the translator's banned tokens).

    Args:
        table: `{prefix tuple: {token: probability}}` (module docstring).

    Returns:
        A dict: "step_fn", "initial_state" (int32 `(1,)`), "start_id",
        "end_id", "max_length" (the longest sentence) and "tokens" (id ->
        token: 0 padding, 1 start, 2 `END`, then the words, sorted).

    Raises:
        ValueError: if `table` is malformed.

    Example:

    >>> from tf_lstm.translation import decode
    >>> toy = table_decoder({(): {"A": 0.6, "B": 0.4}, ("A",): {END: 1.0}, ("B",): {END: 1.0}})
    >>> ids, _ = decode.greedy_decode(toy["step_fn"], toy["initial_state"], toy["start_id"],
    ...                               toy["end_id"], toy["max_length"])
    >>> [toy["tokens"][i] for i in ids.numpy()[0]]
    ['A', '<end>']
    """
    import tensorflow as tf

    table = _checked_table(table)
    words = sorted({t for row in table.values() for t in row} - {END})
    tokens = ["<pad>", "<start>", END] + words
    ids = {token: i for i, token in enumerate(tokens)}
    prefixes = list(table)
    node = {prefix: i for i, prefix in enumerate(prefixes)}
    before_root, nowhere = len(prefixes), len(prefixes) + 1  # two extra states
    child = np.full((len(prefixes) + 2, len(tokens)), nowhere, np.int32)
    child[before_root, ids["<start>"]] = node[()]
    logits = np.zeros((len(prefixes) + 2, len(tokens)), np.float32)  # (states, vocab)
    for prefix, row in table.items():
        logits[node[prefix]] = -1e9
        for token, p in row.items():
            if p > 0:
                logits[node[prefix], ids[token]] = math.log(p)
            if p > 0 and token != END:
                child[node[prefix], ids[token]] = node[prefix + (token,)]
    child, logits = tf.constant(child), tf.constant(logits)

    def step_fn(previous, state):
        state = tf.gather_nd(child, tf.stack([state, previous], axis=1))  # (batch,)
        return tf.gather(logits, state), state                  # (batch, vocab)

    return {"step_fn": step_fn, "initial_state": np.array([before_root], np.int32),
            "start_id": ids["<start>"], "end_id": ids[END],
            "max_length": max(len(s) for s, _, _ in brute_force_sentences(table)),
            "tokens": tokens}


def bleu_by_hand(hypothesis, reference, max_order=4):
    """Sentence BLEU as Papineni et al. (2002) define it, without smoothing.

    Tokens are separated by spaces: write punctuation as its own token (as
    sacreBLEU's 13a tokeniser does) to compare with sacreBLEU.

    Args:
        hypothesis, reference: non-empty strings.
        max_order: positive int, the longest n-gram (4 in BLEU).

    Returns:
        A dict: "matches" and "totals" (clipped matching n-grams and
        hypothesis n-grams, per order 1..max_order), "precisions" (percent),
        "brevity_penalty", "hyp_len", "ref_len" and "score" (0-100: the
        brevity penalty times the geometric mean of the precisions; 0 when
        any precision is 0).

    Raises:
        ValueError: if a sentence is not a non-empty string, or `max_order`
            not a positive integer.

    Example:

    >>> result = bleu_by_hand("the cat sat", "the cat sat", max_order=2)
    >>> result["precisions"], result["score"]
    ([100.0, 100.0], 100.0)
    """
    for name, value in (("hypothesis", hypothesis), ("reference", reference)):
        if not isinstance(value, str) or not value.split():
            raise ValueError(f"Argument `{name}` must be a non-empty string. "
                             f"Received: {name}={checks._short(value)}")
    max_order = checks.positive_int("max_order", max_order)
    hyp, ref = hypothesis.split(), reference.split()

    def ngrams(words, n):
        return collections.Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))

    matches, totals = [], []
    for n in range(1, max_order + 1):
        hyp_counts, ref_counts = ngrams(hyp, n), ngrams(ref, n)
        matches.append(sum(min(c, ref_counts[g]) for g, c in hyp_counts.items()))  # clipped
        totals.append(max(len(hyp) - n + 1, 0))
    precisions = [100.0 * m / t if t else 0.0 for m, t in zip(matches, totals)]
    brevity = 1.0 if len(hyp) >= len(ref) else math.exp(1 - len(ref) / len(hyp))
    if min(matches) == 0:
        score = 0.0
    else:
        score = brevity * math.exp(sum(math.log(p / 100) for p in precisions) / max_order) * 100
    return {"matches": matches, "totals": totals, "precisions": precisions,
            "brevity_penalty": brevity, "hyp_len": len(hyp), "ref_len": len(ref),
            "score": score}
