"""LibreOffice helpers for tests (the same as the sample builder's), and the one folder
where office tests keep rendered pages (PNG) for a person to look at."""
from pathlib import Path

from samples.office import convert, soffice_path  # noqa: F401

ARTEFACTS = Path(__file__).parent / "artefacts"
