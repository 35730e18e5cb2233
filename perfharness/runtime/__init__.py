"""OpenVINO at run time: compile configuration, signature checks, loaded models and their requests."""
