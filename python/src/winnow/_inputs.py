"""Turning what a caller has into what the binary reads: pools and side columns as files."""
import os

import numpy as np

from .errors import WinnowInputError


def pool_paths(X, folder, parquet_options):
    """The `--input` values for X: `.npy` paths and globs as given (never copied), a Parquet dataset
    imported into `folder` a row group at a time, an array written once to `folder/pool.npy`.
    Returns (paths, ids file from a Parquet id column or None)."""
    if isinstance(X, (str, os.PathLike)):
        X = [X]
    if isinstance(X, (list, tuple)) and X and all(isinstance(x, (str, os.PathLike)) for x in X):
        # Imported here: `python -m winnow.parquet` must find the module not yet loaded.
        from .parquet import import_parquet, is_parquet
        paths = [os.fspath(x) for x in X]
        parquet = [p for p in paths if is_parquet(p)]
        if not parquet:
            return paths, None
        if len(parquet) != len(paths):
            raise ValueError("give either Parquet datasets or .npy files, not both")
        done = import_parquet(paths, os.path.join(folder, "parquet"), **parquet_options)
        return done.paths, done.ids
    return [write_array(X, os.path.join(folder, "pool.npy"))], None


def write_array(X, path):
    """Writes a 2-D array as the binary reads it: float16 and float32 as they are, any other real
    dtype converted to float32 once; Fortran order or a strided view made C order while writing."""
    if hasattr(X, "__array__") or isinstance(X, (list, tuple)):
        X = np.asarray(X)
    else:
        raise TypeError(f"X must be a numpy array, a path, a list of paths or a Parquet dataset, not {type(X).__name__}")
    if X.ndim != 2:
        raise WinnowInputError(f"X must be 2-D (rows × dimension), not of shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise WinnowInputError(f"X is empty (shape {X.shape})")
    if X.dtype.kind not in "fiub":
        raise WinnowInputError(f"X must hold real numbers, not {X.dtype}")
    if X.dtype not in (np.float16, np.float32):
        X = X.astype(np.float32)
    np.save(path, np.ascontiguousarray(X))
    return path


def side_file(name, value, folder):
    """A per-row or per-pick side input (rows, given, exclude, labels, quality, score, targets, ids)
    given as an array or list: written to `folder`; a path is passed as it is."""
    if isinstance(value, (str, os.PathLike)):
        return os.fspath(value)
    if name == "ids":
        values = np.asarray(value)
        if values.dtype.kind in "iu":
            path = os.path.join(folder, "ids.npy")
            np.save(path, values.astype(np.int64))
            return path
        path = os.path.join(folder, "ids.txt")
        text = [str(v) for v in values.tolist()]
        if any("\n" in v or "\r" in v for v in text):
            raise WinnowInputError("an id holds a line break")
        with open(path, "w") as f:
            f.write("".join(v + "\n" for v in text))
        return path
    values = np.asarray(value)
    if name == "targets":
        return write_array(values, os.path.join(folder, "targets.npy"))
    path = os.path.join(folder, f"{name}.npy")
    if values.dtype.kind == "f":
        np.save(path, np.ascontiguousarray(values, dtype=np.float32))
    elif values.dtype.kind in "iub":
        np.save(path, np.ascontiguousarray(values, dtype=np.int64))
    else:
        raise WinnowInputError(f"{name} must be numbers, not {values.dtype}")
    return path
