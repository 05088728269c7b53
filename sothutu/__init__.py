"""What every Sothutu program shares (no Flask, no pygame at import)."""
