"""The Numenta Anomaly Benchmark, re-implemented: corpus loading and the scoring rules
(`scoring`). `benchmarks/nab_score.py` runs our detector over the corpus and prints the table."""
