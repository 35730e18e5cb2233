"""The gaze pointer controller: stages, the chain, pipeline, sources, pointer mapping, mouse, overlay.

It knows nothing of scenarios, VTune or reports: it takes a ``Regions`` object for its hooks
and returns data.
"""
