"""fintrack_core.rules.service."""
