import os
import subprocess

import numpy as np
import pytest

import winnow


@pytest.fixture(scope="session")
def cli():
    """Runs the same binary the package runs; returns the completed process (raises on failure)."""
    def run(*args):
        done = subprocess.run([winnow.binary(), *map(str, args)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done
    return run


@pytest.fixture(scope="session")
def clustered():
    """5,000 × 64 float32 rows in 40 clusters, seeded."""
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(40, 64)).astype(np.float32)
    X = centres[rng.integers(0, 40, 5000)] + 0.3 * rng.normal(size=(5000, 64)).astype(np.float32)
    return X.astype(np.float32)


def read(path):
    with open(path, "rb") as f:
        return f.read()


@pytest.fixture
def same_bytes():
    def check(a, b):
        assert read(a) == read(b), f"{a} and {b} differ"
    return check


def pytest_report_header(config):
    return f"winnow binary: {winnow.binary()}"


os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
