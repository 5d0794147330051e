"""The archive of a Tempo backup: a ZIP of one JSON Lines file per data set plus
`manifest.json`, written as a stream (docs/product.md §4.5; README "Tempo backup").

The ZIP is produced by stream-zip (ZIP64, deflated), one page of records at a time, so
memory stays flat whatever the number of worklogs. Each member's bytes, records, pages and
SHA-256 are counted while it is written, and `manifest.json` is the last member, so a
manifest can only exist when every data set before it was written in full.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from stream_zip import ZIP_64, stream_zip

FORMAT = "worklog-report/tempo-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MODE = stat.S_IFREG | 0o600


@dataclass
class MemberStats:
    """What one JSON Lines member holds: counted while it is written, checked on verify."""

    records: int = 0
    pages: int = 0
    bytes: int = 0
    digest: Any = field(default_factory=hashlib.sha256)

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()

    def add(self, data: bytes, records: int) -> None:
        self.records += records
        self.pages += 1
        self.bytes += len(data)
        self.digest.update(data)


# One encoder for every line: json.dumps with arguments builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def json_line(record: Any) -> str:
    return _ENCODER.encode(record) + "\n"


def jsonl_chunks(pages: Iterable[list[Any]], stats: MemberStats) -> Iterator[bytes]:
    """One chunk of JSON Lines (UTF-8) per page of records, counted into `stats`."""
    encode = _ENCODER.encode
    for page in pages:
        data = "".join([encode(record) + "\n" for record in page]).encode()
        stats.add(data, len(page))
        del page  # not held while the next page is read
        yield data
        del data


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()


def _compressor():
    # Deflate at level 6 (zlib's default): stream-zip's level 9 costs a fifth of the backup's
    # time for a few percent of size (docs/benchmarks.md, Tempo backup).
    return zlib.compressobj(level=6, wbits=-zlib.MAX_WBITS)


def write_zip(
    path: Path, members: Iterable[tuple[str, Iterable[bytes]]], modified: datetime
) -> int:
    """Write the members (name, chunks) as a ZIP at `path`, which must not exist yet, and
    return its size in bytes. The file is flushed to disk (fsync) before this returns.

    Raises OSError (a full disk: errno ENOSPC) and whatever the members' chunks raise; the
    caller removes the unfinished file.
    """
    files = ((name, modified, MODE, ZIP_64, chunks) for name, chunks in members)
    # Readable by the app's user only: the archive holds all of Tempo's data.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as archive:
        for chunk in stream_zip(files, get_compressobj=_compressor):
            archive.write(chunk)
        archive.flush()
        os.fsync(archive.fileno())
        return archive.tell()
