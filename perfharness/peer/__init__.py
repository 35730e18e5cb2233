"""The peer benchmark (``perfharness peer``): MediaPipe's own Face Mesh solution against our
controller on the same decoded frames (docs/peer.md).

MediaPipe is never imported here: its worker runs in a venv of its own (``mediapipe_venv``),
started from this package's files (``workers/``). Modules, one job each: ``plan`` (the order of
the runs), ``settings`` (our side's ``--ours-config`` and ``--ours-set``), ``frames`` (the input decoded once),
``mediapipe_venv`` (making and checking that venv), ``connection`` (starting a worker and
speaking its protocol), ``timing`` and ``agreement`` (the statistics), ``targets``, ``analysis``
(one mode's results) and ``driver`` (the rounds, the report dict and the files).
"""
