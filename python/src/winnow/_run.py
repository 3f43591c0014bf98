"""Running the binary: options as flags, a progress bar fed from the run's metrics, errors raised."""
import os
import re
import signal
import subprocess
import sys
import threading
import time

from ._binary import binary
from .errors import from_exit

# Options whose values are files the binary reads; arrays and lists given for them are written first.
SIDE_FILES = {"rows", "given", "exclude", "labels", "quality", "score", "targets", "ids"}


def flags(options, folder):
    """`snake_case=value` keyword options as `--kebab-case value` flags: True is a bare flag, False
    and None leave it out, an array or list for a file option is written to `folder` first."""
    from ._inputs import side_file
    out = []
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        if value is True:
            out.append(flag)
        elif name in SIDE_FILES:
            out += [flag, side_file(name, value, folder)]
        else:
            out.append(f"{flag}={value}")  # one word: a negative number is not taken for a flag
    return out


def run(args, out, progress=None, verbose=False):
    """Runs `winnow ARGS`; raises the exit code's exception with the binary's message."""
    command = [binary()] + args
    stderr_lines = []
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               errors="replace")

    def drain():
        for line in process.stderr:
            stderr_lines.append(line)
            if verbose:
                sys.stderr.write(line)
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    bar = ProgressBar(out) if want_progress(progress) else None
    try:
        while process.poll() is None:
            if bar:
                bar.update()
            time.sleep(0.25)
    except KeyboardInterrupt:
        # Stopped the way Slurm stops it: the run keeps its journal in `out` and can be resumed.
        process.send_signal(signal.SIGTERM)
        process.wait()
        raise
    finally:
        reader.join(timeout=5)
        if bar:
            bar.close(process.returncode == 0)
    if process.returncode != 0:
        raise from_exit(process.returncode, "".join(stderr_lines), command, out)


def want_progress(progress):
    if progress is not None:
        return bool(progress)
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return sys.stderr.isatty() or "ipykernel" in sys.modules


METRIC = re.compile(r"^(winnow_[a-z_]+)\{[^}]*\}\s+([0-9.eE+-]+)$")


class ProgressBar:
    """A tqdm bar of rows processed, read from the run's `metrics.prom` (written every few seconds)."""

    def __init__(self, out):
        from tqdm.auto import tqdm
        self.path = os.path.join(out, "metrics.prom")
        self.bar = tqdm(total=None, unit="rows", unit_scale=True, desc="winnow", leave=True)

    def update(self):
        try:
            text = open(self.path).read()
        except OSError:
            return
        values = {}
        for line in text.splitlines():
            m = METRIC.match(line)
            if m:
                values[m.group(1)] = float(m.group(2))
        if "winnow_rows" in values and self.bar.total is None:
            self.bar.total = int(values["winnow_rows"])
        done = int(values.get("winnow_rows_processed_total", 0))
        if done > self.bar.n:
            self.bar.update(done - self.bar.n)

    def close(self, finished):
        if finished:
            self.update()
            if self.bar.total and self.bar.n < self.bar.total:
                self.bar.update(self.bar.total - self.bar.n)
        self.bar.close()
