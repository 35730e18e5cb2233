"""Benchmark runs and the regression gate over pytest-benchmark files.

storage (read the files) -> stats (``perfharness.stats.bootstrap``) -> gates (thresholds) ->
compare (pair and decide) -> report (table, Markdown); runner (worker processes) and ab
(interleaved variants); the commands are in ``perfharness.cli.bench``.
"""
