"""FinTrack's HTTP API: token -> scope -> one ``fintrack_core`` call -> JSON.

The API adds no domain logic (DESIGN.md rule 8): what it can do, the dashboard and the CLI
can do too, with the same validation, role checks and error messages.
"""
