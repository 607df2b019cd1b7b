"""The note an approval or an undo leaves on each fact it supplied: kept in English, shown in the
reader's language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_OWNER = "the clinic's owner"
_HOSPITAL = "the hospital's price transparency file"
_RESTORED = re.compile(
    r"Restored by a moderator on (?P<day>\d{4}-\d{2}-\d{2}) \(undo of change (?P<change>\d+)\)\."
)
_APPROVED = re.compile(
    rf"Supplied by (?P<supplier>{re.escape(_OWNER)}|{re.escape(_HOSPITAL)}) "
    r"\(proposal (?P<proposal>\d+)\), approved by a moderator on (?P<day>\d{4}-\d{2}-\d{2})\."
)


@dataclass(frozen=True)
class Restore:
    """The change a moderator undid, and the day."""

    change: int
    day: date


@dataclass(frozen=True)
class Approval:
    """Who supplied a fact, in which proposal, and the day a moderator approved it."""

    by_hospital: bool
    proposal: int
    day: date


def approval_note(by_hospital: bool, proposal: int, day: date) -> str:
    """The stored note for facts an approved proposal supplied."""
    supplier = _HOSPITAL if by_hospital else _OWNER
    return f"Supplied by {supplier} (proposal {proposal}), approved by a moderator on {day}."


def approval(note: str) -> Approval | None:
    """The approval a stored note records, or None for any other note (an import's)."""
    found = _APPROVED.fullmatch(note.strip())
    if found is None:
        return None
    return Approval(
        found["supplier"] == _HOSPITAL,
        int(found["proposal"]),
        date.fromisoformat(found["day"]),
    )


def restore_note(change: int, day: date) -> str:
    """The stored note for facts an undo put back."""
    return f"Restored by a moderator on {day} (undo of change {change})."


def restore(note: str) -> Restore | None:
    """The undo a stored note records, or None for any other note."""
    found = _RESTORED.fullmatch(note.strip())
    if found is None:
        return None
    return Restore(int(found["change"]), date.fromisoformat(found["day"]))
