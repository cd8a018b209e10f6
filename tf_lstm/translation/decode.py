"""Greedy decoding and beam search for any decoder step function, batched.

A translator's decoder turns "the previous token and a state" into scores for
the next token. This module sees nothing else of the model::

    step_fn(tokens, state) -> (logits, new_state)
    # tokens: (batch,) int32, the previous token of each hypothesis
    # state: nested tensors (tuple, dict, ...), batch on the first axis of each
    # logits: (batch, vocab) unnormalised scores for the next token

Greedy decoding keeps one hypothesis per sentence and takes the arg-max token
at every step. It is cheap but short-sighted: a likely first word can lead into
a sentence that is unlikely as a whole.

Beam search keeps the `beam_width` most probable prefixes of each sentence. At
every step each beam is extended by every token (``beam * vocab`` candidates
per sentence), the best `beam_width` survive, and each survivor takes over the
decoder state of the beam it grew from, its *parent*. A beam that has produced
`end_id` is finished: its only continuation is padding at zero cost, so its
score stays fixed while it competes with the live beams. With
``beam_width=1`` beam search is greedy decoding.

Length normalisation. A log-probability is a sum of negative terms, so raw
scores favour short outputs. The final ranking divides by the length penalty
of GNMT (Wu et al., 2016, "Google's Neural Machine Translation System")::

    score(y) = log P(y) / lp(L),    lp(L) = ((5 + L) / 6) ** length_penalty

where L counts the generated tokens, the end token included.
``length_penalty=0`` gives ``lp = 1`` (raw log-probabilities); larger values
favour longer outputs. As in GNMT, the search itself keeps the top beams by raw
log-probability; the penalty only ranks the final hypotheses.

The empty hypothesis and `min_length`. A hypothesis whose first token is
`end_id` is the empty output, with ``log P = log P(end | start)``, one term
only. A weak model spreads its probability over thousands of words, so a
real sentence pays a cost of that order at each of its tokens, and the empty
hypothesis is often the most probable output of all, even after length normalisation
(ranked first by an exact search: Stahlberg & Byrne, 2019, "On NMT Search
Errors and Model Errors: Cat Got Your Tongue?"). Greedy decoding rarely sees
it, since `end_id` is seldom the arg-max first token; a wide beam keeps it
from the first step and returns it. That is a model error found by a better
search, not a search error (the tests check it against brute force). The
rule against it is a minimum length:
``min_length=n`` forbids `end_id` at the first `n` steps (its log-probability
becomes -inf there; the other tokens keep their model log-probabilities, not
renormalised). Both decoders take it; the translator
(`tf_lstm.translation.inference`) uses ``min_length=1``, so a sentence is
never translated to the empty string, by greedy decoding or by any beam.
The default 0 is the unconstrained search.

Beams that cannot be filled (``beam_width`` above the number of hypotheses
with a finite score, e.g. at the first step when ``beam_width > vocab``)
start at -inf: they never win, and never keep the loop running.

Both functions are one `tf.while_loop`, so they run eagerly and inside
`tf.function` (a SavedModel signature, say) with a dynamic batch size, and stop
as soon as every hypothesis has ended.
"""

import math
import numbers

import tensorflow as tf

from tf_lstm import checks
from tf_lstm.translation.tokens import PAD_ID  # after the end token; fed for ended hypotheses



def check_length_penalty(length_penalty):
    """Return `length_penalty` as a float, or raise.

    Args:
        length_penalty: the GNMT length-penalty exponent.

    Returns:
        It, as a Python float.

    Raises:
        ValueError: if it is not a non-negative finite number (bools refused).
    """
    if (isinstance(length_penalty, bool) or not isinstance(length_penalty, numbers.Real)
            or not math.isfinite(length_penalty) or length_penalty < 0):
        raise ValueError(
            "Argument `length_penalty` must be a non-negative finite number. "
            f"Received: length_penalty={checks._short(length_penalty)}")
    return float(length_penalty)


def gnmt_length_penalty(length, alpha):
    """GNMT's length penalty ``lp(L) = ((5 + L) / 6) ** alpha`` (Wu et al., 2016).

    `beam_search` ranks its final hypotheses by ``log P / lp(L)``.

    Args:
        length: L, the tokens generated (end token included): a number, a
            NumPy array or a float tensor.
        alpha: the exponent (`beam_search`'s `length_penalty`), already checked.

    Returns:
        lp(L), of the type of `length`.

    Example:

    >>> gnmt_length_penalty(1, 0.6), round(gnmt_length_penalty(7, 1.0), 3)
    (1.0, 2.0)
    """
    return ((5.0 + length) / 6.0) ** alpha


def _end_allowed(t, min_length, end_id, vocab):
    """`(vocab,)` bool: False at `end_id` while `t < min_length` (see module docstring)."""
    is_end = tf.equal(tf.range(vocab), end_id)                   # (vocab,)
    return ~(is_end & (t < min_length))


def _checked(step_fn, initial_state, start_id, end_id, max_length, min_length):
    """Validate the arguments both decoders share; return them, state as tensors."""
    if not callable(step_fn):
        raise TypeError(
            "Argument `step_fn` must be callable as "
            "`step_fn(tokens, state) -> (logits, new_state)`. "
            f"Received: step_fn={checks._short(step_fn)}")
    state = tf.nest.map_structure(tf.convert_to_tensor, initial_state)
    flat = tf.nest.flatten(state)
    if not flat or any(s.shape.rank == 0 for s in flat):
        raise ValueError(
            "Argument `initial_state` must be a nested structure of tensors, at "
            "least one, each with batch as its first axis. Received: initial_state="
            f"{tf.nest.map_structure(checks._short, initial_state)}")
    max_length = checks.positive_int("max_length", max_length)
    min_length = checks.non_negative_int("min_length", min_length)
    if min_length >= max_length:
        raise ValueError(
            "Argument `min_length` must be smaller than `max_length` (the end "
            "token must be possible at some step). Received: "
            f"min_length={min_length}, max_length={max_length}")
    return (state, checks.non_negative_int("start_id", start_id),
            checks.non_negative_int("end_id", end_id), max_length, min_length)


def greedy_decode(step_fn, initial_state, start_id, end_id, max_length, min_length=0):
    """Decode by taking the most probable token at every step.

    Args:
        step_fn: callable `(tokens, state) -> (logits, new_state)`; `tokens` is
            `(batch,)` int32, `logits` `(batch, vocab)`, and `new_state` has the
            structure, dtypes and shapes of `state`.
        initial_state: nested structure of tensors, each `(batch, ...)`.
        start_id: non-negative int, the token fed at the first step.
        end_id: non-negative int, the token that ends a sentence.
        max_length: positive int, the most tokens generated per sentence.
        min_length: non-negative int below `max_length`: `end_id` cannot be
            generated at the first `min_length` steps (1: never an empty
            output; see the module docstring).

    Returns:
        `(tokens, lengths)`: `tokens` int32 `(batch, max_length)`, the generated
        ids after the start token, the end token included, then `PAD_ID` (0);
        `lengths` int32 `(batch,)`, the tokens generated, the end token
        included (`max_length` for a sentence that never ended).

    Raises:
        TypeError: if `step_fn` is not callable.
        ValueError: if `initial_state` holds no tensor or a scalar, an id
            or `min_length` is not a non-negative integer, `max_length` not a
            positive one, or `min_length >= max_length`.

    Example:

    >>> table = tf.one_hot([3, 3, 2, 2], 4)  # start 1 -> 3 -> end 2
    >>> step_fn = lambda tokens, state: (tf.gather(table, tokens), state)
    >>> tokens, lengths = greedy_decode(step_fn, tf.zeros((2, 1)), start_id=1,
    ...                                 end_id=2, max_length=4)
    >>> tokens.numpy().tolist(), lengths.numpy().tolist()
    ([[3, 2, 0, 0], [3, 2, 0, 0]], [2, 2])
    """
    state, start_id, end_id, max_length, min_length = _checked(
        step_fn, initial_state, start_id, end_id, max_length, min_length)
    batch = tf.shape(tf.nest.flatten(state)[0])[0]
    positions = tf.range(max_length)                              # (max_length,)

    def step(t, tokens, state, finished, lengths, outputs):
        logits, state = step_fn(tokens, state)                    # (batch, vocab)
        allowed = _end_allowed(t, min_length, end_id, tf.shape(logits)[-1])  # (vocab,)
        logits = tf.where(allowed, logits, tf.cast(float("-inf"), logits.dtype))
        best = tf.argmax(logits, axis=-1, output_type=tf.int32)   # (batch,)
        best = tf.where(finished, PAD_ID, best)
        lengths = tf.where(finished, lengths, t + 1)
        finished = finished | tf.equal(best, end_id)
        outputs = tf.where(tf.equal(positions, t), best[:, None], outputs)
        return t + 1, best, state, finished, lengths, outputs

    loop_vars = (
        tf.constant(0),
        tf.fill([batch], tf.constant(start_id, tf.int32)),        # (batch,)
        state,
        tf.zeros([batch], tf.bool),                               # (batch,)
        tf.zeros([batch], tf.int32),                              # (batch,)
        tf.zeros([batch, max_length], tf.int32),                  # (batch, max_length)
    )
    *_, lengths, tokens = tf.while_loop(
        lambda t, tokens, state, finished, *_: ~tf.reduce_all(finished),
        step, loop_vars, maximum_iterations=max_length)
    return tokens, lengths


def beam_search(step_fn, initial_state, start_id, end_id, max_length,
                beam_width=4, length_penalty=0.6, min_length=0):
    """Decode with a beam search; return the best hypothesis of each sentence.

    Args:
        step_fn: callable `(tokens, state) -> (logits, new_state)`; `tokens` is
            `(batch * beam_width,)` int32, `logits` `(batch * beam_width,
            vocab)`, and `new_state` has the structure, dtypes and shapes of
            `state`. Every state tensor is tiled and gathered along axis 0,
            so it must have batch first, even if constant (encoder outputs).
        initial_state: nested structure of tensors, each `(batch, ...)`.
        start_id: non-negative int, the token fed at the first step.
        end_id: non-negative int, the token that ends a sentence.
        max_length: positive int, the most tokens generated per sentence.
        beam_width: positive int, the hypotheses kept per sentence.
        length_penalty: non-negative float, the exponent of the GNMT length
            penalty used to rank the final hypotheses (see the module
            docstring); 0 ranks by raw log-probability.
        min_length: non-negative int below `max_length`: `end_id` cannot be
            generated at the first `min_length` steps (1: never an empty
            output; see the module docstring).

    Returns:
        `(tokens, lengths, scores)` of the best hypothesis per sentence:
        `tokens` int32 `(batch, max_length)`, padded with `PAD_ID` (0) after the
        end token; `lengths` int32 `(batch,)`, the end token included;
        `scores` float32 `(batch,)`, `log P(tokens) / lp(lengths)`.

    Raises:
        TypeError, ValueError: as `greedy_decode`, and a ValueError if
            `beam_width` is not a positive integer or `length_penalty` not a
            non-negative finite number.

    Example: P(A) = 0.6 but P(A, end) = 0.6 * 0.5, while P(B, end) = 0.4 * 0.9,
    so greedy decoding says "A" and a beam of 2 finds "B" (ids: start 1, end
    2, A 3, B 4).

    >>> probs = tf.constant([[0.0] * 5,                # row = the previous token
    ...                      [0, 0, 0, 0.6, 0.4],      # after start
    ...                      [0.0] * 5,
    ...                      [0, 0, 0.5, 0.5, 0],      # after A
    ...                      [0, 0, 0.9, 0.1, 0]])     # after B
    >>> step_fn = lambda tokens, state: (tf.math.log(tf.gather(probs, tokens) + 1e-9), state)
    >>> greedy_decode(step_fn, tf.zeros((1, 1)), 1, 2, max_length=3)[0].numpy().tolist()
    [[3, 2, 0]]
    >>> tokens, lengths, scores = beam_search(step_fn, tf.zeros((1, 1)), 1, 2, max_length=3,
    ...                                       beam_width=2, length_penalty=0.0)
    >>> tokens.numpy().tolist(), round(float(tf.exp(scores[0])), 2)
    ([[4, 2, 0]], 0.36)
    """
    state, start_id, end_id, max_length, min_length = _checked(
        step_fn, initial_state, start_id, end_id, max_length, min_length)
    beam = checks.positive_int("beam_width", beam_width)
    length_penalty = check_length_penalty(length_penalty)
    batch = tf.shape(tf.nest.flatten(state)[0])[0]
    state = tf.nest.map_structure(
        lambda s: tf.repeat(s, beam, axis=0), state)              # (batch * beam, ...)
    offsets = tf.range(batch)[:, None] * beam                     # (batch, 1)
    positions = tf.range(max_length)                              # (max_length,)
    neg_inf = float("-inf")

    def step(t, tokens, state, log_probs, finished, lengths, history):
        logits, state = step_fn(tokens, state)                    # (batch * beam, vocab)
        vocab = tf.shape(logits)[-1]
        step_lp = tf.nn.log_softmax(tf.cast(logits, tf.float32))  # (batch * beam, vocab)
        step_lp = tf.where(_end_allowed(t, min_length, end_id, vocab), step_lp, neg_inf)
        step_lp = tf.reshape(step_lp, [batch, beam, vocab])       # (batch, beam, vocab)
        # A finished beam has one continuation, at zero cost: its score stays.
        only_end = tf.one_hot(end_id, vocab, on_value=0.0, off_value=neg_inf)  # (vocab,)
        step_lp = tf.where(finished[..., None], only_end, step_lp)
        total = log_probs[..., None] + step_lp                    # (batch, beam, vocab)
        log_probs, flat = tf.math.top_k(
            tf.reshape(total, [batch, beam * vocab]), k=beam)     # (batch, beam)
        parent, token = flat // vocab, flat % vocab               # (batch, beam)
        was_finished = tf.gather(finished, parent, batch_dims=1)  # (batch, beam)
        token = tf.where(was_finished, PAD_ID, token)
        lengths = tf.where(was_finished, tf.gather(lengths, parent, batch_dims=1), t + 1)
        finished = was_finished | tf.equal(token, end_id)
        history = tf.gather(history, parent, batch_dims=1)        # (batch, beam, max_length)
        history = tf.where(tf.equal(positions, t), token[..., None], history)
        rows = tf.reshape(parent + offsets, [-1])                 # (batch * beam,)
        state = tf.nest.map_structure(lambda s: tf.gather(s, rows), state)
        tokens = tf.reshape(token, [-1])                          # (batch * beam,)
        return t + 1, tokens, state, log_probs, finished, lengths, history

    def alive(t, tokens, state, log_probs, finished, *_):
        # Beams at -inf (filler when beam > vocab at the first steps) never count.
        return tf.reduce_any(~finished & (log_probs > neg_inf))

    only_first = tf.one_hot(0, beam, on_value=0.0, off_value=neg_inf)  # (beam,)
    loop_vars = (
        tf.constant(0),
        tf.fill([batch * beam], tf.constant(start_id, tf.int32)),  # (batch * beam,)
        state,
        tf.tile(only_first[None, :], [batch, 1]),                 # (batch, beam)
        tf.zeros([batch, beam], tf.bool),                         # (batch, beam)
        tf.zeros([batch, beam], tf.int32),                        # (batch, beam)
        tf.zeros([batch, beam, max_length], tf.int32),            # (batch, beam, max_length)
    )
    *_, log_probs, _, lengths, history = tf.while_loop(
        alive, step, loop_vars, maximum_iterations=max_length)
    penalty = gnmt_length_penalty(tf.cast(lengths, tf.float32), length_penalty)  # (batch, beam)
    scores = log_probs / penalty                                  # (batch, beam)
    best = tf.argmax(scores, axis=-1, output_type=tf.int32)       # (batch,)
    return (tf.gather(history, best, batch_dims=1),               # (batch, max_length)
            tf.gather(lengths, best, batch_dims=1),               # (batch,)
            tf.gather(scores, best, batch_dims=1))                # (batch,)
