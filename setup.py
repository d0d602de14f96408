"""The packages of the distribution; everything else is in setup.cfg.

Here because setup.cfg cannot add to ``find:`` the one package that lives elsewhere: the
demo samples (``samples/``: the published demo key and the sample returns) travel in the
wheel as ``cchc.samples``, so that ``pip install`` alone gives a working ``python -m
cchc.demo``. Every data file below a package (specs, plans, registries, whatever their
folder) is carried too: ``scripts/check_wheel.py`` (``make wheel-check``) checks every
module and data file against the built wheel.
"""
from setuptools import find_packages, setup

PACKAGES = ["cchc", "xlsx_forms", "harvest", "mailer", "oslayer", "sheetio"]
# Every file below a package is data, whatever its kind (a sample return may be .docx,
# .odt or .pdf as well as a workbook): a list of extensions would miss the next one.
DATA = ["*"]

setup(
    packages=find_packages(include=[name for p in PACKAGES for name in (p, f"{p}.*")]) + ["cchc.samples"],
    package_dir={"cchc.samples": "samples"},
    # Recursive patterns: a data folder added later (a plan, a new registry) needs no edit here.
    package_data={"": DATA + [f"**/{pattern}" for pattern in DATA]},
    exclude_package_data={"": ["*.pyc", "**/*.pyc", "**/__pycache__/*"]},
)
