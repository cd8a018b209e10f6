"""Translation quality with sacreBLEU: corpus BLEU and chrF on a held-out split.

`tf_lstm` never reimplements BLEU: scores come from `sacrebleu` with its
default settings (13a tokenisation, case-sensitive), against the references
exactly as the corpus gives them (true-cased, accented), so the numbers are
comparable with anything else scored the same way.
"""

import dataclasses
import time

import sacrebleu


@dataclasses.dataclass
class Scores:
    """Corpus-level scores of one decoding run."""

    bleu: float            # sacreBLEU corpus BLEU, 0-100
    chrf: float            # sacreBLEU chrF, 0-100
    sentences: int         # number of sentence pairs scored
    seconds: float         # wall time spent translating them (after tracing)
    method: str            # "greedy" or "beam width N"
    signature: str         # sacreBLEU's signature for the BLEU score


def corpus_scores(hypotheses, references):
    """BLEU and chrF of `hypotheses` against one reference each.

    Args:
        hypotheses: a list of translated strings.
        references: a list of as many reference strings.

    Returns:
        `(bleu, chrf, signature)`: sacreBLEU's corpus BLEU and chrF (0-100)
        and the BLEU signature that says how it was computed.

    Raises:
        ValueError: if the lists are empty or differ in length.

    Example:

    >>> bleu, chrf, _ = corpus_scores(["Il fait beau ."], ["Il fait beau ."])
    >>> round(bleu, 1), round(chrf, 1)
    (100.0, 100.0)
    """
    if len(hypotheses) != len(references) or not references:
        raise ValueError("Arguments `hypotheses` and `references` must be non-empty "
                         f"lists of equal length. Received lengths {len(hypotheses)} "
                         f"and {len(references)}")
    bleu = sacrebleu.BLEU()
    score = bleu.corpus_score(list(hypotheses), [list(references)])
    chrf = sacrebleu.CHRF().corpus_score(list(hypotheses), [list(references)])
    return score.score, chrf.score, str(bleu.get_signature())


def evaluate(translator, pairs, beam_width=1, length_penalty=0.6):
    """Translate the English side of `pairs` and score against the French side.

    Args:
        translator: a `tf_lstm.translation.inference.StringTranslator`.
        pairs: list of `(english, french)`.
        beam_width: 1 for greedy decoding, else beam search.
        length_penalty: the beam search's GNMT length penalty exponent.

    Returns:
        `(Scores, hypotheses)`: the scores and the list of translations. The
        decoding function is traced once before the timing starts.

    Raises:
        ValueError: on empty `pairs` or a bad `beam_width` (from
            `StringTranslator.translate`).
    """
    english = [e for e, _ in pairs]
    # Trace the decoding function once, outside the timing.
    translator.translate(english[:1], beam_width=beam_width, length_penalty=length_penalty)
    start = time.perf_counter()
    hypotheses = translator.translate(english, beam_width=beam_width,
                                      length_penalty=length_penalty)
    seconds = time.perf_counter() - start
    bleu, chrf, signature = corpus_scores(hypotheses, [f for _, f in pairs])
    method = "greedy" if beam_width == 1 else f"beam width {beam_width}"
    return Scores(bleu, chrf, len(pairs), seconds, method, signature), hypotheses


def training_rates(prepared, train_pairs, epochs, seconds):
    """How fast a run trained: real target tokens and training pairs per second.

    The seconds are the whole `fit` (validation included), so the rates are
    rough across runs; `benchmarks.translator` times epochs interleaved.

    Args:
        prepared: what `training.prepare` returned (`train_tokens` per epoch).
        train_pairs: the training split's pairs (those `prepare` left out for
            their length included).
        epochs: the epochs trained.
        seconds: the training time.

    Returns:
        ``{"target_tokens_per_second", "train_pairs_per_second"}``.

    Example:

    >>> import types
    >>> training_rates(types.SimpleNamespace(train_tokens=900), 100, 2, 4.0)
    {'target_tokens_per_second': 450.0, 'train_pairs_per_second': 50.0}
    """
    return {"target_tokens_per_second": prepared.train_tokens * epochs / seconds,
            "train_pairs_per_second": train_pairs * epochs / seconds}


def run_results(translator, prepared, splits, history, train_seconds, examples=20):
    """Score a trained model on the test split and collect what a run records.

    The one place the command line (`results.json`) and the Tatoeba benchmark
    assemble a run's results: greedy and beam-4 scores on `splits["test"]`,
    the epochs and seconds trained, the training rate (target tokens and
    pairs per second of training time), the config, sizes and a few examples.

    Args:
        translator: a `StringTranslator` of the trained model.
        prepared: what `training.prepare` returned for `splits`.
        splits: `{"train", "valid", "test"}` lists of `(english, french)`.
        history: the `keras.callbacks.History` of the training.
        train_seconds: the wall time of the training.
        examples: how many test translations to keep.

    Returns:
        `(results, greedy, beam)`: a JSON-ready dict, and the two `Scores`.
    """
    greedy, hypotheses = evaluate(translator, splits["test"])
    beam, _ = evaluate(translator, splits["test"], beam_width=4)
    epochs = len(history.history.get("loss", []))
    results = {"greedy": dataclasses.asdict(greedy), "beam4": dataclasses.asdict(beam),
               "epochs_run": epochs, "train_seconds": train_seconds,
               "config": dataclasses.asdict(translator.model.config),
               "pairs": {name: len(pairs) for name, pairs in splits.items()},
               "vocabulary": {"english": len(prepared.source_vocabulary),
                              "french": len(prepared.target_vocabulary)},
               "train_target_tokens_per_epoch": prepared.train_tokens,
               **training_rates(prepared, len(splits["train"]), epochs, train_seconds),
               "examples": [{"english": en, "reference": fr, "greedy": hypothesis}
                            for (en, fr), hypothesis
                            in list(zip(splits["test"], hypotheses))[:examples]]}
    return results, greedy, beam
