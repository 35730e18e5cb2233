"""The ``perfharness`` command: one module per command, shared options in ``options``."""
