"""LibreOffice helpers for tests (the same as the sample builder's)."""
from samples.office import convert, soffice_path  # noqa: F401
