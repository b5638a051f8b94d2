"""fintrack_core.auth."""
