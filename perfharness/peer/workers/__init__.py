"""The two peer-benchmark workers and the protocol they speak. ``mediapipe_worker.py`` runs in the
MediaPipe venv with this folder as its PYTHONPATH (so it imports ``worker_protocol`` beside it and
never perfharness); ``ours_worker`` runs as ``python -m perfharness.peer.workers.ours_worker``."""
