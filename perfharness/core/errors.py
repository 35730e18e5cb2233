"""Errors that the CLI turns into one-line messages and exit status 2."""


class UsageError(Exception):
    """Bad usage or bad input: the message is shown to the user as is, exit status 2."""


class ModelError(UsageError):
    """A model file is missing, tampered with, or does not have the expected signature."""


class SourceError(UsageError):
    """An input (video, camera, image) cannot be opened or read."""
