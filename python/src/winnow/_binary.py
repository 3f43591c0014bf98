"""Where the `winnow` binary is."""
import os
import shutil

from .errors import WinnowNotFoundError


def binary():
    """WINNOW_BINARY if set, else the binary bundled with the package, else the release build of the
    checkout the package is run from, else `winnow` on PATH."""
    named = os.environ.get("WINNOW_BINARY")
    if named:
        if not os.access(named, os.X_OK):
            raise WinnowNotFoundError(f"WINNOW_BINARY={named} is not an executable file")
        return named
    bundled = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "winnow")
    if os.access(bundled, os.X_OK):
        return bundled
    # Run from a checkout (an editable install, or PYTHONPATH=python/src): its release build.
    checkout = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".build", "release", "winnow")
    if os.access(checkout, os.X_OK):
        return os.path.normpath(checkout)
    found = shutil.which("winnow")
    if found:
        return found
    raise WinnowNotFoundError(
        "no winnow binary: set WINNOW_BINARY=/path/to/winnow, put winnow on PATH, or pip install ./python "
        "from a checkout after Scripts/setup (which bundles .build/release/winnow)")
