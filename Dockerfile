# perfharness in a container: the controller on the sample clip and the scenarios, headless.
#
#   docker build -t perfharness .
#   docker run --rm perfharness                                   # controller on the sample, 120 frames
#   docker run --rm -v "$PWD/reports:/work/reports" perfharness scenario run steady_state
#
# Not built on this project's machines (they have no Docker daemon): kept minimal on purpose.
# The models are fetched at build time by the explicit `perfharness models fetch` below (pinned
# and sha256-checked, as on any machine); nothing is downloaded when the container runs.

FROM python:3.11-slim-bookworm AS wheel
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY perfharness ./perfharness
RUN pip wheel --no-deps --wheel-dir /dist .

FROM python:3.11-slim-bookworm
# OpenCV needs libGL and GLib; gcc builds the ITT collector (the trace's OpenVINO tasks)
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=wheel /dist/ /tmp/dist/
RUN pip install --no-cache-dir /tmp/dist/*.whl && rm -r /tmp/dist
ENV PERFHARNESS_CACHE=/var/cache/perfharness
RUN perfharness models fetch mediapipe
WORKDIR /work
ENTRYPOINT ["perfharness"]
CMD ["controller", "--input", "sample", "--max-frames", "120", "--no-window", "--mouse", "off"]
