"""The audit trail: what each person saw and did, recorded so that a change to it shows.

``record`` appends one row per action that shows or exports record-level data, changes an
account, or is refused; ``verify`` recomputes the hash chain of ``queries/audit_store.py`` and
names the first row that does not hold.

Why ids are kept up to a limit: "who looked at this shipment?" must be answerable, so a page of
records, a detail or a small export keeps the ids it showed. A large export would make rows of
megabytes; past ``audit_ids_max`` ids a row keeps only their count and the SHA-256 of the sorted
ids, which still proves which set was exported when the same set is recomputed later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import settings
from queries import audit_store
from queries.audit_store import GENESIS, AuditEntry, row_hash

# Action names, as stored in the ``action`` column.
RECORDS_PAGE = "records.page"
RECORD_DETAIL = "records.detail"
QUEUE_PAGE = "targeting.queue"
DOWNLOAD = "download"
EXPORT = "export"
WATCHLIST = "targeting.watchlist"
FEEDBACK = "targeting.feedback"
REFERRALS_STALLED = "referrals.stalled"
REFERRAL_CASE = "referrals.case"
REFERRAL_STEP = "referrals.step"
REFERRAL_PACKAGE = "referrals.package"
REFERRAL_CREATE = "referrals.create"
ACCOUNT = "account.change"
LOGIN = "login"
LOGOUT = "logout"
REFUSED = "refused"
ACTIONS = (
    RECORDS_PAGE,
    RECORD_DETAIL,
    QUEUE_PAGE,
    DOWNLOAD,
    EXPORT,
    WATCHLIST,
    FEEDBACK,
    REFERRALS_STALLED,
    REFERRAL_CASE,
    REFERRAL_STEP,
    REFERRAL_PACKAGE,
    REFERRAL_CREATE,
    ACCOUNT,
    LOGIN,
    LOGOUT,
    REFUSED,
)


@dataclass(frozen=True)
class VerifyResult:
    """What ``verify`` found: ``ok`` and the rows checked, or the first bad seq and why;
    ``head`` is the last good row's hash (noted somewhere else, it anchors the chain)."""

    ok: bool
    rows: int
    first_bad_seq: int | None
    reason: str
    head: str = GENESIS


def ids_digest(ids: Sequence[str]) -> str:
    """SHA-256 (hex) of the sorted ids joined by newlines; '' when there are none."""
    if not ids:
        return ""
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


def record(
    user: str,
    role: str,
    action: str,
    page: str,
    url: str,
    ids: Sequence[str] = (),
    count: int | None = None,
    outcome: str = "ok",
    client: str = "",
    detail: str = "",
    *,
    data_dir: Path | None = None,
) -> int:
    """Append one action to the audit log; its seq. ``ids`` are the records shown or exported
    (kept when at most ``audit_ids_max``, else only counted and digested); ``count`` alone says
    how many were involved when the ids are not at hand."""
    if isinstance(ids, str):
        raise TypeError("ids is a sequence of ids, not one string")
    ids = [str(i) for i in ids]
    if ids and count is not None and count != len(ids):
        raise ValueError(f"count {count} disagrees with the {len(ids)} ids given")
    id_count = len(ids) if ids else int(count or 0)
    kept = ids if len(ids) <= settings.get("audit_ids_max") else []
    entry = AuditEntry(
        user=user,
        role=role,
        action=action,
        page=page,
        url=url,
        ids=json.dumps(kept, ensure_ascii=False),
        id_count=id_count,
        id_digest=ids_digest(ids),
        outcome=outcome,
        client=client,
        detail=detail,
    )
    return audit_store.append(entry, data_dir)


def verify(data_dir: Path | None = None) -> VerifyResult:
    """Recompute the chain from the first row: each seq one more than the last, each
    ``prev_hash`` the previous row's hash, each hash that of the row's content, and no row cut
    off the end. An edited row fails its own hash; a removed row leaves a gap in seq or a
    ``prev_hash`` that does not match; a reordered row does not follow its predecessor."""
    # Read before the rows: appends made while they are read raise the counter past what this
    # read saw, never past the rows read after it.
    issued = audit_store.last_seq_issued(data_dir)
    rows, previous, expected_seq = 0, GENESIS, 1
    for row in audit_store.rows_for_verify(data_dir):
        if row.seq != expected_seq:
            return _broken(rows, expected_seq, f"row {expected_seq} is missing", previous)
        if row.fields["prev_hash"] != previous:
            why = "its prev_hash is not the previous row's hash (a row removed or reordered)"
            return _broken(rows, row.seq, why, previous)
        if row_hash(row.fields) != row.hash:
            return _broken(rows, row.seq, "its content does not match its hash (edited)", previous)
        rows, previous, expected_seq = rows + 1, row.hash, row.seq + 1
    if issued >= expected_seq:
        why = f"rows {expected_seq} to {issued} were issued but are missing (cut off the end)"
        return _broken(rows, expected_seq, why, previous)
    return VerifyResult(True, rows, None, f"{rows} rows, chain intact", previous)


def _broken(rows: int, seq: int, reason: str, head: str) -> VerifyResult:
    return VerifyResult(False, rows, seq, f"seq {seq}: {reason}", head)
