"""The batch summary printed at the end of ``course autograde``: one line per submission."""
from __future__ import annotations

from .submissions import Outcome


def _score(o: Outcome) -> str:
    if o.score is None or o.max_score is None:
        return "-"
    return f"{o.score:g}/{o.max_score:g}"


def _notes(o: Outcome) -> str:
    notes = []
    if o.reason:
        notes.append(o.reason)
    if o.flags:
        notes.append(f"REVIEW: {len(o.flags)} integrity flag(s): " + "; ".join(o.flags[:2]) + (" ..." if len(o.flags) > 2 else ""))
    if o.restored:
        notes.append("restored " + ", ".join(o.restored))
    if o.repairs:
        notes.append("repaired: " + "; ".join(o.repairs[:3]) + (" ..." if len(o.repairs) > 3 else ""))
    if o.events:
        notes.append("; ".join(o.events[:3]) + (" ..." if len(o.events) > 3 else ""))
    if not o.sandboxed:
        notes.append("UNSAFE: not sandboxed")
    return " | ".join(notes) or "-"


def format_summary(outcomes: list[Outcome], width: int = 160) -> str:
    """A fixed-width table; the notes column is cut to ``width`` so each submission stays one line."""
    if not outcomes:
        return "no submissions"
    name_w = max(10, *(len(o.student) for o in outcomes))
    lines = [f"{'submission':<{name_w}}  {'score':>9}  {'status':<8}  {'secs':>5}  notes",
             f"{'-' * name_w}  {'-' * 9}  {'-' * 8}  {'-' * 5}  {'-' * 5}"]
    for o in outcomes:
        head = f"{o.student:<{name_w}}  {_score(o):>9}  {o.status:<8}  {o.seconds:5.0f}  "
        notes = _notes(o)
        room = max(20, width - len(head))
        lines.append(head + (notes if len(notes) <= room else notes[: room - 3] + "..."))
    graded = sum(o.status == "graded" for o in outcomes)
    review = sum(o.needs_review for o in outcomes)
    lines.append(f"{len(outcomes)} submission(s): {graded} graded, {len(outcomes) - graded} rejected or failed, "
                 f"{review} need a person's review")
    return "\n".join(lines)
