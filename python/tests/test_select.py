import os

import numpy as np
import pytest

import winnow


def test_array_gives_the_cli_selection_bytes(tmp_path, clustered, cli):
    np.save(tmp_path / "pool.npy", clustered)
    cli("select", "--input", tmp_path / "pool.npy", "--budget", 50, "--seed", 3, "--out", tmp_path / "cli", "--quiet")
    picked = winnow.select(clustered, 50, seed=3, out=tmp_path / "api", progress=False)
    assert (tmp_path / "api" / "selection.npy").read_bytes() == (tmp_path / "cli" / "selection.npy").read_bytes()
    assert np.array_equal(picked.indices, np.load(tmp_path / "cli" / "selection.npy"))
    assert picked.indices.dtype == np.int64 and len(picked) == 50
    assert len(picked.gains) == 50 and np.all(np.diff(picked.gains) <= 1e-6 * picked.gains[0])
    assert picked.weights.sum() == 5000 and picked.weights_kind == "exact"
    assert picked.quality["objective"] > picked.quality["random_objective"]
    assert picked.report["selection"]["count"] == 50 and picked.out == os.fspath(tmp_path / "api")


def test_float64_and_fortran_order_are_converted_once_to_the_same_selection(clustered):
    want = winnow.select(clustered, 40, progress=False, evaluate=False).indices
    as64 = winnow.select(clustered.astype(np.float64), 40, progress=False, evaluate=False).indices
    fortran = winnow.select(np.asfortranarray(clustered), 40, progress=False, evaluate=False).indices
    strided = winnow.select(np.hstack([clustered, clustered])[:, :64], 40, progress=False, evaluate=False).indices
    assert np.array_equal(want, as64) and np.array_equal(want, fortran) and np.array_equal(want, strided)


def test_paths_are_passed_as_they_are(tmp_path, clustered, cli):
    np.save(tmp_path / "a.npy", clustered[:2500])
    np.save(tmp_path / "b.npy", clustered[2500:])
    by_list = winnow.select([tmp_path / "a.npy", tmp_path / "b.npy"], 30, progress=False, evaluate=False)
    by_glob = winnow.select(str(tmp_path / "*.npy"), 30, progress=False, evaluate=False)
    whole = winnow.select(clustered, 30, progress=False, evaluate=False)
    assert np.array_equal(by_list.indices, by_glob.indices)
    assert np.array_equal(by_list.indices, whole.indices)
    files = [f["path"] for f in by_list.report["inputs"]]
    assert files == [os.fspath(tmp_path / "a.npy"), os.fspath(tmp_path / "b.npy")]


def test_options_and_side_inputs(clustered):
    ids = [f'doc-{i}, "{i % 7}"' for i in range(len(clustered))]  # commas and quotes survive the CSV
    picked = winnow.select(clustered, 20, objective="k-center", ids=ids, workers=2, seed=1, progress=False, evaluate=False)
    assert picked.ids == [ids[i] for i in picked.indices]
    assert picked.report["configuration"]["objective"] == "k-center"
    among = np.arange(0, 5000, 2)
    only_even = winnow.select(clustered, 20, rows=among, progress=False, evaluate=False)
    assert np.all(only_even.indices % 2 == 0)
    same = winnow.select(clustered, 20, objective="k-center", ids=ids, workers=0, seed=1, progress=False, evaluate=False)
    assert np.array_equal(picked.indices, same.indices)


def test_the_temporary_folder_is_removed(clustered, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", os.fspath(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    winnow.select(clustered, 10, progress=False, evaluate=False)
    assert os.listdir(tmp_path) == []


def test_progress_bar_runs_to_the_end(clustered, capsys):
    pytest.importorskip("tqdm")
    winnow.select(clustered, 10, progress=True, evaluate=False, workers=1)
    assert "winnow" in capsys.readouterr().err
