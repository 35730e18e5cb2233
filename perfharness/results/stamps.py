"""Time stamps of results, in two forms only: compact for names (``20261203T073254Z``) and ISO
8601 with its offset for data (``2026-12-03T07:32:54+00:00``, what pytest-benchmark writes and
``datetime.fromisoformat`` reads back). Always UTC."""

from __future__ import annotations

from datetime import datetime, timezone


def _utc(moment: datetime | None) -> datetime:
    return (moment or datetime.now(timezone.utc)).astimezone(timezone.utc)


def compact(moment: datetime | None = None) -> str:
    """``YYYYMMDDTHHMMSSZ`` (UTC): sorts as time does, safe in a file name."""
    return _utc(moment).strftime("%Y%m%dT%H%M%SZ")


def iso(moment: datetime | None = None) -> str:
    """ISO 8601 to the second with the UTC offset, ``YYYY-MM-DDTHH:MM:SS+00:00``."""
    return _utc(moment).isoformat(timespec="seconds")
