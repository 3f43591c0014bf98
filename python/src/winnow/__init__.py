"""Winnow from Python: pick a diverse, representative subset of embedding vectors.

    import numpy as np, winnow
    X = np.random.rand(5000, 64)
    picked = winnow.select(X, 50)            # facility location, the binary's defaults
    picked.indices[:5], picked.gains[:5], picked.report["quality"]

`X` is a 2-D numpy array (any real dtype and memory order: float16/float32 are written as they are,
anything else converted to float32 once, Fortran order made C order while writing), a `.npy` path or
glob, a list of them (passed to the binary as they are, never copied), or a Parquet dataset (a file, a
folder, or a list; its `column` streamed into float16 `.npy` shards a row group at a time, its
`id_column` becoming the ids). Every other keyword is the command's option with `_` for `-`
(`objective="k-center"`, `workers=2`, `seed=7`, `neighbors=32`, `evaluate=False` for `--no-eval`, `border_check=False` for `--no-border-check`);
side inputs (`ids`, `rows`, `given`, `exclude`, `labels`, `quality`, `score`, `targets`) may be
arrays or lists. Runs write to a temporary folder removed afterwards unless `out=` names one (then an
interrupted run — Ctrl-C, exit 75 — resumes when called again with the same `out`). A progress bar
(tqdm, when installed) follows the run in a terminal or notebook; `progress=False` turns it off.
Failures raise `WinnowError` subclasses carrying the binary's message and exit code.
"""
import os
import shutil
import tempfile

from ._binary import binary
from ._inputs import pool_paths
from ._run import SIDE_FILES, flags, run
from .errors import (WinnowError, WinnowIncompatibleError, WinnowInputError, WinnowNotFoundError,
                     WinnowOutputError, WinnowResumableError, WinnowUsageError)
from .results import Clustering, Dedup, Selection

__all__ = ["select", "cluster", "dedup", "status", "import_parquet", "binary", "Selection", "Clustering", "Dedup",
           "WinnowError", "WinnowUsageError", "WinnowInputError", "WinnowIncompatibleError", "WinnowOutputError",
           "WinnowResumableError", "WinnowNotFoundError"]


def select(X, k, objective="facility-location", *, out=None, progress=None, verbose=False, evaluate=True,
           column="embedding", id_column=None, **options):
    """`winnow select --budget k`: returns a `Selection`."""
    return _command("select", X, dict(budget=k, objective=objective, no_eval=not evaluate, **options),
                    out, progress, verbose, column, id_column, Selection)


def cluster(X, k, *, out=None, progress=None, verbose=False, column="embedding", id_column=None, **options):
    """`winnow cluster --k k`: k-means; returns a `Clustering`."""
    return _command("cluster", X, dict(k=k, **options), out, progress, verbose, column, id_column, Clustering)


def dedup(X, threshold=0.9, *, out=None, progress=None, verbose=False, column="embedding", id_column=None,
          border_check=True, **options):
    """`winnow dedup --threshold t`: semantic de-duplication; returns a `Dedup`. `border_check=False`
    for `--no-border-check` (within clusters only)."""
    return _command("dedup", X, dict(threshold=threshold, no_border_check=not border_check, **options), out, progress,
                    verbose, column, id_column, Dedup)


def import_parquet(source, out, column="embedding", id_column=None, dtype="float16"):
    """Streams a Parquet dataset's `column` into `.npy` shards in `out` (see `winnow.parquet`)."""
    from .parquet import import_parquet as run_import
    return run_import(source, out, column=column, id_column=id_column, dtype=dtype)


def status(endpoint, *, key=None, server_key=None, timeout=5.0):
    """A running coordinator's status (`winnow status --json`) as a dict: phase, progress, ETA, workers."""
    import json
    import subprocess
    args = [binary(), "status", "--connect", endpoint, "--json", "--timeout", str(timeout)]
    if key:
        args += ["--key", os.fspath(key)]
    if server_key:
        args += ["--server-key", os.fspath(server_key)]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        from .errors import from_exit
        raise from_exit(done.returncode, done.stderr, args, None)
    return json.loads(done.stdout)


def _command(name, X, options, out, progress, verbose, column, id_column, result):
    scratch = tempfile.mkdtemp(prefix="winnow-")
    keep = out is not None
    target = os.fspath(out) if keep else os.path.join(scratch, "out")
    try:
        inputs, parquet_ids = pool_paths(X, scratch, dict(column=column, id_column=id_column))
        if parquet_ids and options.get("ids") is None:
            options["ids"] = parquet_ids
        args = [name, "--input", *inputs, *flags(options, scratch), "--out", target]
        if not verbose:
            args.append("--quiet")
        try:
            run(args, target, progress=progress, verbose=verbose)
        except WinnowError as e:
            # The files written for the caller are named as the caller knows them.
            e.message = e.message.replace(os.path.join(scratch, "pool.npy"), "X")
            for side in SIDE_FILES:
                for suffix in (".npy", ".txt"):
                    e.message = e.message.replace(os.path.join(scratch, side + suffix), side)
            raise
        return result(target, keep)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
