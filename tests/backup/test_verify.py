"""verify_archive and `manage.py tempo_backup_verify`: a whole archive passes; a damaged one
gives problems as sentences, never an exception."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from backup.verify import verify_archive

from .fakes import backup_now


@pytest.fixture
def archive(tempo) -> Path:
    backup = backup_now()
    assert backup.status == "succeeded", backup.error
    return Path(backup.path)


def rewrite(source: Path, target: Path, change) -> Path:
    """Copy the ZIP `source` to `target`, passing each member through change(name, data),
    which returns the new data or None to leave the member out."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = change(name, old.read(name))
            if data is not None:
                new.writestr(name, data)
    return target


def test_a_whole_archive_is_ok(archive):
    result = verify_archive(archive)
    assert result.ok and result.problems == []
    assert result.manifest["format"] == "worklog-report/tempo-backup"
    assert dict(result.checked)["worklogs"] == 3
    assert result.records == sum(e["records"] for e in result.manifest["data_sets"])


def test_the_check_after_writing_counts_lines_without_parsing_them(archive, tmp_path):
    assert verify_archive(archive, parse_lines=False).ok

    def drop_a_line(name, data):
        return data.split(b"\n", 1)[1] if name == "worklogs.jsonl" else data

    result = verify_archive(
        rewrite(archive, tmp_path / "short.zip", drop_a_line), parse_lines=False
    )
    assert any("records, the manifest says" in problem for problem in result.problems)
    assert any("SHA-256" in problem for problem in result.problems)


def test_a_changed_byte_in_a_member_is_found(archive, tmp_path):
    def tamper(name, data):
        # Same size, still JSON: only the hash can tell.
        return (
            data.replace(b'"tempoWorklogId":1,', b'"tempoWorklogId":7,', 1)
            if (name == "worklogs.jsonl")
            else data
        )

    result = verify_archive(rewrite(archive, tmp_path / "tampered.zip", tamper))
    assert not result.ok
    assert result.problems == [
        "worklogs: the SHA-256 of worklogs.jsonl differs from the manifest's."
    ]


def test_a_line_that_is_not_json_is_found(archive, tmp_path):
    def tamper(name, data):
        return data.replace(b"{", b"[", 1) if name == "worklogs.jsonl" else data

    result = verify_archive(rewrite(archive, tmp_path / "broken.zip", tamper))
    assert "worklogs: line 1 of worklogs.jsonl is not JSON." in result.problems


def test_a_missing_member_is_found(archive, tmp_path):
    def drop(name, data):
        return None if name == "teams.jsonl" else data

    result = verify_archive(rewrite(archive, tmp_path / "missing.zip", drop))
    assert result.problems == ["teams: teams.jsonl is missing from the archive."]


def test_a_missing_manifest_is_not_a_complete_backup(archive, tmp_path):
    result = verify_archive(
        rewrite(
            archive, tmp_path / "nomanifest.zip", lambda n, d: None if n == "manifest.json" else d
        )
    )
    assert result.problems == [
        "The archive has no manifest.json: it is not a complete Tempo backup."
    ]


def test_a_manifest_of_something_else_is_refused(archive, tmp_path):
    def other(name, data):
        return json.dumps({"format": "other"}).encode() if name == "manifest.json" else data

    result = verify_archive(rewrite(archive, tmp_path / "other.zip", other))
    assert result.problems == ["manifest.json does not describe a Tempo backup of this app."]


def test_a_truncated_archive_is_not_readable(archive, tmp_path):
    data = archive.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    result = verify_archive(cut)
    assert not result.ok
    assert result.problems[0].startswith("The file is not a readable ZIP archive")


def test_a_file_that_is_not_a_zip_and_no_file_at_all(tmp_path):
    text = tmp_path / "notes.zip"
    text.write_text("hello")
    assert verify_archive(text).problems[0].startswith("The file is not a readable ZIP archive")
    missing = verify_archive(tmp_path / "nothing.zip")
    assert missing.problems == [f"There is no file at {tmp_path / 'nothing.zip'}."]


def test_the_verify_command_says_whole(archive, capsys):
    call_command("tempo_backup_verify", str(archive))
    out = capsys.readouterr().out
    assert "worklogs: 3 records, SHA-256 matches" in out
    assert f"{archive} is whole:" in out


def test_the_verify_command_exits_1_on_a_damaged_archive(archive, tmp_path, capsys):
    damaged = rewrite(
        archive, tmp_path / "damaged.zip", lambda n, d: None if n == "teams.jsonl" else d
    )
    with pytest.raises(SystemExit) as exit_:
        call_command("tempo_backup_verify", str(damaged))
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "teams: teams.jsonl is missing from the archive." in err
    assert f"{damaged} is NOT a whole Tempo backup." in err


def test_the_verify_command_lists_skipped_data_sets(tempo, capsys):
    tempo.scopes = {"worklogs"}
    backup = backup_now()
    call_command("tempo_backup_verify", backup.path)
    out = capsys.readouterr().out
    assert "  teams: skipped. The token has no Teams scope." in out


def test_a_damaged_byte_anywhere_gives_problems_never_an_exception(archive, tmp_path):
    data = archive.read_bytes()
    with zipfile.ZipFile(archive) as zip_file:
        info = zip_file.getinfo("worklogs.jsonl")
    # The first byte of worklogs.jsonl's deflated data, after its local header.
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    target = tmp_path / "flipped.zip"
    positions = [start, start + 1, *range(0, len(data), 31)]
    for position in positions:
        damaged = bytearray(data)
        damaged[position] ^= 0xFF
        target.write_bytes(bytes(damaged))
        result = verify_archive(target)  # never raises
        if position in (start, start + 1):
            assert not result.ok, position
            assert any("worklogs" in p or "ZIP" in p for p in result.problems), result.problems


def test_a_manifest_without_a_list_of_data_sets_is_a_problem(archive, tmp_path):
    def other(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["data_sets"] = [1, 2]
        return json.dumps(manifest).encode()

    result = verify_archive(rewrite(archive, tmp_path / "odd.zip", other))
    assert result.problems == ["manifest.json does not list its data sets."]
