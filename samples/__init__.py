"""Sample returns for the demo, and the tooling that fills templates (also used by tests)."""
