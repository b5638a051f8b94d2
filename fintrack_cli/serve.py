"""``fintrack serve``: the dashboard and the HTTP API together; ``serve api`` and
``serve dashboard`` run one of them.

The database is migrated first (like every command), and once, before either server starts:
two servers migrating the same fresh database at once would race. They listen on 127.0.0.1
unless told otherwise: exposing a finance app to the network is a decision, not a default
(the Docker image decides it, with ``--host 0.0.0.0``).
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Annotated

import typer

from fintrack_cli.common import fail, location, note, open_db
from fintrack_cli.supervisor import EXIT_API_DIED, EXIT_DASHBOARD_DIED, Child, supervise

DEFAULT_HOST = "127.0.0.1"
DASHBOARD_PORT = 8501  # Streamlit's own default
API_PORT = 8000  # uvicorn's own default

serve_app = typer.Typer(help="Run FinTrack's servers: both (no subcommand), the API, or the "
                             "dashboard.")

HostOpt = Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")]
PortOpt = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]


def dashboard_script() -> Path:
    """``app.py``, the dashboard's entry point, beside the packages (a source checkout, an
    editable install, or the Docker image's /app)."""
    script = Path(__file__).resolve().parents[1] / "app.py"
    if not script.is_file():
        fail(f"the dashboard needs app.py, not found at {script} (run FinTrack from its "
             f"source folder or the Docker image)")
    return script


def project_config(script: Path) -> list[str]:
    """The project's ``.streamlit/config.toml`` as command-line flags.

    Streamlit reads that file only from the working directory; as flags it also holds when
    ``fintrack serve`` starts elsewhere (it hides tracebacks from visitors, among others).
    """
    try:
        config = tomllib.loads((script.parent / ".streamlit" / "config.toml").read_text())
    except FileNotFoundError:
        return []
    flags: list[str] = []
    for section, options in config.items():
        for name, value in options.items():
            if f"{section}.{name}" not in ("server.port", "server.address"):
                text = str(value).lower() if isinstance(value, bool) else str(value)
                flags += [f"--{section}.{name}", text]
    return flags


def dashboard_command(host: str, port: int) -> list[str]:
    script = dashboard_script()
    return [sys.executable, "-m", "streamlit", "run", str(script), *project_config(script),
            "--server.address", host, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false"]


@serve_app.callback(invoke_without_command=True)
def serve_both(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(
        help=f"Address both servers listen on (default {DEFAULT_HOST}; 0.0.0.0: every "
             f"interface).")] = None,
    dashboard_port: Annotated[int | None, typer.Option(
        min=1, max=65535, help=f"The dashboard's port (default {DASHBOARD_PORT}).")] = None,
    api_port: Annotated[int | None, typer.Option(
        min=1, max=65535, help=f"The API's port (default {API_PORT}).")] = None,
) -> None:
    """Serve the dashboard and the API together until Ctrl-C or SIGTERM, which stop both.

    If one of them stops on its own, the other is stopped too, and the exit status says
    which failed: 3 the dashboard, 4 the API (0 after Ctrl-C or SIGTERM).
    """
    if ctx.invoked_subcommand is not None:
        if host is not None or dashboard_port is not None or api_port is not None:
            fail(f"give the options after the subcommand: fintrack serve "
                 f"{ctx.invoked_subcommand} --host … --port …")
        return
    host = host or DEFAULT_HOST
    dashboard_port = dashboard_port or DASHBOARD_PORT
    api_port = api_port or API_PORT
    if dashboard_port == api_port:
        fail(f"the dashboard and the API need two ports, both are {api_port}")
    dashboard = dashboard_command(host, dashboard_port)
    with open_db() as db:
        where = location(db)
    note(f"FinTrack dashboard on http://{host}:{dashboard_port}, API on "
         f"http://{host}:{api_port} (docs at /docs), database {where}")
    api = [sys.executable, "-m", "fintrack_cli.main", "serve", "api", "--host", host,
           "--port", str(api_port)]
    status = supervise([Child("dashboard", dashboard, EXIT_DASHBOARD_DIED),
                        Child("API", api, EXIT_API_DIED)], note)
    raise typer.Exit(status)


@serve_app.command("api")
def serve_api(host: HostOpt = DEFAULT_HOST, port: PortOpt = API_PORT) -> None:
    """Serve the HTTP API (docs at /docs, schema at /openapi.json) until interrupted."""
    # Imported here: every other command starts without loading FastAPI and uvicorn.
    import uvicorn

    from fintrack_api.app import create_app

    with open_db() as db:
        note(f"FinTrack API on http://{host}:{port} (docs at /docs), database {location(db)}")
        # access_log off: the API writes its own JSON line per request (fintrack_api.observe);
        # uvicorn's would repeat it with the raw path and query (ids, search text, amounts).
        uvicorn.run(create_app(db), host=host, port=port, log_level="info",
                    server_header=False, access_log=False)


@serve_app.command("dashboard")
def serve_dashboard(host: HostOpt = DEFAULT_HOST, port: PortOpt = DASHBOARD_PORT) -> None:
    """Serve the dashboard (``streamlit run app.py``) until interrupted."""
    command = dashboard_command(host, port)
    with open_db() as db:
        note(f"FinTrack dashboard on http://{host}:{port}, database {location(db)}")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)  # noqa: S606 - Streamlit replaces this process
