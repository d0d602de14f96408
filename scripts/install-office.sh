#!/usr/bin/env bash
# Install LibreOffice Calc and Writer (headless), Gnumeric's ssconvert and PDF tools if missing:
# the tests save workbooks and narrative reports through real office suites and render them to
# PDF. Debian/Ubuntu only.
set -euo pipefail
if command -v soffice >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 \
   && command -v ssconvert >/dev/null 2>&1 && /usr/bin/python3 -c 'import uno' >/dev/null 2>&1 \
   && [ -e /usr/lib/libreoffice/program/libswlo.so ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  command -v sudo >/dev/null 2>&1 && SUDO="sudo" || { echo "Cần quyền root để cài LibreOffice (apt-get)." >&2; exit 1; }
fi
echo "Đang cài LibreOffice Calc, Writer (headless) và Gnumeric…" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  libreoffice-calc-nogui libreoffice-writer-nogui python3-uno fonts-liberation poppler-utils gnumeric >/dev/null
