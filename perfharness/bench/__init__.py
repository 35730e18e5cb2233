"""The regression gate over pytest-benchmark files: ``perfharness compare BASELINE CANDIDATE``.

storage (read the files) -> stats (bootstrap CI, Mann-Whitney U) -> gates (thresholds) ->
compare (pair and decide) -> report (table, Markdown) -> cli (the subcommand).
"""
