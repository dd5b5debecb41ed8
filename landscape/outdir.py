"""Result folders: safe names, a writable ``--out``, atomic replacement, stale staging.

A run writes ``OUT/NAME/`` and nothing else. The rules that keep that true:

- ``NAME`` is one safe path component (``safe_name``): not empty, no separator,
  no NUL or control character, not ``.`` or ``..``, not hidden, at most 255
  bytes. A scenario's ``name`` is checked when the file is loaded, before any
  work.
- ``OUT`` is checked before the computation starts (``check_out``): it must be a
  folder, or a path whose missing folders can be created, and writable; the
  check makes and removes a probe, so it leaves nothing behind.
- Every result folder holds the marker file ``MARKER``. An existing ``OUT/NAME``
  is replaced only when it carries the marker (or is a result folder written
  before the marker existed: only the files the tool writes, with a
  ``results.json`` that has a ``schema_version``); any other folder, a file or a
  link there is left alone and the run stops with one line.
- The folder is filled in a staging folder ``OUT/.NAME.landscape-stage-PID-XXXX``
  and renamed into place; a failure or a signal removes the staging folder, and
  staging folders left by a killed process (its PID gone) are removed by the
  next run into the same ``OUT``.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from .errors import LandscapeError

MARKER = ".landscape-result"
"""The file every result folder carries, so that only such folders are ever replaced."""

MARKER_TEXT = "written by landscape; a folder with this file may be replaced by the next run of the same name\n"

_STAGE = "landscape-stage"
_STAGE_RE = re.compile(r"^\..*\.landscape-(?:stage|old)-(\d+)-[^/]*$")
_OUR_SUFFIXES = {".png", ".pdf", ".svg", ".gif", ".json", ".csv", ".md"}


def safe_name(name, where: str) -> str:
    """``name`` if it is one safe path component, else LandscapeError naming ``where``."""
    if not isinstance(name, str) or not name.strip():
        raise LandscapeError(f"{where}: expected a non-empty name (one folder name, no '/'), got {name!r}")
    why = None
    if "/" in name or "\\" in name:
        why = "it contains a path separator"
    elif name in (".", ".."):
        why = "it is not a folder name"
    elif name.startswith("."):
        why = "it would be a hidden folder"
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        why = "it contains a control character"
    elif name != name.strip():
        why = "it starts or ends with white space"
    elif len(name.encode("utf-8", "surrogatepass")) > 255:
        why = "it is longer than 255 bytes"
    if why:
        raise LandscapeError(f"{where}: {name!r} cannot name a result folder: {why} "
                             "(use letters, digits, '-', '_' and '.')")
    return name


def check_out(out, names=(), option: str = "--out") -> Path:
    """``out`` as a Path once it is known that ``out/NAME`` can be written for each of ``names``.

    Missing parent folders are created for a probe and removed again, so a check
    that passes or fails leaves the file system as it was. An ``out/NAME`` that
    exists must be a result folder this tool wrote (``check_target``).
    """
    if out is None or not str(out).strip():
        raise LandscapeError(f"{option}: expected a folder path, got an empty string")
    path = Path(out)
    if "\0" in str(out):
        raise LandscapeError(f"{option}: the path contains a NUL character")
    existing = path
    missing: list[Path] = []
    while not existing.exists() and not existing.is_symlink():
        missing.append(existing)
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise LandscapeError(f"{option}: {existing} is a file, not a folder")
    made: list[Path] = []
    try:
        for folder in reversed(missing):
            folder.mkdir()
            made.append(folder)
        probe = tempfile.mkdtemp(dir=path, prefix=f".probe.{_STAGE}-{os.getpid()}-")
        os.rmdir(probe)
    except OSError as err:
        raise LandscapeError(f"{option}: cannot write into {path}: {err.strerror or err}") from None
    finally:
        for folder in reversed(made):
            try:
                folder.rmdir()
            except OSError:
                pass
    for name in names:
        check_target(path, name)
    return path


def check_target(out: Path, name: str) -> Path:
    """``out/name``, once it is known to be absent or a result folder this tool may replace."""
    target = Path(out) / safe_name(name, "result folder")
    if target.is_symlink() or (target.exists() and not is_result_folder(target)):
        what = "a link" if target.is_symlink() else "a file" if not target.is_dir() else \
            "a folder this tool did not write"
        raise LandscapeError(f"{target} is {what}; it is left alone: remove it or choose another --out")
    return target


def is_result_folder(folder: Path) -> bool:
    """True when ``folder`` is a real folder this tool wrote (the marker, or a pre-marker result)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    if (folder / MARKER).is_file():
        return True
    try:
        entries = list(folder.iterdir())
        results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(results, dict) and "schema_version" in results
            and all(p.is_file() and not p.is_symlink() and p.suffix in _OUR_SUFFIXES for p in entries))


def clean_stale(out: Path) -> list[Path]:
    """Remove staging folders that killed runs left in ``out`` (their process is gone)."""
    removed = []
    try:
        entries = list(Path(out).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _STAGE_RE.match(entry.name)
        if not m or entry.is_symlink() or not entry.is_dir() or _alive(int(m.group(1))):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid < 2**22  # another user's live process, or a number no process has
    return True


def write_folder(out, name: str, fill) -> tuple[Path, dict]:
    """Create ``out/name/`` atomically: ``fill(stage)`` writes into a staging folder that
    then replaces the target, so a failure (or a signal) never leaves a folder half-written."""
    from . import signals

    out = Path(out)
    target = check_target(out, name)
    out.mkdir(parents=True, exist_ok=True)
    clean_stale(out)
    prefix = f".{name}.{_STAGE}-{os.getpid()}-"
    stage = None
    try:  # from before the staging folder exists: a signal may land between mkdtemp and the next line
        stage = Path(tempfile.mkdtemp(dir=out, prefix=prefix))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(stage, 0o777 & ~umask)  # mkdtemp makes it private; the result is an ordinary folder
        data = fill(stage)
        (stage / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        signals.check()  # a signal whose exception something below swallowed still stops us here
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=out, prefix=f".{name}.landscape-old-{os.getpid()}-"))
            os.replace(target, old / "x")
            os.replace(stage, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(stage, target)
    except BaseException:
        # this process's staging folders: the one being filled, or one mkdtemp made just before
        # a signal interrupted it, when ``stage`` was never assigned
        for folder in ([stage] if stage is not None else list(out.glob(f"{glob.escape(prefix)}*"))):
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return target, data
