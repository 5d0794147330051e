"""Re-reading a Tempo backup archive to prove it whole (docs/product.md §4.5).

`verify_archive` opens the ZIP, reads `manifest.json`, and for every data set the manifest
lists as written re-reads its JSON Lines member: its bytes, SHA-256 and number of records
must equal the manifest's, and every line must be JSON. Members are read as streams, one
block at a time, so memory stays flat in the archive's size.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .archive import FORMAT, MANIFEST

BLOCK = 1024 * 1024
# What zipfile raises on damaged bytes: a broken header or central directory, compressed data
# that does not inflate (zlib.error), a name that is not UTF-8 (UnicodeDecodeError, a
# ValueError), a compression method or flag it does not know (NotImplementedError).
DAMAGED = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    zlib.error,
    ValueError,
    NotImplementedError,
)


@dataclass
class Verification:
    """The outcome: `problems` are sentences; none means the archive is whole."""

    path: Path
    manifest: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)
    checked: list[tuple[str, int]] = field(default_factory=list)  # (data set, records)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def records(self) -> int:
        return sum(records for _, records in self.checked)


def verify_archive(path: Path | str, *, parse_lines: bool = True) -> Verification:
    """Check the archive at `path`; never raises for a damaged or missing archive (the
    problems say what is wrong).

    `parse_lines=False` (the check right after writing, whose lines the app's own JSON
    encoder wrote) checks bytes, SHA-256 and the number of lines without parsing each line;
    `tempo_backup_verify` parses every line too."""
    result = Verification(Path(path))
    try:
        with zipfile.ZipFile(result.path) as archive:
            _verify(archive, result, parse_lines)
    except FileNotFoundError:
        result.problems.append(f"There is no file at {result.path}.")
    except DAMAGED as exc:
        result.problems.append(f"The file is not a readable ZIP archive ({exc}).")
    return result


def _verify(archive: zipfile.ZipFile, result: Verification, parse_lines: bool) -> None:
    names = set(archive.namelist())
    if MANIFEST not in names:
        result.problems.append(
            "The archive has no manifest.json: it is not a complete Tempo backup."
        )
        return
    try:
        data = archive.read(MANIFEST)
    except DAMAGED as exc:
        result.problems.append(f"manifest.json cannot be read ({exc}).")
        return
    try:
        manifest = json.loads(data)
    except ValueError:
        result.problems.append("manifest.json is not JSON.")
        return
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        result.problems.append("manifest.json does not describe a Tempo backup of this app.")
        return
    result.manifest = manifest
    listed = {MANIFEST}
    entries = manifest.get("data_sets")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        result.problems.append("manifest.json does not list its data sets.")
        return
    for entry in entries:
        if entry.get("skipped") and not entry.get("file"):
            continue
        name = entry.get("file")
        if not isinstance(name, str):
            result.problems.append(f"{entry.get('name')}: manifest.json names no file.")
            continue
        listed.add(name)
        if name not in names:
            result.problems.append(f"{entry.get('name')}: {name} is missing from the archive.")
            continue
        records = _check_member(archive, name, entry, result, parse_lines)
        if records is not None:
            result.checked.append((entry.get("name", name), records))
    for extra in sorted(names - listed):
        result.problems.append(f"{extra} is in the archive but not in its manifest.")


def _check_member(
    archive: zipfile.ZipFile,
    name: str,
    entry: dict[str, Any],
    result: Verification,
    parse_lines: bool = True,
) -> int | None:
    digest, size, records, bad_line, tail = hashlib.sha256(), 0, 0, None, b""
    try:
        with archive.open(name) as member:
            while block := member.read(BLOCK):
                digest.update(block)
                size += len(block)
                if not parse_lines:
                    records += block.count(b"\n")
                    tail = block[-1:] if block[-1:] != b"\n" else b""
                    continue
                lines = (tail + block).split(b"\n")
                tail = lines.pop()
                for line in lines:
                    records += 1
                    if bad_line is None and not _is_json(line):
                        bad_line = records
    except DAMAGED as exc:
        result.problems.append(f"{entry.get('name')}: {name} cannot be read ({exc}).")
        return None
    if tail:
        records += 1
        if parse_lines and bad_line is None and not _is_json(tail):
            bad_line = records
    label = entry.get("name", name)
    before = len(result.problems)
    if digest.hexdigest() != entry.get("sha256"):
        result.problems.append(f"{label}: the SHA-256 of {name} differs from the manifest's.")
    if size != entry.get("bytes"):
        result.problems.append(
            f"{label}: {name} holds {size} bytes, the manifest says {entry.get('bytes')}."
        )
    if records != entry.get("records"):
        result.problems.append(
            f"{label}: {name} holds {records} records, the manifest says {entry.get('records')}."
        )
    if bad_line is not None:
        result.problems.append(f"{label}: line {bad_line} of {name} is not JSON.")
    return records if len(result.problems) == before else None


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True
