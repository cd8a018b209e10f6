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


def test_run_results_records_the_scores_of_the_test_split(tiny_model, tiny_splits):
    import types

    from tf_lstm.translation import training
    from tf_lstm.translation.evaluate import run_results
    from tf_lstm.translation.inference import StringTranslator

    splits = {"train": tiny_splits["train"][:60], "valid": tiny_splits["valid"][:10],
              "test": tiny_splits["test"][:6]}
    prepared = training.prepare(splits, tiny_model.config)
    history = types.SimpleNamespace(history={"loss": [2.0, 1.5, 1.2]})
    results, greedy, beam = run_results(StringTranslator(tiny_model), prepared, splits,
                                        history, 12.5, examples=4)
    assert results["greedy"]["bleu"] == greedy.bleu and greedy.sentences == 6
    assert results["beam4"]["method"] == beam.method == "beam width 4"
    assert results["epochs_run"] == 3 and results["train_seconds"] == 12.5
    assert results["pairs"] == {"train": 60, "valid": 10, "test": 6}
    assert [x["english"] for x in results["examples"]] == [e for e, _ in splits["test"][:4]]
    assert results["config"]["units"] == tiny_model.config.units
