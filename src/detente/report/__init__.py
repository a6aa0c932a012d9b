"""Self-contained HTML reports and terminal tables built from typed results."""
