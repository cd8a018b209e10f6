"""tf_lstm.translation.evaluate: sacreBLEU scores (never reimplemented here)."""

import pytest
import sacrebleu

from tf_lstm.translation.evaluate import corpus_scores, evaluate


def test_scores_are_sacrebleus():
    hyps = ["Il fait beau .", "Je mange une pomme ."]
    refs = ["Il fait beau aujourd'hui.", "Je mange une pomme."]
    bleu, chrf, signature = corpus_scores(hyps, refs)
    assert bleu == sacrebleu.corpus_bleu(hyps, [refs]).score
    assert chrf == sacrebleu.corpus_chrf(hyps, [refs]).score
    assert "tok:13a" in signature and "case:mixed" in signature


def test_case_and_accents_count():
    assert corpus_scores(["il a été là ."], ["Il a été là ."])[0] < 100
    assert corpus_scores(["Il a ete la ."], ["Il a été là ."])[1] < 100


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="equal length"):
        corpus_scores(["a"], ["a", "b"])


def test_evaluate_uses_the_translator(tiny_model, tiny_splits):
    from tf_lstm.translation.inference import StringTranslator
    scores, hyps = evaluate(StringTranslator(tiny_model), tiny_splits["test"][:5])
    assert scores.sentences == 5 and len(hyps) == 5 and scores.method == "greedy"
    assert scores.bleu == corpus_scores(hyps, [f for _, f in tiny_splits["test"][:5]])[0]
