"""tf_lstm.lessons.seq2seq: the by-hand versions equal the package and the references."""

import math

import numpy as np
import pytest
import sacrebleu

from tf_lstm.lessons import seq2seq
from tf_lstm.lessons.seq2seq import END
from tf_lstm.translation import decode
from tf_lstm.translation.model import LuongAttention

# Greedy: A A (0.19); most probable: B (0.2175); after length normalisation: C B (0.21).
TABLE = {(): {"A": 0.50, "B": 0.29, "C": 0.21},
         ("A",): {"A": 0.38, "B": 0.32, END: 0.30},
         ("B",): {"A": 0.25, END: 0.75},
         ("C",): {"B": 1.0},
         ("A", "A"): {END: 1.0}, ("A", "B"): {END: 1.0},
         ("B", "A"): {END: 1.0}, ("C", "B"): {END: 1.0}}


def test_luong_attention_equals_the_layer():
    rng = np.random.default_rng(0)
    query, memory = rng.standard_normal((2, 3)), rng.standard_normal((4, 3))
    W = rng.standard_normal((3, 3))
    layer = LuongAttention()
    layer(query[None].astype("float32"), memory[None].astype("float32"), np.ones((1, 4), bool))
    layer.W.assign(W.astype("float32"))
    context, weights = layer(query[None].astype("float32"), memory[None].astype("float32"),
                             np.ones((1, 4), bool))
    scores, mine, mine_context = seq2seq.luong_attention(query, memory, W)
    np.testing.assert_allclose(mine, np.asarray(weights[0]), atol=1e-5)
    np.testing.assert_allclose(mine_context, np.asarray(context[0]), atol=1e-5)
    unscaled = seq2seq.luong_attention(query, memory, W, scale=False)[0]
    np.testing.assert_allclose(unscaled, scores * math.sqrt(3))


def test_luong_attention_refuses_mismatched_units():
    with pytest.raises(ValueError, match="agree on `units`"):
        seq2seq.luong_attention(np.ones((1, 2)), np.ones((3, 3)), np.eye(2))
    with pytest.raises(ValueError, match="`scale`"):
        seq2seq.luong_attention(np.ones((1, 2)), np.ones((3, 2)), np.eye(2), scale="yes")


def test_unscaled_attention_saturates_and_scaled_does_not():
    small, large = (seq2seq.attention_saturation(u, scale=False, trials=200) for u in (4, 1024))
    assert 10 < large["score_std"] / small["score_std"] < 22  # sqrt(1024 / 4) = 16, roughly
    assert large["max_weight"] > 0.9 and large["jacobian_norm"] < 0.1
    scaled = seq2seq.attention_saturation(1024, trials=200)
    assert 0.5 < scaled["score_std"] < 1.5 and scaled["max_weight"] < 0.5
    with pytest.raises(ValueError, match="`units`"):
        seq2seq.attention_saturation(0)


def test_search_on_the_toy_table():
    ranked = seq2seq.brute_force_sentences(TABLE)
    assert len(ranked) == 6 and ranked[0][0] == ("B", END)
    assert math.isclose(sum(p for _, p, _ in ranked), 1.0)
    assert seq2seq.brute_force_sentences(TABLE, alpha=0.6)[0][0] == ("C", "B", END)
    assert seq2seq.greedy_path(TABLE) == (("A", "A", END), 0.5 * 0.38)
    assert seq2seq.beam_by_hand(TABLE, 1)[0][0] == ("A", "A", END)
    best, steps = seq2seq.beam_by_hand(TABLE, 2)
    assert best[0] == ("B", END) and [p for p, _ in steps[0]] == [("A",), ("B",)]
    assert seq2seq.beam_by_hand(TABLE, 2, alpha=0.6)[0][0] == ("B", END)   # C was pruned
    assert seq2seq.beam_by_hand(TABLE, 3, alpha=0.6)[0][0] == ("C", "B", END)


@pytest.mark.parametrize("width,alpha", [(1, 0.0), (2, 0.0), (2, 0.6), (3, 0.6)])
def test_decode_beam_search_agrees_with_the_hand_version(width, alpha):
    toy = seq2seq.table_decoder(TABLE)
    ids, lengths, scores = decode.beam_search(
        toy["step_fn"], toy["initial_state"], toy["start_id"], toy["end_id"],
        toy["max_length"], beam_width=width, length_penalty=alpha)
    words = tuple(toy["tokens"][i] for i in ids.numpy()[0][:lengths.numpy()[0]])
    (sentence, probability), _ = seq2seq.beam_by_hand(TABLE, width, alpha)
    assert words == sentence
    expected = math.log(probability) / seq2seq.length_penalty(len(sentence), alpha)
    assert math.isclose(float(scores[0]), expected, rel_tol=1e-5)


def test_malformed_tables_are_refused():
    with pytest.raises(ValueError, match="root"):
        seq2seq.brute_force_sentences({("A",): {END: 1.0}})
    with pytest.raises(ValueError, match="summing to 1"):
        seq2seq.greedy_path({(): {"A": 0.5}})
    with pytest.raises(ValueError, match="no row for the prefix"):
        seq2seq.greedy_path({(): {"A": 1.0}})
    with pytest.raises(ValueError, match="`beam_width`"):
        seq2seq.beam_by_hand(TABLE, 0)


def test_length_penalty_is_gnmt_and_checks_its_arguments():
    assert seq2seq.length_penalty(1, 0.0) == 1.0
    assert math.isclose(seq2seq.length_penalty(3, 0.6), (8 / 6) ** 0.6)
    with pytest.raises(ValueError, match="`length_penalty`"):
        seq2seq.length_penalty(3, -1.0)
    with pytest.raises(ValueError, match="`length`"):
        seq2seq.length_penalty(0, 0.6)


@pytest.mark.parametrize("hypothesis,reference", [
    ("the cat sat on the mat .", "the cat sat on the red mat ."),
    ("a b c d e f", "a b c d e f"),
    ("he is tired and cold tonight", "he is very tired and cold tonight"),
])
def test_bleu_by_hand_equals_sacrebleu_when_no_precision_is_zero(hypothesis, reference):
    mine = seq2seq.bleu_by_hand(hypothesis, reference)
    assert min(mine["matches"]) > 0
    theirs = sacrebleu.sentence_bleu(hypothesis, [reference])
    assert math.isclose(mine["score"], theirs.score, rel_tol=1e-9)
    assert mine["matches"] == theirs.counts and mine["totals"] == theirs.totals


def test_bleu_by_hand_is_zero_without_a_matching_4_gram_and_checks_input():
    result = seq2seq.bleu_by_hand("the dog sat on a mat", "the cat sat on the mat")
    assert result["matches"][3] == 0 and result["score"] == 0.0
    with pytest.raises(ValueError, match="`hypothesis`"):
        seq2seq.bleu_by_hand("", "a")
