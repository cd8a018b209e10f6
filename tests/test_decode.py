"""Greedy decoding and beam search on toy decoders, checked against brute force.

The toy decoders are Markov chains over a tiny vocabulary (`logits =
table[tokens]`) and a second-order chain whose state carries the token before
the previous one, so that a beam reading the wrong parent's state scores wrong.
"""

import itertools

import numpy as np
import pytest
import tensorflow as tf

from tf_lstm.translation.decode import beam_search, greedy_decode

PAD, START, END = 0, 1, 2  # the other ids are words


def log_softmax(x):
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def lp(length, alpha):
    """The GNMT length penalty, written out independently of the module."""
    return ((5.0 + length) / 6.0) ** alpha


def table_from_probs(vocab, probs, floor=1e-4):
    """Logits whose softmax is (about) `probs[prev][next]`, `floor` elsewhere."""
    table = np.full((vocab, vocab), np.log(floor))
    for prev, row in probs.items():
        for nxt, p in row.items():
            table[prev, nxt] = np.log(p)
    return table


def markov_step(table):
    """A first-order decoder: the next-token logits depend on the last token only."""
    table = tf.constant(table, tf.float32)
    return lambda tokens, state: (tf.gather(table, tokens), state)


def markov_next(table):
    """NumPy twin of `markov_step`: log P(next | generated prefix)."""
    table = log_softmax(np.asarray(table, np.float64))
    return lambda prefix: table[((START,) + prefix)[-1]]


def second_order(rng, vocab=5, batch=3):
    """A decoder whose logits depend on its state, with per-sentence state.

    Logits are `table[before, tokens] + bias`: `before` (the token preceding
    `tokens`) lives in the state and must follow the parent beam; `bias`,
    different for every sentence, never changes and must stay with its own
    sentence; `memory`, a rank-3 stand-in for encoder outputs, must keep its shape.
    """
    table = rng.normal(scale=2.0, size=(vocab, vocab, vocab))
    bias = rng.normal(scale=1.0, size=(batch, vocab))
    table_t = tf.constant(table, tf.float32)

    def step_fn(tokens, state):
        logits = tf.gather_nd(table_t, tf.stack([state["before"], tokens], -1))
        logits += state["bias"] + 0.0 * tf.reduce_sum(state["memory"], [1, 2])[:, None]
        return logits, dict(state, before=tokens)                # (batch, vocab)

    state = {"before": tf.fill([batch], START),
             "bias": tf.constant(bias, tf.float32),
             "memory": tf.ones([batch, 4, 2])}                   # (batch, src_len, units)

    def next_for(b):
        def next_lp(prefix):
            before, last = ((START, START) + prefix)[-2:]
            return log_softmax(table[before, last] + bias[b])
        return next_lp

    return step_fn, state, [next_for(b) for b in range(batch)]


def sequence_log_prob(next_lp, seq):
    return sum(next_lp(seq[:i])[tok] for i, tok in enumerate(seq))


def brute_force(next_lp, vocab, max_length, alpha, min_length=0):
    """The best (tokens, score) over every hypothesis: ended, or max_length long.

    With `min_length`, hypotheses holding END among their first `min_length`
    tokens are excluded.
    """
    best = None
    for length in range(1, max_length + 1):
        for seq in itertools.product(range(vocab), repeat=length):
            if END in seq[:-1] or (seq[-1] != END and length < max_length):
                continue
            if END in seq[:min_length]:
                continue
            score = sequence_log_prob(next_lp, seq) / lp(length, alpha)
            if best is None or score > best[1]:
                best = (seq, score)
    return best


def reference_beam(next_lp, vocab, max_length, beam_width, alpha):
    """Beam search for one sentence, in plain Python lists."""
    beams = [((), 0.0, False)]
    for _ in range(max_length):
        if all(done for *_, done in beams):
            break
        candidates = []
        for seq, score, done in beams:
            if done:
                candidates.append((seq, score, True))
                continue
            step_lp = next_lp(seq)
            candidates += [(seq + (tok,), score + step_lp[tok], tok == END)
                           for tok in range(vocab)]
        beams = sorted(candidates, key=lambda c: -c[1])[:beam_width]
    seq, score, _ = max(beams, key=lambda c: c[1] / lp(len(c[0]), alpha))
    return seq, score / lp(len(seq), alpha)


def padded(seq, max_length):
    return list(seq) + [PAD] * (max_length - len(seq))


def counting_step(calls):
    """Emits 3, 4, 3, ... and END at step `stop_at` of each sentence (state).

    Every other token has logit -inf, so a beam search keeps one live beam.
    """
    def step_fn(tokens, state):
        calls.append(1)
        step = state["step"] + 1
        token = tf.where(step >= state["stop_at"], END, 3 + step % 2)
        logits = tf.where(tf.one_hot(token, 5) > 0, 0.0, float("-inf"))  # (batch, vocab)
        return logits, dict(state, step=step)
    return step_fn


def test_greedy_follows_argmax_and_pads_after_end():
    calls = []
    state = {"step": tf.zeros([3], tf.int32), "stop_at": tf.constant([1, 3, 6])}
    tokens, lengths = greedy_decode(counting_step(calls), state, START, END, max_length=5)
    assert tokens.dtype == tf.int32 and lengths.dtype == tf.int32
    np.testing.assert_array_equal(tokens, [[2, 0, 0, 0, 0],
                                           [4, 3, 2, 0, 0],
                                           [4, 3, 4, 3, 4]])  # never ended
    np.testing.assert_array_equal(lengths, [1, 3, 5])
    assert len(calls) == 5


def test_greedy_stops_when_every_sentence_has_ended():
    calls = []
    state = {"step": tf.zeros([2], tf.int32), "stop_at": tf.constant([1, 2])}
    tokens, lengths = greedy_decode(counting_step(calls), state, START, END, max_length=10)
    assert len(calls) == 2
    np.testing.assert_array_equal(tokens, [padded([2], 10), padded([4, 2], 10)])
    np.testing.assert_array_equal(lengths, [1, 2])


@pytest.mark.parametrize("beam_width", [1, 3, 8])
def test_beam_stops_when_every_beam_has_ended(beam_width):
    # With 8 > vocab beams, filler beams at -inf must not keep the loop going.
    calls = []
    state = {"step": tf.zeros([2], tf.int32), "stop_at": tf.constant([2, 3])}
    tokens, lengths, scores = beam_search(counting_step(calls), state, START, END,
                                          max_length=10, beam_width=beam_width)
    assert len(calls) == 3
    np.testing.assert_array_equal(tokens, [padded([4, 2], 10), padded([4, 3, 2], 10)])
    np.testing.assert_array_equal(lengths, [2, 3])
    np.testing.assert_array_equal(scores, [0.0, 0.0])  # log 1 = 0


def test_greedy_matches_numpy_argmax_chain():
    rng = np.random.default_rng(1)
    table = rng.normal(size=(6, 6))
    tokens, lengths = greedy_decode(markov_step(table), tf.zeros([2, 1]), START, END, 8)
    expected, token = [], START
    for _ in range(8):
        token = int(np.argmax(table[token]))
        expected.append(token)
        if token == END:
            break
    np.testing.assert_array_equal(tokens, [padded(expected, 8)] * 2)
    np.testing.assert_array_equal(lengths, [len(expected)] * 2)


# START -> A 0.6 | B 0.4;  A -> anything about 1/3;  B -> END 0.9.
# Greedy takes A, then ends with P = 0.6 * 0.35 = 0.21; "B END" has P = 0.36.
A, B = 3, 4
MYOPIC = table_from_probs(5, {START: {A: 0.6, B: 0.4},
                              A: {END: 0.35, A: 0.33, B: 0.32},
                              B: {END: 0.9, A: 0.1}})


def test_beam_finds_the_sequence_greedy_misses():
    state = tf.zeros([1, 1])
    tokens, lengths = greedy_decode(markov_step(MYOPIC), state, START, END, 4)
    np.testing.assert_array_equal(tokens, [[A, END, 0, 0]])
    tokens, lengths, scores = beam_search(markov_step(MYOPIC), state, START, END, 4,
                                          beam_width=2, length_penalty=0.0)
    best, best_score = brute_force(markov_next(MYOPIC), 5, 4, alpha=0.0)
    assert best == (B, END)
    np.testing.assert_array_equal(tokens, [padded(best, 4)])
    np.testing.assert_array_equal(lengths, [2])
    np.testing.assert_allclose(scores, [best_score], rtol=1e-5)
    np.testing.assert_allclose(scores, [np.log(0.36)], atol=2e-3)


@pytest.mark.parametrize("min_length", [0, 1, 2])
@pytest.mark.parametrize("alpha", [0.0, 0.6, 2.0])
def test_exhaustive_beam_equals_brute_force(alpha, min_length):
    # beam_width = vocab ** max_length keeps every hypothesis: the search is exact.
    vocab, max_length = 4, 4
    table = np.random.default_rng(2).normal(scale=1.5, size=(vocab, vocab))
    tokens, lengths, scores = beam_search(
        markov_step(table), tf.zeros([2, 1]), START, END, max_length,
        beam_width=vocab ** max_length, length_penalty=alpha, min_length=min_length)
    best, best_score = brute_force(markov_next(table), vocab, max_length, alpha,
                                   min_length)
    assert END not in best[:min_length]
    np.testing.assert_array_equal(tokens, [padded(best, max_length)] * 2)
    np.testing.assert_array_equal(lengths, [len(best)] * 2)
    np.testing.assert_allclose(scores, [best_score] * 2, rtol=1e-5)


@pytest.mark.parametrize("beam_width", [2, 3, 7])
def test_state_follows_the_parent_beam(beam_width):
    # Pruning happens (7 < 5 ** 5), so only the same algorithm in plain Python,
    # reading each hypothesis's own history, gives the same answer.
    rng = np.random.default_rng(3)
    step_fn, state, next_lps = second_order(rng)
    tokens, lengths, scores = beam_search(step_fn, state, START, END, 5,
                                          beam_width=beam_width, length_penalty=0.6)
    for b, next_lp in enumerate(next_lps):
        seq, score = reference_beam(next_lp, 5, 5, beam_width, alpha=0.6)
        np.testing.assert_array_equal(tokens[b], padded(seq, 5))
        assert lengths[b] == len(seq)
        np.testing.assert_allclose(scores[b], score, rtol=1e-5)
    # The sentences differ, so a tiling that mixed them up would show.
    assert len({tuple(row) for row in tokens.numpy().tolist()}) > 1


def test_beam_width_one_is_greedy():
    step_fn, state, _ = second_order(np.random.default_rng(4), batch=4)
    greedy_tokens, greedy_lengths = greedy_decode(step_fn, state, START, END, 6)
    tokens, lengths, _ = beam_search(step_fn, state, START, END, 6, beam_width=1)
    np.testing.assert_array_equal(tokens, greedy_tokens)
    np.testing.assert_array_equal(lengths, greedy_lengths)


def test_length_penalty_changes_the_winner():
    # "A END": P = 0.55 * 0.9 = 0.495; "B C END": P = 0.45 * 0.95 * 0.95 = 0.406.
    C = 5
    table = table_from_probs(6, {START: {A: 0.55, B: 0.45}, A: {END: 0.9, A: 0.1},
                                 B: {C: 0.95, A: 0.05}, C: {END: 0.95, A: 0.05}})
    for alpha, winner in [(0.0, (A, END)), (2.0, (B, C, END))]:
        tokens, lengths, scores = beam_search(markov_step(table), tf.zeros([1, 1]), START,
                                              END, 5, beam_width=3, length_penalty=alpha)
        best, best_score = brute_force(markov_next(table), 6, 5, alpha)
        assert best == winner
        np.testing.assert_array_equal(tokens, [padded(winner, 5)])
        np.testing.assert_array_equal(lengths, [len(winner)])
        np.testing.assert_allclose(scores, [best_score], rtol=1e-5)


def test_tf_function_with_dynamic_batch_matches_eager():
    step_fn, _, _ = second_order(np.random.default_rng(5), batch=3)
    spec = {"before": tf.TensorSpec([None], tf.int32),
            "bias": tf.TensorSpec([None, 5], tf.float32),
            "memory": tf.TensorSpec([None, 4, 2], tf.float32)}

    @tf.function(input_signature=[spec])
    def decode_both(state):
        greedy = greedy_decode(step_fn, state, START, END, 6)
        return greedy + beam_search(step_fn, state, START, END, 6, beam_width=3)

    rng = np.random.default_rng(6)
    for batch in (3, 1):
        state = {"before": tf.fill([batch], START),
                 "bias": tf.constant(rng.normal(size=(batch, 5)), tf.float32),
                 "memory": tf.ones([batch, 4, 2])}
        graph = decode_both(state)
        eager = greedy_decode(step_fn, state, START, END, 6) + beam_search(
            step_fn, state, START, END, 6, beam_width=3)
        assert [tuple(x.shape) for x in graph] == [
            (batch, 6), (batch,), (batch, 6), (batch,), (batch,)]
        for g, e in zip(graph, eager):
            np.testing.assert_allclose(g, e, rtol=1e-6)
    assert decode_both.experimental_get_tracing_count() == 1
    outputs = decode_both.get_concrete_function().structured_outputs
    assert outputs[0].shape.as_list() == [None, 6]


# A weak decoder: after START, END has P = 0.09 and each of the 7 words 0.13, so
# greedy starts with a word; after a word, END has P = 0.3 and the rest is
# spread. The empty output "END" (log 0.09 = -2.41) is more probable than any
# sentence ("w END": log(0.13 * 0.3) / lp(2) = -2.96 at alpha 0.6): an exact
# search returns it. This is the `--beam 1000` report of issue 16: a wide beam
# returned "" where greedy returned text.
WORDS = range(3, 10)
WEAK = table_from_probs(10, {START: {END: 0.09, **{w: 0.13 for w in WORDS}},
                             **{w: {END: 0.3, **{v: 0.1 for v in WORDS}} for w in WORDS}})


@pytest.mark.parametrize("beam_width", [8, 10, 1000])
def test_wide_beam_on_a_weak_model_finds_the_empty_output(beam_width):
    # Without a minimum length the search is right to return it: it is the best
    # hypothesis (brute force agrees), a model error rather than a search error.
    # A beam of 8 or more keeps END at the first step (7 words + END); a beam of
    # 2 prunes it there and ends with a sentence, as greedy does.
    state = tf.zeros([2, 1])
    tokens, lengths = greedy_decode(markov_step(WEAK), state, START, END, 4)
    assert lengths.numpy().tolist() == [2, 2] and tokens[0, 0] != END  # a sentence
    _, narrow, _ = beam_search(markov_step(WEAK), state, START, END, 4, beam_width=2)
    assert narrow.numpy().tolist() == [2, 2]
    tokens, lengths, scores = beam_search(markov_step(WEAK), state, START, END, 4,
                                          beam_width=beam_width, length_penalty=0.6)
    best, best_score = brute_force(markov_next(WEAK), 10, 4, alpha=0.6)
    assert best == (END,)
    np.testing.assert_array_equal(tokens, [padded(best, 4)] * 2)
    np.testing.assert_allclose(scores, [best_score] * 2, rtol=1e-5)


@pytest.mark.parametrize("beam_width", [1, 2, 10, 1000])
def test_min_length_one_never_returns_the_empty_output(beam_width):
    # Regression (issue 16): with min_length=1, as the translator decodes,
    # no beam width returns END first; the answer is the best real sentence.
    state = tf.zeros([2, 1])
    tokens, lengths, scores = beam_search(markov_step(WEAK), state, START, END, 4,
                                          beam_width=beam_width, length_penalty=0.6,
                                          min_length=1)
    assert np.all(tokens[:, 0] != END) and np.all(lengths >= 2)
    if beam_width > 1:  # wide enough to be exact on this chain
        best, best_score = brute_force(markov_next(WEAK), 10, 4, alpha=0.6, min_length=1)
        np.testing.assert_array_equal(tokens, [padded(best, 4)] * 2)
        np.testing.assert_allclose(scores, [best_score] * 2, rtol=1e-5)
    # The scores stay the model's log-probabilities: END is not renormalised away.
    log_p = sequence_log_prob(markov_next(WEAK), tuple(tokens[0, :lengths[0]].numpy()))
    np.testing.assert_allclose(scores[0], log_p / lp(int(lengths[0]), 0.6), rtol=1e-5)


def test_greedy_with_min_length_takes_the_best_other_token():
    # START's arg-max is END; with min_length=1 greedy takes the runner-up, A.
    table = table_from_probs(5, {START: {END: 0.5, A: 0.3, B: 0.2}, A: {END: 0.9}})
    tokens, lengths = greedy_decode(markov_step(table), tf.zeros([1, 1]), START, END, 4)
    np.testing.assert_array_equal(tokens, [[END, 0, 0, 0]])
    tokens, lengths = greedy_decode(markov_step(table), tf.zeros([1, 1]), START, END, 4,
                                    min_length=1)
    np.testing.assert_array_equal(tokens, [[A, END, 0, 0]])
    tokens, lengths = greedy_decode(markov_step(table), tf.zeros([1, 1]), START, END, 4,
                                    min_length=3)
    assert tokens[0, :3].numpy().tolist().count(END) == 0 and lengths[0] == 4


STEP = markov_step(MYOPIC)
STATE = tf.zeros([1, 1])


def greedy(**overrides):
    args = dict(step_fn=STEP, initial_state=STATE, start_id=START, end_id=END,
                max_length=4)
    args.update(overrides)
    return lambda: greedy_decode(**args)


def beam(**overrides):
    args = dict(step_fn=STEP, initial_state=STATE, start_id=START, end_id=END,
                max_length=4)
    args.update(overrides)
    return lambda: beam_search(**args)


BAD = {
    "max_length 0": (greedy(max_length=0), ValueError,
                     r"`max_length` must be a positive integer. Received: max_length=0"),
    "max_length float": (beam(max_length=2.5), ValueError, r"max_length=2.5"),
    "max_length bool": (greedy(max_length=True), ValueError, r"max_length=True"),
    "beam_width 0": (beam(beam_width=0), ValueError,
                     r"`beam_width` must be a positive integer. Received: beam_width=0"),
    "beam_width string": (beam(beam_width="4"), ValueError, r"beam_width='4'"),
    "length_penalty negative": (
        beam(length_penalty=-0.5), ValueError,
        r"`length_penalty` must be a non-negative finite number. "
        r"Received: length_penalty=-0.5"),
    "length_penalty nan": (beam(length_penalty=float("nan")), ValueError,
                           r"length_penalty=nan"),
    "length_penalty inf": (beam(length_penalty=float("inf")), ValueError,
                           r"length_penalty=inf"),
    "length_penalty string": (beam(length_penalty="0.6"), ValueError,
                              r"length_penalty='0.6'"),
    "start_id negative": (greedy(start_id=-1), ValueError,
                          r"`start_id` must be a non-negative integer. Received: start_id=-1"),
    "end_id float": (beam(end_id=2.0), ValueError,
                     r"`end_id` must be a non-negative integer. Received: end_id=2.0"),
    "min_length negative": (greedy(min_length=-1), ValueError,
                            r"`min_length` must be a non-negative integer. "
                            r"Received: min_length=-1"),
    "min_length float": (beam(min_length=1.0), ValueError, r"min_length=1.0"),
    "min_length not below max_length": (
        beam(min_length=4), ValueError,
        r"`min_length` must be smaller than `max_length`.*min_length=4, max_length=4"),
    "step_fn not callable": (greedy(step_fn="decoder"), TypeError,
                             r"`step_fn` must be callable.*Received: step_fn='decoder'"),
    "empty state": (beam(initial_state=()), ValueError,
                    r"`initial_state` must be a nested structure of tensors"),
    "scalar in state": (greedy(initial_state=(STATE, tf.constant(1.0))), ValueError,
                        r"batch as its first axis.*shape \(\) "),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_arguments_raise_clear_errors(case):
    call, error, message = case
    with pytest.raises(error, match=message):
        call()


def test_saved_model_signature_decodes_any_batch(tmp_path):
    table = np.random.default_rng(7).normal(size=(6, 6)).astype("float32")

    class Translator(tf.Module):
        def __init__(self):
            super().__init__()
            self.table = tf.Variable(table)

        @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
        def translate(self, memory):                             # (batch, units)
            def step_fn(tokens, memory):
                return tf.gather(self.table, tokens) + 0.0 * memory[:, :1], memory
            tokens, lengths, scores = beam_search(step_fn, memory, START, END, 5)
            return {"tokens": tokens, "lengths": lengths, "scores": scores}

    module = Translator()
    tf.saved_model.save(module, str(tmp_path), signatures=module.translate)
    serve = tf.saved_model.load(str(tmp_path)).signatures["serving_default"]
    for batch in (1, 3):
        memory = tf.zeros([batch, 3])
        served, eager = serve(memory=memory), module.translate(memory)
        for key in ("tokens", "lengths", "scores"):
            np.testing.assert_allclose(served[key], eager[key], rtol=1e-6)
        assert served["tokens"].shape == (batch, 5)
