import socket
import subprocess
import time

import numpy as np
import pytest

import winnow


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_status_of_a_running_coordinator(tmp_path):
    np.save(tmp_path / "pool.npy", np.random.default_rng(0).random((3000, 8)).astype(np.float32))
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    coordinator = subprocess.Popen(
        [winnow.binary(), "coordinator", "--bind", endpoint, "--input", str(tmp_path / "pool.npy"), "--budget", "5",
         "--out", str(tmp_path / "out"), "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while True:
            try:
                status = winnow.status(endpoint, timeout=2)
                break
            except winnow.WinnowResumableError:
                assert time.time() < deadline and coordinator.poll() is None
        assert status["state"] == "running" and status["total_rows"] == 3000 and status["workers_alive"] == 0
    finally:
        coordinator.terminate()
        assert coordinator.wait(timeout=30) == 75
    with pytest.raises(winnow.WinnowResumableError):
        winnow.status(endpoint, timeout=0.5)
