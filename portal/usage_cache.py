"""The report's contract panel, read from the worklogs once per change of the data
(docs/product.md §8: the report must not read every worklog of a contract's period on every
page).

What the panel reads from the worklogs — used seconds per month of the contract's period
(``contracts.used_seconds_by_month``), the pace days of its forecast
(``contracts.used_seconds_by_day``) and, per person, the hours on requests they cannot see
(``contract_split.hours_unseen_by``) — is kept in the contract's ``ContractUsageSnapshot``
under a key made of everything those numbers depend on:

- the contract's terms (its type, period, hours, organization, carry-over, last change);
- the project's hours rules (source, rounding, visibility);
- today (the current month, the contract's status and the forecast's days follow it);
- the data: ``DataVersion`` (bumped on ``sync.signals.sync_finished`` and ``data_changed``,
  and when a worklog, request, customer or organization is saved or deleted through the ORM)
  and the newest sync run and its end (so a sync started directly, without the round that
  sends ``sync_finished``, still counts as a change).

On PostgreSQL, a contract over whole months reads its used hours and unseen hours from the
month summaries (``worklog_report.month_summary``): 0.25 s instead of 1.1 s for the first page
after a change at 500,000 worklogs.

The contract and its snapshot come in the one query that finds the contract, and the data's
version is the one the page read for its report (``report_cache.data_version``), so a page
whose snapshot is current reads no worklog for the panel at all; when it is not, the panel is
computed as ``contracts.contract_panel`` computes it and the snapshot is written in one
statement. The arithmetic after the reads (``usage_from_months``, ``run_out_forecast``) runs
on every page: it is pure Python on a few dozen numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from jsm.models import JiraProject

from .contract_split import UnseenHours, hours_unseen_by
from .contracts import (
    ContractUsage,
    _data_from,
    contracts_shown_to,
    usage_from_months,
    used_seconds_by_day,
    used_seconds_by_month,
)
from .forecast import NO_FORECAST, Forecast, pace_days, run_out_forecast
from .models import Contract, ContractUsageSnapshot, ReportSettings
from .report_cache import data_version

logger = logging.getLogger(__name__)

# Part of every key: change it when the snapshot's data changes shape.
SNAPSHOT_FORMAT = 2


@dataclass(frozen=True)
class PanelFigures:
    usage: ContractUsage
    unseen: UnseenHours
    forecast: Forecast


def panel_figures(
    user,
    project: JiraProject,
    report_settings: ReportSettings,
    today: dt.date,
    version: tuple | None = None,
) -> PanelFigures | None:
    """The contract panel's usage, unseen hours and forecast for ``user``, or None when no
    contract is shown to them. Equal to computing them afresh (``contract_panel``,
    ``hours_unseen_by``, ``contract_forecasts``). ``version``: the data's version
    (``report_cache.data_version``) when the page has read it already, else it is read."""
    contract = (
        contracts_shown_to(user, project, today)
        # The snapshot comes in the same query (a LEFT JOIN: it is a one-to-one).
        .select_related("usage_snapshot")
        .first()
    )
    if contract is None:
        return None
    key = snapshot_key(contract, report_settings, today, version or data_version())
    try:
        snapshot = contract.usage_snapshot
    except ContractUsageSnapshot.DoesNotExist:
        snapshot = None
    data = snapshot.data if snapshot is not None and snapshot.key == key else None
    changed = data is None
    if changed:
        data = _read_contract(contract, report_settings, today)
    usage = usage_from_months(
        contract,
        {dt.date.fromisoformat(m): s for m, s in data["used"].items()},
        today,
        dt.date.fromisoformat(data["data_from"]) if data["data_from"] else None,
    )
    forecast = NO_FORECAST
    if data["pace"] is not None:
        pace = {dt.date.fromisoformat(d): s for d, s in data["pace"].items()}
        forecast = run_out_forecast(usage.remaining_seconds, pace, today, usage.end)
    unseen_of = data.setdefault("unseen", {})
    known = unseen_of.get(str(user.pk))
    if known is None:
        unseen = hours_unseen_by(user, usage, report_settings)
        unseen_of[str(user.pk)] = [unseen.seconds, unseen.requests]
        changed = True
    else:
        unseen = UnseenHours(*known)
    if changed:
        _store(contract, key, data)
    return PanelFigures(usage=usage, unseen=unseen, forecast=forecast)


def snapshot_key(
    contract: Contract, report_settings: ReportSettings, today: dt.date, version: tuple
) -> str:
    """Everything the panel's reads depend on; ``version`` is ``report_cache.data_version``."""
    parts = (
        SNAPSHOT_FORMAT,
        today.isoformat(),
        contract.type,
        contract.start_date.isoformat(),
        contract.end_date.isoformat(),
        str(contract.hours),
        contract.organization_id,
        contract.carry_over,
        contract.updated_at.isoformat() if contract.updated_at else None,
        str(report_settings.hours_source),  # values, not enums (see report_cache.report_key)
        int(report_settings.rounding_minutes),
        str(report_settings.visibility),
        *version,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _read_contract(contract: Contract, report_settings: ReportSettings, today: dt.date) -> dict:
    """The worklog reads of ``contract_usages`` and ``contract_forecasts``, as JSON data."""
    used, months_with_worklogs = used_seconds_by_month([contract], report_settings)
    data_from = _data_from(contract, months_with_worklogs, report_settings)
    usage = usage_from_months(contract, used[contract.pk], today, data_from)
    pace = None
    # As ``contract_forecasts``: only a running contract with hours left has a forecast.
    if contract.status_on(today) == "active" and usage.remaining_seconds > 0:
        by_day = used_seconds_by_day([contract], report_settings, pace_days(today))
        pace = {d.isoformat(): s for d, s in by_day[contract.pk].items()}
    return {
        "used": {m.isoformat(): s for m, s in used[contract.pk].items()},
        "data_from": data_from.isoformat() if data_from else None,
        "pace": pace,
        "unseen": {},
    }


def _store(contract: Contract, key: str, data: dict) -> None:
    """One INSERT … ON CONFLICT UPDATE: the last page to compute it wins. Two pages that read
    different versions of the data (a sync ended between them) may overwrite each other's;
    each key names its version, so no page shows another version's figures, and a page that
    finds an older key computes once more. A contract deleted meanwhile leaves nothing to
    keep: the page shows what it computed."""
    try:
        with transaction.atomic():
            ContractUsageSnapshot.objects.bulk_create(
                [ContractUsageSnapshot(contract=contract, key=key, data=data)],
                update_conflicts=True,
                unique_fields=["contract"],
                update_fields=["key", "data", "computed_at"],
            )
    except IntegrityError:
        logger.info("contract usage snapshot not stored", extra={"contract": contract.pk})
