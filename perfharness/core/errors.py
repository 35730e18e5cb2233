"""Errors the CLI turns into one-line messages, and the exit status of every command (defined once).

0 done; 1 the job ran and found a failure (a regression, a failed check, a failed collection or
worker); 2 bad usage or bad input, refused with one line (UsageError); 130 interrupted (Ctrl-C or
SIGTERM), with what was measured written and marked incomplete.
"""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad usage or bad input: the message is shown to the user as one line, exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(str(message)))


class ModelError(UsageError):
    """A model file is missing, tampered with, or does not have the expected signature."""


class SourceError(UsageError):
    """An input (video, camera, image) cannot be opened or read."""


def one_line(text: str) -> str:
    """``text`` as one line: newlines and other control characters shown as escapes (``\\n``), so a
    path or a message with one in it cannot break the one-line error into two."""
    return "".join(char if char.isprintable() else char.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for char in text)
