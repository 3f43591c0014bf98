import json

import numpy as np

import winnow


def test_cluster_gives_the_cli_bytes(tmp_path, clustered, cli, same_bytes):
    np.save(tmp_path / "pool.npy", clustered)
    cli("cluster", "--input", tmp_path / "pool.npy", "--k", 40, "--out", tmp_path / "cli", "--quiet")
    got = winnow.cluster(clustered, 40, out=tmp_path / "api", progress=False)
    for name in ("centroids.npy", "assignments.npy"):
        same_bytes(tmp_path / "api" / name, tmp_path / "cli" / name)
    assert got.centroids.shape == (40, 64) and got.assignments.shape == (5000,)
    assert set(np.unique(got.assignments)) <= set(range(40))


def test_dedup_gives_the_cli_bytes_and_drops_planted_copies(tmp_path, clustered, cli, same_bytes):
    rng = np.random.default_rng(1)
    copies = clustered[:100] + 1e-3 * rng.normal(size=(100, 64)).astype(np.float32)
    X = np.vstack([clustered, copies])
    np.save(tmp_path / "pool.npy", X)
    cli("dedup", "--input", tmp_path / "pool.npy", "--threshold", 0.95, "--out", tmp_path / "cli", "--quiet")
    got = winnow.dedup(X, 0.95, out=tmp_path / "api", progress=False)
    for name in ("kept.npy", "max_similarity.npy", "dropped.csv"):
        same_bytes(tmp_path / "api" / name, tmp_path / "cli" / name)
    assert "border" in json.load(open(tmp_path / "api" / "report.json")), "the border check is on by default"
    dropped = set(got.dropped["row"].tolist())
    # Each planted copy or its original goes (the walk keeps the earlier row).
    assert all(i in dropped or 5000 + i in dropped for i in range(100))
    assert len(got.kept) + len(dropped) == len(X)
    assert np.all(got.dropped["similarity"] > 0.95)
    assert np.all(got.max_similarity[got.dropped["row"]] > 0.95)


def test_dedup_without_the_border_check_gives_the_cli_bytes(tmp_path, clustered, cli, same_bytes):
    np.save(tmp_path / "pool.npy", clustered)
    cli("dedup", "--input", tmp_path / "pool.npy", "--threshold", 0.9, "--no-border-check", "--out", tmp_path / "cli",
        "--quiet")
    winnow.dedup(clustered, 0.9, border_check=False, out=tmp_path / "api", progress=False)
    same_bytes(tmp_path / "api" / "kept.npy", tmp_path / "cli" / "kept.npy")
    assert "border" not in json.load(open(tmp_path / "api" / "report.json"))
