"""The study folder: streaming Parquet, manifest, log, atomic writes and resume.

Layout of a study folder::

    manifest.json        what ran, with which versions, seeds, timings, machine
    study.toml           a copy of the study file
    run.log              one line per event, appended
    points.parquet       the parameter points
    units/p{point}_c{chunk}.parquet
                         sufficient statistics of one completed (point, chunk) unit
    series/p{point}_c{chunk}.parquet
                         per-step time series of the unit's replicates (when asked)
    timeseries.parquet   all unit time series in (point, replicate, step) order
    estimates.parquet    the tidy table (see docs/ARCHITECTURE.md)
    boundary.parquet     analytic classification beside the estimate (when asked)
    sensitivity.parquet  Sobol indices (when asked)

Every file is written to a temporary name in the same folder and moved into place with
:func:`os.replace` (atomic on POSIX), so a process killed at any moment leaves either
the old file or the new one, never a partial one.  A unit file exists only once its
unit is complete, so resuming computes exactly the units without a file.  A unit's time
series is written before its statistics, so a completed unit always has its series; a
unit killed in between is recomputed and its series rewritten with the same numbers.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from supercoherence.errors import StudyFileError

__all__ = ["ResultStore", "atomic_write"]

_UNIT = re.compile(r"^p(\d+)_c(\d+)\.parquet$")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then move it into place.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "a.txt", lambda tmp: tmp.write_text("done"))
    >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('done', ['a.txt'])
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


class ResultStore:
    """A study folder (see the module docstring).

    Parameters
    ----------
    directory : str or Path
        The folder; created if needed.

    Examples
    --------
    >>> import tempfile
    >>> store = ResultStore(Path(tempfile.mkdtemp()) / "run")
    >>> store.write_unit(0, 1, {"n": [3]})
    >>> store.completed_units()
    {(0, 1)}
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.units = self.directory / "units"
        self.series = self.directory / "series"
        self.units.mkdir(parents=True, exist_ok=True)
        self._remove_temporaries()

    def _remove_temporaries(self) -> None:
        for folder in (self.directory, self.units, self.series):
            if not folder.is_dir():
                continue
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)

    # ---------------------------------------------------------------- study identity

    def claim(self, fingerprint: str, study_text: str) -> bool:
        """Check that the folder belongs to the study with ``fingerprint``.

        Returns True if results of this study already exist (a resume).

        Raises
        ------
        StudyFileError
            If the folder holds results of a different study.
        """
        manifest = self.read_manifest()
        if manifest is None:
            if any(self.units.iterdir()):
                raise StudyFileError(self.directory, "", "holds unit files but no manifest")
            return False
        if manifest.get("fingerprint") != fingerprint:
            raise StudyFileError(
                self.directory,
                "",
                "holds results of a different study (the study file changed); "
                "choose another output folder or remove this one",
            )
        return True

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None if there is none yet."""
        path = self.directory / "manifest.json"
        if not path.exists():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``manifest.json`` atomically."""
        self.write_text("manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")

    def write_text(self, name: str, text: str) -> None:
        """Write a text file of the folder atomically."""
        atomic_write(self.directory / name, lambda tmp: tmp.write_text(text, encoding="utf-8"))

    # ---------------------------------------------------------------- units

    def unit_path(self, point: int, chunk: int) -> Path:
        """Path of the file of unit ``(point, chunk)``."""
        return self.units / f"p{point:06d}_c{chunk:06d}.parquet"

    def completed_units(self) -> set[tuple[int, int]]:
        """The ``(point, chunk)`` units that have a file."""
        done = set()
        for path in self.units.iterdir():
            match = _UNIT.match(path.name)
            if match:
                done.add((int(match.group(1)), int(match.group(2))))
        return done

    def write_unit(self, point: int, chunk: int, columns: dict[str, Any]) -> None:
        """Store one unit's statistics (a dict of equal-length columns) atomically."""
        table = pa.table(columns)
        atomic_write(self.unit_path(point, chunk), lambda tmp: pq.write_table(table, tmp))

    def read_units(self) -> pd.DataFrame:
        """All unit files as one frame with ``point`` and ``chunk`` columns, sorted."""
        frames = []
        for point, chunk in sorted(self.completed_units()):
            frame = pq.read_table(self.unit_path(point, chunk)).to_pandas()
            frame.insert(0, "chunk", chunk)
            frame.insert(0, "point", point)
            frames.append(frame)
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True)

    # ---------------------------------------------------------------- time series

    def series_path(self, point: int, chunk: int) -> Path:
        """Path of the time-series file of unit ``(point, chunk)``."""
        return self.series / f"p{point:06d}_c{chunk:06d}.parquet"

    def write_unit_series(self, point: int, chunk: int, frame: pd.DataFrame) -> None:
        """Store one unit's per-step time series atomically (before its statistics)."""
        self.series.mkdir(exist_ok=True)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        atomic_write(self.series_path(point, chunk), lambda tmp: pq.write_table(table, tmp))

    def consolidate_series(self, name: str = "timeseries") -> Path:
        """Concatenate the unit time series of every completed unit into ``name.parquet``.

        Units are appended in ``(point, chunk)`` order, one row group each, so memory
        holds one unit at a time; the file appears atomically.

        Returns
        -------
        Path
            The consolidated file.

        Raises
        ------
        StudyFileError
            If a completed unit has no time series (the folder was tampered with).
        """
        units = sorted(self.completed_units())
        missing = [unit for unit in units if not self.series_path(*unit).exists()]
        if missing or not units:
            where = f"p{missing[0][0]}_c{missing[0][1]}" if missing else "every unit"
            raise StudyFileError(self.directory, f"series/{where}", "missing time series")

        def write(tmp: Path) -> None:
            first = pq.read_table(self.series_path(*units[0]))
            with pq.ParquetWriter(tmp, first.schema) as writer:
                writer.write_table(first)
                for unit in units[1:]:
                    writer.write_table(pq.read_table(self.series_path(*unit)))

        path = self.directory / f"{name}.parquet"
        atomic_write(path, write)
        return path

    # ---------------------------------------------------------------- tables

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """Write ``name.parquet`` atomically (no pandas index)."""
        table = pa.Table.from_pandas(frame, preserve_index=False)
        atomic_write(self.directory / f"{name}.parquet", lambda tmp: pq.write_table(table, tmp))

    def read_table(self, name: str) -> pd.DataFrame | None:
        """``name.parquet`` as a frame, or None if absent."""
        path = self.directory / f"{name}.parquet"
        return pd.read_parquet(path) if path.exists() else None

    # ---------------------------------------------------------------- log

    def logger(self) -> logging.Logger:
        """A logger appending to ``run.log`` (one flushed line per event)."""
        logger = logging.getLogger(f"supercoherence.study.{self.directory.resolve()}")
        logger.setLevel(logging.INFO)
        logger.propagate = False
        if not logger.handlers:
            handler = logging.FileHandler(self.directory / "run.log", encoding="utf-8")
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            logger.addHandler(handler)
        return logger

    def close_logger(self) -> None:
        """Close the log file."""
        logger = logging.getLogger(f"supercoherence.study.{self.directory.resolve()}")
        for handler in list(logger.handlers):
            handler.close()
            logger.removeHandler(handler)
