"""``fintrack serve api``: run the HTTP API with uvicorn on the configured database.

The database is migrated first (like every command), so the API never answers from an old
schema. It listens on 127.0.0.1 unless told otherwise: exposing a finance API to the network
is a decision, not a default.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fintrack_cli.common import location, note, open_db

serve_app = typer.Typer(help="Run FinTrack's servers.", no_args_is_help=True)


@serve_app.command("api")
def serve_api(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
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
