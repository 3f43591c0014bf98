"""What a run gives back, read from its output folder into memory."""
import csv
import json
import os

import numpy as np


def _report(out):
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f)


class Selection:
    """A selection: `indices` (int64 pool rows, in greedy order), `gains` (each pick's marginal gain),
    `weights` (rows each pick represents; `weights_kind` says exact, estimate or importance), `ids`
    (the picks' ids, when ids were given), `report` (report.json as a dict), `quality` (its quality
    section: objective, random baseline, gap closed; None with evaluate=False) and `out` (the output
    folder, or None when it was temporary)."""

    def __init__(self, out, keep):
        self.report = _report(out)
        self.indices = np.load(os.path.join(out, "selection.npy"))
        with open(os.path.join(out, "selection.csv"), newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        self.weights_kind = self.report.get("selection", {}).get("weights", header[-1])
        self.gains = np.array([float(r[header.index("gain")]) for r in body], dtype=np.float64)
        self.weights = np.array([float(r[-1]) for r in body], dtype=np.float64)
        ids = [r[header.index("id")] for r in body]
        self.ids = ids if any(ids) else None
        self.out = out if keep else None

    @property
    def quality(self):
        return self.report.get("quality")

    def __len__(self):
        return len(self.indices)

    def __repr__(self):
        return f"Selection({len(self.indices):,} rows, weights={self.weights_kind!r})"


class Clustering:
    """A k-means: `centroids` (k × d float32), `assignments` (int32 per pool row, −1 for a row left
    out), `report`, `out`."""

    def __init__(self, out, keep):
        self.report = _report(out)
        self.centroids = np.load(os.path.join(out, "centroids.npy"))
        self.assignments = np.load(os.path.join(out, "assignments.npy"))
        self.out = out if keep else None

    def __repr__(self):
        return f"Clustering({self.centroids.shape[0]:,} clusters of {len(self.assignments):,} rows)"


class Dedup:
    """A de-duplication: `kept` (int64 rows, ascending), `dropped` (a dict of arrays `row`,
    `nearest_kept`, `similarity`, `cluster`, one entry per dropped row), `max_similarity` (float32 per
    pool row, to sweep a threshold afterwards), `kept_ids` (with ids), `report`, `out`."""

    def __init__(self, out, keep):
        self.report = _report(out)
        self.kept = np.load(os.path.join(out, "kept.npy"))
        self.max_similarity = np.load(os.path.join(out, "max_similarity.npy"))
        with open(os.path.join(out, "dropped.csv"), newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        column = {name: [r[i] for r in body] for i, name in enumerate(header)}
        self.dropped = {
            "row": np.array(column["row"], dtype=np.int64),
            "nearest_kept": np.array(column["nearest_kept"], dtype=np.int64),
            "similarity": np.array(column["similarity"], dtype=np.float32),
            "cluster": np.array(column["cluster"], dtype=np.int64),
        }
        ids_path = os.path.join(out, "kept_ids.txt")
        self.kept_ids = open(ids_path).read().splitlines() if os.path.exists(ids_path) else None
        self.out = out if keep else None

    def __repr__(self):
        return f"Dedup({len(self.kept):,} kept, {len(self.dropped['row']):,} dropped)"
