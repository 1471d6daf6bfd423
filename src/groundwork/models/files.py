"""A model's files as {relative path: text}, read from a folder or a zip, within bounds:
a model is a few hundred small YAML files, and an upload is untrusted."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

from groundwork.models import ModelError

MAX_FILES = 2_000
MAX_FILE_BYTES = 1_000_000
MAX_TOTAL_BYTES = 20_000_000
YAML_SUFFIXES = (".yml", ".yaml")


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ModelError(f"{name}: not UTF-8 text") from None


def files_from_dir(root: str | Path) -> dict[str, str]:
    """The YAML files under ``root`` by path relative to it (symlinks not followed)."""
    root = Path(root)
    if not root.is_dir():
        raise ModelError(f"{root}: not a folder")
    out: dict[str, str] = {}
    total = 0
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.suffix not in YAML_SUFFIXES:
            continue
        if len(out) == MAX_FILES:
            raise ModelError(f"{root}: more than {MAX_FILES} YAML files")
        size = path.stat().st_size
        total += size
        if size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
            raise ModelError(f"{path}: the model's files are too large")
        out[path.relative_to(root).as_posix()] = _decode(str(path), path.read_bytes())
    return out


def files_from_zip(data: bytes, max_bytes: int = MAX_TOTAL_BYTES) -> dict[str, str]:
    """The YAML members of a zip by their path. Refuses a zip larger than ``max_bytes``,
    with too many members, with a member that climbs out of the archive (``../``, an
    absolute path) or that unpacks to more than the limits (a zip bomb)."""
    if len(data) > max_bytes:
        raise ModelError(f"the zip is larger than {max_bytes:,} bytes")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ModelError("not a zip file") from None
    members = archive.infolist()
    if len(members) > MAX_FILES:
        raise ModelError(f"the zip has more than {MAX_FILES} members")
    out: dict[str, str] = {}
    total = 0
    for info in members:
        name = PurePosixPath(info.filename.replace("\\", "/"))
        if name.is_absolute() or ".." in name.parts or (name.parts and ":" in name.parts[0]):
            raise ModelError(f"{info.filename}: a path outside the zip")
        if info.is_dir() or name.suffix not in YAML_SUFFIXES:
            continue
        total += info.file_size
        if info.file_size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
            raise ModelError(f"{info.filename}: the model's files are too large")
        with archive.open(info) as member:
            raw = member.read(MAX_FILE_BYTES + 1)  # never trust the declared size alone
        if len(raw) > MAX_FILE_BYTES:
            raise ModelError(f"{info.filename}: the model's files are too large")
        out[name.as_posix()] = _decode(info.filename, raw)
    return out
