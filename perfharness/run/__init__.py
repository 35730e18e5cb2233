"""The run loop shared by the controller and the scenario runner: frames through the pipeline
(warm-up, pacing, frames in flight), per-frame data streamed (statistics in constant memory,
series to ``frames.csv``), and interruption handled as a state of the run."""
