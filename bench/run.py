"""`make bench`: sync, report and Tempo backup measured against their limits (§8).

Seeds a fresh sandbox at each size, syncs it into a fresh app database (SQLite, or the
PostgreSQL of DATABASE_URL), runs every measurement in this one process, prints a table and
writes bench/results.json (bench/results-postgresql.json on PostgreSQL). The Tempo backup is
measured at the largest size (throughput against downloading the same pages) and at both
memory sizes (peak memory). `python -m bench.run --help` lists the options.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (requests, Tempo worklogs): about 1k, 10k and 50k worklogs, the largest over 2,000 requests.
SIZES = [(100, 1_000), (600, 10_000), (2_000, 50_000)]
MEMORY_SIZES = [(300, 5_000), (2_000, 50_000)]


def configure_django() -> None:
    from cryptography.fernet import Fernet

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "worklog_report.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + Fernet.generate_key().decode())
    os.environ.setdefault("ENCRYPTION_KEYS", Fernet.generate_key().decode())
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django

    django.setup()
    from django.conf import settings

    # Pages render with the source static files (no collectstatic in a benchmark). The sync
    # and its download-only limit both keep TempoClient's spacing (0.2 s between requests);
    # the backup and its download-only limit both drop it (bench/tempo_backup.py).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def fresh_sandbox(requests: int, worklogs: int, workdir: Path):
    """A new sandbox seeded at this size, an empty app database, and the app pointed at it."""
    from django.conf import settings
    from django.core.management import call_command

    from sandbox.process import SandboxProcess

    call_command("flush", interactive=False, verbosity=0)
    sandbox = SandboxProcess(
        workdir / f"sandbox-{requests}-{worklogs}",
        seed_args=["--requests", str(requests), "--worklogs", str(worklogs)],
    ).start()
    settings.TEMPO_BASE_URL = sandbox.tempo_url
    settings.JIRA_BASE_URL = f"{sandbox.url}/jira"
    settings.JIRA_EMAIL = "admin@sandbox.example"
    settings.JIRA_API_TOKEN = "sandbox-jira-token"
    return sandbox


def measure_size(
    requests: int,
    worklogs: int,
    workdir: Path,
    repeat: int,
    page_size: int,
    *,
    sync_and_report: bool = True,
    backup: bool = False,
):
    """The measurements at one size: sync and report, and the backup's when `backup`."""
    from bench import measure

    sandbox = fresh_sandbox(requests, worklogs, workdir)
    try:
        prepared = measure.prepare(sandbox, page_size)
        total = sum(prepared.worklogs_per_project.values())
        result = {"requests": measure.requests_in_enabled_projects(), "worklogs": total}
        if sync_and_report:
            result.update(measure_sync_and_report(sandbox, prepared, repeat, page_size))
        if backup:
            # Last: it replaces the stored worklogs-only token with a full-access one.
            result["backup"] = measure_backup(sandbox, workdir / f"backups-{worklogs}", repeat)
        return result
    finally:
        sandbox.stop()


def measure_sync_and_report(sandbox, prepared, repeat: int, page_size: int) -> dict:
    from bench import measure

    sandbox.client.reset_request_count()
    run = measure.full_sync(page_size)
    sync_requests = sandbox.client.request_count("tempo")
    expected = measure.expected_requests(prepared, page_size)

    sync_s, limit_s = measure.side_by_side(
        lambda: measure.full_sync(page_size),
        lambda: measure.download_everything(prepared, page_size),
        repeat,
    )
    sandbox.client.reset_request_count()
    incremental_s = measure.timed(lambda: measure.sync_tempo(page_size=page_size))
    incremental_requests = sandbox.client.request_count("tempo")

    queries = measure.report_queries(prepared)
    page_s, aggregate_s, report_worklogs = measure.report_vs_aggregate(prepared, repeat)
    assert measure.ours_equals_peer(prepared), "the peer design disagrees with ours"
    peer_s, ours_s = measure.side_by_side(
        lambda: measure.peer_report(prepared),
        lambda: measure.report_client(prepared).get(
            measure.report_url(prepared, measure.largest_project(prepared)), secure=True
        ),
        repeat,
    )
    return {
        "worklogs_stored": run.counts["worklogs"],
        "sync_requests": {"value": sync_requests, "unit": "HTTP requests"},
        "sync_requests_expected": {"value": expected, "unit": "ceil(N_project / page size)"},
        "sync_seconds": {"value": sync_s, "unit": "s"},
        "download_only_seconds": {"value": limit_s, "unit": "s"},
        "sync_vs_limit": {"value": limit_s / sync_s, "unit": "ratio (target >= 0.5)"},
        "incremental_requests_per_project": {
            "value": incremental_requests / len(prepared.projects),
            "unit": "HTTP requests (target 1)",
        },
        "incremental_seconds": {"value": incremental_s, "unit": "s"},
        "report_queries": {"value": queries, "unit": "SQL queries"},
        "report_worklogs": report_worklogs,
        "report_seconds": {"value": page_s, "unit": "s"},
        "aggregate_seconds": {"value": aggregate_s, "unit": "s"},
        "report_vs_aggregate": {"value": page_s / aggregate_s, "unit": "ratio (target <= 3)"},
        "peer_seconds": {"value": peer_s, "unit": "s"},
        "peer_vs_ours": {"value": peer_s / ours_s, "unit": "ratio (higher: we are faster)"},
    }


def measure_backup(sandbox, directory: Path, repeat: int) -> dict:
    """A full Tempo backup (read, zipped, verified) side by side with downloading the same
    pages, both without Tempo's spacing; its HTTP requests and archive."""
    from bench import measure, tempo_backup

    tempo_backup.store_full_access(sandbox)
    sandbox.client.reset_request_count()
    downloaded = tempo_backup.download_backup_pages()
    download_requests = sandbox.client.request_count("tempo")
    sandbox.client.reset_request_count()
    backup = tempo_backup.run_backup_once(directory)
    backup_requests = sandbox.client.request_count("tempo")
    written = {entry["name"]: entry["records"] for entry in backup.written}
    assert written == {k: v for k, v in downloaded.items() if v is not None}, (
        written,
        downloaded,
    )
    backup_s, download_s = measure.side_by_side(
        lambda: tempo_backup.run_backup_once(directory),
        tempo_backup.download_backup_pages,
        repeat,
    )
    return {
        "records": backup.records,
        "records_per_data_set": written,
        "skipped": [entry["name"] for entry in backup.skipped],
        "backup_requests": {"value": backup_requests, "unit": "HTTP requests"},
        "download_requests": {
            "value": download_requests,
            "unit": "HTTP requests (the backup's, less one per JSM project: its 404 probe)",
        },
        "archive_bytes": {"value": backup.size_bytes, "unit": "bytes"},
        "backup_seconds": {"value": backup_s, "unit": "s"},
        "download_only_seconds": {"value": download_s, "unit": "s"},
        "backup_vs_download": {"value": download_s / backup_s, "unit": "ratio (target >= 0.7)"},
    }


def measure_memory(
    requests: int,
    worklogs: int,
    workdir: Path,
    page_size: int,
    *,
    sync: bool = True,
    backup: bool = True,
) -> dict[str, int]:
    """Peaks of a full sync (`sync`), of fetching one page of the largest project alone
    (`page`), and of a full Tempo backup (`backup`), in bytes."""
    from bench import measure, tempo_backup

    sandbox = fresh_sandbox(requests, worklogs, workdir)
    try:
        prepared = measure.prepare(sandbox, page_size)
        peaks = {}
        if sync:
            peaks["sync"] = measure.sync_memory_peak(page_size)
            peaks["page"] = measure.page_memory(prepared, page_size)
        if backup:
            tempo_backup.store_full_access(sandbox)
            directory = workdir / f"backups-memory-{worklogs}"
            tempo_backup.run_backup_once(directory)  # warm: modules imported, caches filled
            peaks["backup"], _ = tempo_backup.backup_memory_peak(directory)
        return peaks
    finally:
        sandbox.stop()


def print_table(results: dict) -> None:
    sizes = results["sizes"]
    if sizes:
        print_sync_and_report(results)
    print_backup(results)
    print(f"database: {results['database']}, CPUs: {results['cpus']}\n")


def print_sync_and_report(results: dict) -> None:
    sizes = results["sizes"]
    rows = [
        ("worklogs / requests", lambda s: f"{s['worklogs']:,} / {s['requests']:,}"),
        (
            "sync requests (expected)",
            lambda s: f"{s['sync_requests']['value']} ({s['sync_requests_expected']['value']})",
        ),
        ("full sync", lambda s: f"{s['sync_seconds']['value']:.2f} s"),
        ("download only (limit)", lambda s: f"{s['download_only_seconds']['value']:.2f} s"),
        ("limit / sync (>= 0.5)", lambda s: f"{s['sync_vs_limit']['value']:.2f}"),
        (
            "no-change sync, requests/project",
            lambda s: (
                f"{s['incremental_requests_per_project']['value']:g} "
                f"in {s['incremental_seconds']['value'] * 1000:.0f} ms"
            ),
        ),
        ("report SQL queries", lambda s: f"{s['report_queries']['value']}"),
        ("report page", lambda s: f"{s['report_seconds']['value'] * 1000:.0f} ms"),
        ("its SQL aggregate", lambda s: f"{s['aggregate_seconds']['value'] * 1000:.0f} ms"),
        ("page / aggregate (<= 3)", lambda s: f"{s['report_vs_aggregate']['value']:.2f}"),
        ("peer design / ours", lambda s: f"{s['peer_vs_ours']['value']:.1f}x"),
    ]
    width = max(len(name) for name, _ in rows) + 2
    header = "".join(f"{s['worklogs']:>16,}" for s in sizes)
    print(f"\n{'worklogs':<{width}}{header}")
    for name, cell in rows:
        print(f"{name:<{width}}" + "".join(f"{cell(s):>16}" for s in sizes))
    memory = results.get("memory")
    if memory:
        print(
            f"\nsync peak memory: {memory['small_bytes'] / 1e6:.1f} MB at {memory['small']:,} vs "
            f"{memory['large_bytes'] / 1e6:.1f} MB at {memory['large']:,} worklogs = "
            f"{memory['ratio']:.2f} (target <= 1.5); it grew by {memory['growth_in_pages']:.2f} "
            f"of one page in flight ({memory['one_page_bytes'] / 1e6:.1f} MB)"
        )
    growth = results.get("growth", {})
    print(
        f"growth exponent (log-log) — report: {growth.get('report_time')}, "
        f"sync: {growth.get('sync_time')}"
    )


def print_backup(results: dict) -> None:
    backup = results.get("backup")
    if backup:
        print(
            f"\nTempo backup at {backup['worklogs']:,} worklogs ({backup['records']:,} records, "
            f"{backup['backup_requests']['value']:,} HTTP requests, archive "
            f"{backup['archive_bytes']['value'] / 1e6:.1f} MB): "
            f"{backup['backup_seconds']['value']:.2f} s, download only "
            f"{backup['download_only_seconds']['value']:.2f} s "
            f"({backup['download_requests']['value']:,} requests)\n"
            f"download only / backup: {backup['backup_vs_download']['value']:.2f} "
            f"(target >= 0.7)"
        )
    memory = results.get("backup_memory")
    if memory:
        print(
            f"backup peak memory: {memory['small_bytes'] / 1e6:.1f} MB at {memory['small']:,} "
            f"vs {memory['large_bytes'] / 1e6:.1f} MB at {memory['large']:,} worklogs = "
            f"{memory['backup_memory_ratio']['value']:.2f} (target <= 1.5)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes", help="requests:worklogs,... (default: 100:1000,600:10000,2000:50000)"
    )
    parser.add_argument("--memory-sizes", help="requests:worklogs,requests:worklogs")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=5000)
    parser.add_argument(
        "--only",
        choices=["backup"],
        help="measure only this part (backup: the Tempo backup at the largest size and its "
        "memory at the memory sizes); results are printed, and written only with --out",
    )
    parser.add_argument(
        "--out",
        help="where to write the results (default: bench/results.json, or "
        "bench/results-postgresql.json when DATABASE_URL is PostgreSQL)",
    )
    args = parser.parse_args(argv)

    def parse(spec):
        return [tuple(int(n) for n in part.split(":")) for part in spec.split(",")]

    sizes = parse(args.sizes) if args.sizes else SIZES
    memory_sizes = parse(args.memory_sizes) if args.memory_sizes else MEMORY_SIZES
    sync_and_report = args.only is None
    largest = max(sizes, key=lambda size: size[1])

    configure_django()
    from django.db import connection

    from bench.measure import loglog_slope

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            workdir = Path(tmp)
            measured, backup = [], None
            for requests, worklogs in sizes if sync_and_report else [largest]:
                print(f"Measuring {worklogs:,} worklogs over {requests:,} requests…", flush=True)
                result = measure_size(
                    requests,
                    worklogs,
                    workdir,
                    args.repeat,
                    args.page_size,
                    sync_and_report=sync_and_report,
                    backup=(requests, worklogs) == largest,
                )
                if "backup" in result:
                    backup = {"worklogs": result["worklogs"], **result.pop("backup")}
                if sync_and_report:
                    measured.append(result)
            small, large = memory_sizes
            print("Measuring sync and backup memory…", flush=True)
            small_peaks = measure_memory(*small, workdir, args.page_size, sync=sync_and_report)
            large_peaks = measure_memory(*large, workdir, args.page_size, sync=sync_and_report)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "page_size": args.page_size,
        "repeat": args.repeat,
        "sizes": measured,
    }
    if sync_and_report:
        xs = [s["worklogs"] for s in measured]
        results["memory"] = {
            "small": small[1],
            "large": large[1],
            "small_bytes": small_peaks["sync"],
            "large_bytes": large_peaks["sync"],
            "ratio": large_peaks["sync"] / small_peaks["sync"],
            "one_page_bytes": large_peaks["page"],
            "growth_in_pages": (large_peaks["sync"] - small_peaks["sync"]) / large_peaks["page"],
            "unit": "bytes (tracemalloc peak during a full Tempo sync); growth in pages of "
            "the largest size (target: at most one page)",
        }
        results["growth"] = {
            "report_time": _round(
                loglog_slope(xs, [s["report_seconds"]["value"] for s in measured])
            ),
            "sync_time": _round(loglog_slope(xs, [s["sync_seconds"]["value"] for s in measured])),
            "unit": "exponent k of time ~ N^k (1 = linear)",
        }
    results["backup"] = backup
    results["backup_memory"] = {
        "small": small[1],
        "large": large[1],
        "small_bytes": small_peaks["backup"],
        "large_bytes": large_peaks["backup"],
        "backup_memory_ratio": {
            "value": large_peaks["backup"] / small_peaks["backup"],
            "unit": "ratio of the peaks (target <= 1.5)",
        },
        "unit": "bytes (tracemalloc peak during a full Tempo backup: read, written, verified)",
    }
    print_table(results)
    if args.out or sync_and_report:
        default_name = (
            "results-postgresql.json" if connection.vendor == "postgresql" else "results.json"
        )
        out = Path(args.out or ROOT / "bench" / default_name)
        out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"Wrote {out}")
    return 0


def _round(value):
    return None if value is None else round(value, 2)


if __name__ == "__main__":
    sys.exit(main())
