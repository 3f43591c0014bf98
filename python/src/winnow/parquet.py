"""Parquet pools: a dataset's embedding column streamed into `.npy` shards, one row group at a time.

    winnow-import-parquet DATASET OUT [--column embedding] [--id-column id] [--dtype float16]
    python -m winnow.parquet ...

DATASET is a Parquet file, a folder of them (searched recursively, in sorted path order) or several
paths. The embedding column is a list, large list or fixed-size list of float16/float32/float64
values; each input file becomes OUT/pool-NNNNN.npy (C order, `--dtype`), and the id column, when
named, OUT/ids.npy (integer ids) or OUT/ids.txt (one per line). Only one row group is held at a time,
so memory does not grow with the dataset. A null embedding, a null inside one, a ragged list (a
length other than the first row's) or a null id stops the import with WinnowInputError naming the
file, row group and row; nothing is left behind in OUT for that file.
"""
import argparse
import os
import shutil
import sys

import numpy as np

from .errors import WinnowInputError

SUFFIXES = (".parquet", ".pq", ".parq")


def is_parquet(path):
    path = os.fspath(path)
    if os.path.isdir(path):
        return bool(parquet_files([path]))
    return path.lower().endswith(SUFFIXES)


def parquet_files(sources):
    files = []
    for source in sources:
        source = os.fspath(source)
        if os.path.isdir(source):
            found = []
            for folder, _, names in os.walk(source):
                found += [os.path.join(folder, n) for n in names if n.lower().endswith(SUFFIXES)]
            files += sorted(found)
        else:
            files.append(source)
    return files


class Imported:
    """What an import wrote: the shards' paths, the ids file (or None), rows and dimension."""

    def __init__(self, paths, ids, rows, dim):
        self.paths, self.ids, self.rows, self.dim = paths, ids, rows, dim

    def __repr__(self):
        return f"Imported({len(self.paths)} shards, {self.rows:,} rows × {self.dim}, ids={self.ids!r})"


def import_parquet(source, out, column="embedding", id_column=None, dtype="float16"):
    """Streams `source` (a path, a folder or a list of them) into `.npy` shards in `out`; returns `Imported`."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:
        raise ImportError("reading Parquet needs pyarrow: pip install pyarrow") from e
    dtype = np.dtype(dtype)
    if dtype not in (np.float16, np.float32):
        raise ValueError(f"dtype must be float16 or float32, not {dtype}")
    sources = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    files = parquet_files(sources)
    if not files:
        raise WinnowInputError(f"no Parquet files in {', '.join(map(os.fspath, sources))}")
    os.makedirs(out, exist_ok=True)
    paths, rows, dim, id_kind = [], 0, None, None
    ids_path = None
    ids_file = None
    try:
        for n, path in enumerate(files):
            reader = pq.ParquetFile(path)
            names = reader.schema_arrow.names
            for name in [column] + ([id_column] if id_column else []):
                if name not in names:
                    raise WinnowInputError(f"{path}: no column {name!r} (columns: {', '.join(names)})")
            shard = os.path.join(out, f"pool-{n:05d}.npy")
            partial = shard + ".partial"
            file_rows = reader.metadata.num_rows
            written = 0
            with open(partial, "wb") as f:
                header_written = False
                for group in range(reader.num_row_groups):
                    wanted = [column] + ([id_column] if id_column else [])
                    table = reader.read_row_group(group, columns=wanted)
                    vectors = _vectors(table.column(column), path, group, dim, pa)
                    if dim is None:
                        dim = vectors.shape[1]
                    if not header_written:
                        np.lib.format.write_array_header_1_0(
                            f, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (file_rows, dim)})
                        header_written = True
                    np.ascontiguousarray(vectors, dtype=dtype).tofile(f)
                    written += len(vectors)
                    if id_column:
                        ids = table.column(id_column)
                        if ids.null_count:
                            first = _first_null(ids)
                            raise WinnowInputError(f"{path}: row group {group}, row {first}: the id is null")
                        kind = "int" if pa.types.is_integer(ids.type) else "text"
                        if id_kind is None:
                            id_kind = kind
                            ids_path = os.path.join(out, "ids.npy" if kind == "int" else "ids.txt")
                            ids_file = open(ids_path + (".raw.partial" if kind == "int" else ".partial"), "wb")
                        elif kind != id_kind:
                            raise WinnowInputError(f"{path}: the id column is {ids.type}, another file's was {id_kind}")
                        _write_ids(ids_file, ids, kind, path, group)
                if not header_written:  # a file with no rows
                    np.lib.format.write_array_header_1_0(
                        f, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (0, dim or 1)})
            if written != file_rows:
                raise WinnowInputError(f"{path}: its metadata says {file_rows} rows, its row groups hold {written}")
            os.replace(partial, shard)
            paths.append(shard)
            rows += written
        if ids_file is not None:
            ids_file.close()
            ids_file = None
            if id_kind == "int":
                # The count is known only now: the header, then the ids streamed from the raw file.
                with open(ids_path + ".partial", "wb") as f, open(ids_path + ".raw.partial", "rb") as raw:
                    np.lib.format.write_array_header_1_0(f, {"descr": "<i8", "fortran_order": False, "shape": (rows,)})
                    shutil.copyfileobj(raw, f, 8 << 20)
                os.remove(ids_path + ".raw.partial")
            os.replace(ids_path + ".partial", ids_path)
    finally:
        if ids_file is not None:
            ids_file.close()
        for leftover in os.listdir(out):
            if leftover.endswith(".partial"):
                os.remove(os.path.join(out, leftover))
    return Imported(paths, ids_path, rows, dim or 0)


def _vectors(chunked, path, group, dim, pa):
    """The row group's embeddings as an (n, d) array, or WinnowInputError naming the first bad row."""
    parts = []
    base = 0
    for chunk in chunked.chunks:
        t = chunk.type
        if not (pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)):
            raise WinnowInputError(f"{path}: the embedding column is {t}, not a list of floats")
        if not pa.types.is_floating(t.value_type):
            raise WinnowInputError(f"{path}: the embedding column holds {t.value_type}, not floats")
        if chunk.null_count:
            raise WinnowInputError(f"{path}: row group {group}, row {base + _first_null(chunk)}: the embedding is null")
        if pa.types.is_fixed_size_list(t):
            width = t.list_size
            values = chunk.values.slice(chunk.offset * width, len(chunk) * width)
        else:
            offsets = np.asarray(chunk.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)
            lengths = np.diff(offsets)
            width = int(lengths[0]) if len(lengths) else (dim or 0)
            want = dim if dim is not None else width
            bad = np.flatnonzero(lengths != want)
            if len(bad):
                i = int(bad[0])
                raise WinnowInputError(
                    f"{path}: row group {group}, row {base + i}: the embedding has {int(lengths[i])} values, "
                    f"not {want} (ragged lists)")
            values = chunk.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
        if dim is not None and width != dim:
            raise WinnowInputError(f"{path}: row group {group}: embeddings of {width} values, not {dim}")
        if width == 0:
            raise WinnowInputError(f"{path}: row group {group}, row {base}: the embedding is empty")
        if values.null_count:
            i = _first_null(values) // width
            raise WinnowInputError(f"{path}: row group {group}, row {base + i}: a value of the embedding is null")
        parts.append(values.to_numpy(zero_copy_only=False).reshape(-1, width))
        dim = width
        base += len(chunk)
    if not parts:
        return np.zeros((0, dim or 0), np.float32)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _first_null(array):
    import pyarrow.compute as pc
    return int(pc.index(pc.is_null(array), True).as_py())


def _write_ids(sink, ids, kind, path, group):
    if kind == "int":
        sink.write(np.asarray(ids.to_numpy(), dtype="<i8").tobytes())
        return
    text = [str(v) for v in ids.to_pylist()]
    for i, v in enumerate(text):
        if "\n" in v or "\r" in v:
            raise WinnowInputError(f"{path}: row group {group}, row {i}: the id holds a line break")
    sink.write(("\n".join(text) + "\n").encode())


def main(argv=None):
    ap = argparse.ArgumentParser(prog="winnow-import-parquet", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", nargs="+", help="Parquet files or folders; the last argument is OUT")
    ap.add_argument("--column", default="embedding")
    ap.add_argument("--id-column")
    ap.add_argument("--dtype", default="float16", choices=["float16", "float32"])
    a = ap.parse_args(argv)
    if len(a.dataset) < 2:
        ap.error("give the dataset and OUT")
    *sources, out = a.dataset
    try:
        done = import_parquet(sources, out, column=a.column, id_column=a.id_column, dtype=a.dtype)
    except WinnowInputError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 65
    print(f"wrote {done.rows:,} rows × {done.dim} {a.dtype} in {len(done.paths)} file(s) to {out}"
          + (f", ids in {done.ids}" if done.ids else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
