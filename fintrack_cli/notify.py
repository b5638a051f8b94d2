"""``fintrack notify``: queue and send notification e-mails, for cron.

    fintrack notify --alerts     queue the budget and subscription alerts not mailed yet
    fintrack notify --weekly     queue the weekly reports due today (the user's weekday)
    fintrack notify --send       deliver the outbox (needs FINTRACK_SMTP_* or [smtp] secrets)

Flags combine (in that order); ``--json`` prints one object with each step's result. Every
step is safe to repeat: nothing is queued or sent twice.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fintrack_cli.common import fail, open_db, parse_date, print_json
from fintrack_core.notify.outbox import deliver
from fintrack_core.notify.queue import queue_alerts, queue_weekly
from fintrack_core.notify.smtp import smtp_config

NO_SMTP = ("mail is not set up: set FINTRACK_SMTP_HOST (and _PORT, _SECURITY, _USER, "
           "_PASSWORD, _FROM) or an [smtp] section in .streamlit/secrets.toml")


def notify_command(
    alerts: Annotated[bool, typer.Option(
        "--alerts", help="Queue budget and subscription alerts not mailed yet.")] = False,
    weekly: Annotated[bool, typer.Option(
        "--weekly", help="Queue the weekly reports due today.")] = False,
    send: Annotated[bool, typer.Option("--send", help="Deliver the outbox.")] = False,
    day: Annotated[str | None, typer.Option(
        "--date", help="Act as if today were this day (YYYY-MM-DD).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Queue notification e-mails and deliver them (run it from cron every few minutes)."""
    if not (alerts or weekly or send):
        fail("notify: choose --alerts, --weekly and/or --send")
    config = smtp_config() if send else None
    if send and config is None:
        fail(NO_SMTP)
    today = parse_date(day, "date")
    out: dict[str, object] = {}
    with open_db() as db:
        if alerts:
            out["alerts"] = queue_alerts(db, today).as_dict()
        if weekly:
            out["weekly"] = queue_weekly(db, today).as_dict()
        if config is not None:
            out["send"] = deliver(db, config).as_dict()
    if as_json:
        print_json(out)
        return
    for step, result in out.items():
        assert isinstance(result, dict)
        parts = [f"{len(v)} {k.replace('_', ' ')}" for k, v in result.items()]
        typer.echo(f"{step}: {', '.join(parts)}")
