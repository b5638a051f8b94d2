"""fintrack_cli."""
