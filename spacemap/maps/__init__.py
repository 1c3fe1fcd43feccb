"""Self-contained interactive HTML maps and locality packs."""
