import os

import numpy as np
import pytest

import winnow

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def write_dataset(folder, X, files=3, row_group=700, fixed=False, ids=True):
    """X split over `files` zstd Parquet files of row groups of `row_group` rows, ids 'doc-N'."""
    os.makedirs(folder, exist_ok=True)
    bounds = np.linspace(0, len(X), files + 1).astype(int)
    for n in range(files):
        part = X[bounds[n]:bounds[n + 1]]
        if fixed:
            embedding = pa.FixedSizeListArray.from_arrays(pa.array(part.reshape(-1)), part.shape[1])
        else:
            embedding = pa.array(list(part), type=pa.list_(pa.from_numpy_dtype(part.dtype)))
        columns = {"embedding": embedding}
        if ids:
            columns["id"] = pa.array([f"doc-{i}" for i in range(bounds[n], bounds[n + 1])])
        pq.write_table(pa.table(columns), os.path.join(folder, f"part-{n}.parquet"), row_group_size=row_group,
                       compression="zstd")


def test_parquet_dataset_selects_as_the_npy_does(tmp_path, clustered, cli):
    write_dataset(tmp_path / "ds", clustered)
    assert pq.ParquetFile(tmp_path / "ds" / "part-0.parquet").num_row_groups > 1
    from_parquet = winnow.select(tmp_path / "ds", 50, id_column="id", progress=False, evaluate=False)
    half = clustered.astype(np.float16)
    np.save(tmp_path / "pool.npy", half)
    cli("select", "--input", tmp_path / "pool.npy", "--budget", 50, "--no-eval", "--out", tmp_path / "cli", "--quiet")
    assert np.array_equal(from_parquet.indices, np.load(tmp_path / "cli" / "selection.npy"))
    assert from_parquet.ids == [f"doc-{i}" for i in from_parquet.indices]


def test_import_writes_shards_ids_and_float32_on_request(tmp_path, clustered):
    write_dataset(tmp_path / "ds", clustered, files=2, fixed=True)
    done = winnow.import_parquet(tmp_path / "ds", tmp_path / "out", id_column="id", dtype="float32")
    assert done.rows == 5000 and done.dim == 64 and len(done.paths) == 2
    assert np.array_equal(np.concatenate([np.load(p) for p in done.paths]), clustered)
    assert open(done.ids).read().splitlines() == [f"doc-{i}" for i in range(5000)]


def test_integer_ids_become_an_npy(tmp_path):
    X = np.random.default_rng(0).random((300, 8)).astype(np.float32)
    table = pa.table({"embedding": pa.array(list(X), type=pa.list_(pa.float32())), "key": pa.array(np.arange(300) * 10)})
    pq.write_table(table, tmp_path / "a.parquet", row_group_size=128)
    done = winnow.import_parquet(tmp_path / "a.parquet", tmp_path / "out", id_column="key")
    assert done.ids.endswith("ids.npy") and np.array_equal(np.load(done.ids), np.arange(300) * 10)


def test_ragged_null_and_misnamed_columns_are_refused_naming_where(tmp_path):
    rows = [[0.1, 0.2, 0.3]] * 250 + [[0.1, 0.2]] + [[0.5, 0.5, 0.5]] * 10
    pq.write_table(pa.table({"embedding": pa.array(rows, type=pa.list_(pa.float32()))}), tmp_path / "ragged.parquet",
                   row_group_size=100)
    with pytest.raises(winnow.WinnowInputError, match=r"ragged.parquet: row group 2, row 50: the embedding has 2 values, not 3"):
        winnow.select(tmp_path / "ragged.parquet", 3, progress=False)
    nulls = [[0.1, 0.2]] * 5 + [None] + [[0.3, 0.4]] * 5
    pq.write_table(pa.table({"embedding": pa.array(nulls, type=pa.list_(pa.float32()))}), tmp_path / "null.parquet")
    with pytest.raises(winnow.WinnowInputError, match=r"null.parquet: row group 0, row 5: the embedding is null"):
        winnow.import_parquet(tmp_path / "null.parquet", tmp_path / "out1")
    inner = [[0.1, 0.2]] * 5 + [[0.1, None]]
    pq.write_table(pa.table({"embedding": pa.array(inner, type=pa.list_(pa.float32()))}), tmp_path / "inner.parquet")
    with pytest.raises(winnow.WinnowInputError, match=r"row 5: a value of the embedding is null"):
        winnow.import_parquet(tmp_path / "inner.parquet", tmp_path / "out2")
    with pytest.raises(winnow.WinnowInputError, match=r"no column 'vector'"):
        winnow.import_parquet(tmp_path / "inner.parquet", tmp_path / "out3", column="vector")
    strings = pa.table({"embedding": pa.array(["a", "b"])})
    pq.write_table(strings, tmp_path / "strings.parquet")
    with pytest.raises(winnow.WinnowInputError, match="not a list of floats"):
        winnow.import_parquet(tmp_path / "strings.parquet", tmp_path / "out4")
    # Nothing half-written is left behind.
    for out in ("out1", "out2", "out4"):
        assert not any(name.endswith((".npy", ".partial")) for name in os.listdir(tmp_path / out))


def test_command_line_entry_point(tmp_path, clustered):
    from winnow.parquet import main
    write_dataset(tmp_path / "ds", clustered[:1000], files=1, ids=False)
    assert main([os.fspath(tmp_path / "ds"), os.fspath(tmp_path / "out")]) == 0
    assert np.load(tmp_path / "out" / "pool-00000.npy").dtype == np.float16
    assert main([os.fspath(tmp_path / "ds"), os.fspath(tmp_path / "out2"), "--column", "nope"]) == 65
