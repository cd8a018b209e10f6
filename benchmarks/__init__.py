"""Benchmarks: each writes one current result under `benchmarks/results/`.

    layers           LSTM layer speed, Keras vs ScratchLSTM (+ XLA, unroll, bfloat16)
                     (`python -m benchmarks`, `make bench`) -> layers.{json,md,png}
    translator       translator training tokens/s and decoding sentences/s
                     (`make bench-translator`) -> translator.{json,md}
    tatoeba          BLEU on real Tatoeba English->French in a time budget
                     (`make bench-tatoeba`) -> tatoeba_fra_eng.{json,md}
    seeds            the spread of tatoeba runs that differ in the seed only
                     (`make bench-tatoeba-seeds`) -> tatoeba_seeds.{json,md}
    ablation         one training run per lever of the Tatoeba recipe and seed
                     (`make bench-ablation`) -> tatoeba_ablation.{json,md}
    distributed      training tokens/s by distribution strategy
                     (`make bench-distributed`) -> distributed.{json,md}
    gpu              Keras's cuDNN LSTM path on PyTorch and JAX (`gpu.sh`) -> gpu.{json,md}
    padded           the baseline batches: every pair padded to the corpus's longest
    sampled_softmax  the translator trained with a sampled softmax (an experiment)
    common           what they share, free of TensorFlow

Methods, run history and caveats: `benchmarks/README.md`.
"""
