"""The artifact contract: a Parquet artifact is whole or absent, written in row groups as rows arrive."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from icecat_akeneo.artifacts import LOOKUPS, PYTHON_ROWS, STEPS, ParquetStream, Step, step_report


def test_rows_arrive_in_row_groups_and_the_file_appears_only_on_close(tmp_path: Path) -> None:
    rows = [{"identifier": str(i), "outcome": "found"} for i in range(5)]
    stream = LOOKUPS.stream(tmp_path, rows_per_group=2)
    stream.extend(rows)
    assert not LOOKUPS.path(tmp_path).exists()
    stream.close()
    assert pq.ParquetFile(LOOKUPS.path(tmp_path)).metadata.num_row_groups == 3
    assert [row["identifier"] for row in LOOKUPS.rows(tmp_path)] == ["0", "1", "2", "3", "4"]
    assert pq.read_schema(LOOKUPS.path(tmp_path)).names == LOOKUPS.schema.names


def test_a_row_group_larger_than_the_rows_held_as_python_is_written_whole(tmp_path: Path) -> None:
    """Rows become Arrow `PYTHON_ROWS` at a time, but a row group still holds `rows_per_group` rows: few
    large groups keep every reader's metadata small."""
    rows = [{"identifier": f"P{i}", "outcome": "found"} for i in range(2 * PYTHON_ROWS + 7)]
    with LOOKUPS.stream(tmp_path, rows_per_group=PYTHON_ROWS + 100) as stream:
        stream.extend(rows)
    metadata = pq.ParquetFile(LOOKUPS.path(tmp_path)).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [
        PYTHON_ROWS + 100, len(rows) - (PYTHON_ROWS + 100)]
    assert [row["identifier"] for row in LOOKUPS.rows(tmp_path)] == [row["identifier"] for row in rows]


def test_a_step_failing_mid_write_leaves_neither_the_artifact_nor_its_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError), ParquetStream(path, LOOKUPS.schema) as stream:
        stream.add({"identifier": "a"})
        raise RuntimeError("Icecat went away")
    assert list(tmp_path.iterdir()) == []


def test_the_steps_in_order_name_their_folders() -> None:
    assert [str(step) for step in STEPS] == ["extract", "enrich", "validate", "transform", "load"]
    assert step_report("run", Step.LOAD) == Path("run") / "load" / "report.json"
    assert LOOKUPS.rows(Path("nowhere")) == []
