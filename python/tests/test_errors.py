import numpy as np
import pytest

import winnow
from winnow.errors import from_exit


def test_nan_row_is_an_input_error_naming_the_row():
    X = np.random.default_rng(0).random((200, 8))
    X[17, 3] = np.nan
    with pytest.raises(winnow.WinnowInputError) as e:
        winnow.select(X, 5, progress=False)
    assert e.value.code == 65 and "row 17" in str(e.value) and "X" in str(e.value)
    assert isinstance(e.value, ValueError)
    skipped = winnow.select(X, 5, nonfinite="skip", progress=False, evaluate=False)
    assert 17 not in skipped.indices


def test_shapes_and_dtypes_that_cannot_be_a_pool():
    with pytest.raises(winnow.WinnowInputError, match="2-D"):
        winnow.select(np.zeros(10), 2)
    with pytest.raises(winnow.WinnowInputError, match="empty"):
        winnow.select(np.zeros((0, 4)), 2)
    with pytest.raises(winnow.WinnowInputError, match="real numbers"):
        winnow.select(np.zeros((10, 4), dtype=complex), 2)
    with pytest.raises(TypeError):
        winnow.select(object(), 2)


def test_usage_error_carries_the_message_and_code():
    with pytest.raises(winnow.WinnowUsageError) as e:
        winnow.select(np.random.rand(100, 4), 5, chunk_rows=-3, progress=False)
    assert e.value.code == 64 and "chunk-rows" in str(e.value)


def test_missing_file_is_an_error_not_a_crash(tmp_path):
    with pytest.raises(winnow.WinnowError) as e:
        winnow.select(tmp_path / "nothing.npy", 5, progress=False)
    assert e.value.code in (64, 65) and "nothing.npy" in str(e.value)


def test_exit_codes_map_to_exceptions():
    assert isinstance(from_exit(75, "error: stopped by SIGTERM\n", ["winnow"], "out"), winnow.WinnowResumableError)
    assert isinstance(from_exit(69, "error: journal of another run\n", ["winnow"], "out"), winnow.WinnowIncompatibleError)
    assert isinstance(from_exit(73, "error: read-only\n", ["winnow"], "out"), winnow.WinnowOutputError)
    assert type(from_exit(70, "boom\n", ["winnow"], None)) is winnow.WinnowError
    e = from_exit(75, "info: x\nerror: stopped by SIGTERM\n", ["winnow"], "out")
    assert e.message == "error: stopped by SIGTERM" and e.out == "out"
