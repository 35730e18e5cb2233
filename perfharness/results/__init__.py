"""The one owner of a run's results: the run directory (its file names, manifest, readers and
time stamps); every job writes its files through it and the report reads them through it."""
