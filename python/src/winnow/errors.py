"""The binary's exit codes as Python exceptions (README, "Exit codes").

Every exception carries the binary's own message (which names the file, row or peer), its exit code,
the command line and, for a run that can be resumed, the output folder to run again with.
"""


class WinnowError(Exception):
    """A `winnow` run that failed."""

    def __init__(self, message, code=None, command=None, out=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.command = command
        self.out = out

    def __str__(self):
        return self.message if self.code is None else f"{self.message} (winnow exit {self.code})"


class WinnowUsageError(WinnowError, ValueError):
    """Exit 64: an option is missing, out of range, or an input matches nothing."""


class WinnowInputError(WinnowError, ValueError):
    """Exit 65 (or found before running): bad input data, e.g. a NaN row, a ragged Parquet list, a
    truncated `.npy`; the message names the file and row."""


class WinnowIncompatibleError(WinnowError):
    """Exit 69: an incompatible peer or configuration (e.g. an output folder whose journal belongs to
    another run or to changed input files)."""


class WinnowOutputError(WinnowError):
    """Exit 73: the output folder cannot take the outputs."""


class WinnowResumableError(WinnowError):
    """Exit 75: the run stopped for a temporary reason (SIGTERM, no coordinator, a socket in use).
    Calling the same function again with the same `out=` resumes it from its journal."""


class WinnowNotFoundError(WinnowError, FileNotFoundError):
    """No `winnow` binary: set WINNOW_BINARY, put `winnow` on PATH, or install the package from a
    checkout where `Scripts/setup` built it."""


BY_CODE = {64: WinnowUsageError, 65: WinnowInputError, 69: WinnowIncompatibleError, 73: WinnowOutputError,
           75: WinnowResumableError}


def from_exit(code, stderr, command, out):
    """The exception for a run that exited `code`, with the binary's message from `stderr`."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith("error")]
    message = "\n".join(errors) if errors else (lines[-1] if lines else f"winnow exited {code} without a message")
    return BY_CODE.get(code, WinnowError)(message, code, command, out)
