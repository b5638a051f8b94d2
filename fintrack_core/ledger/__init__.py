"""fintrack_core.ledger."""
