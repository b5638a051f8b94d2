"""fintrack_core.backups."""
