"""Benchmarks (`make bench`, `make bench-tatoeba`): results go to benchmarks/results/."""
