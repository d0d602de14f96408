"""cchc: generate, collect and consolidate the CCHC 2011-2020 statistical appendices."""

__version__ = "0.1.0"
