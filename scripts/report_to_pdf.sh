#!/usr/bin/env bash
# Convert an ectqa Excel report to PDF with LibreOffice headless, to check that it prints well.
#
#   scripts/report_to_pdf.sh [REPORT.xlsx] [OUTDIR]
#
# Without arguments: checks sample_data/extraction.xlsx, writes the report to OUTDIR
# (default: a temporary folder), converts it to PDF and, when pdftoppm is present, renders one
# PNG per page (page-1.png, ...) to look at. Needs: soffice (apt-get install -y libreoffice-calc)
# and, for the PNGs, pdftoppm (apt-get install -y poppler-utils). Not part of the test suite.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
if [ -x "$here/../venv/bin/python" ] && [ -z "${PYTHON:-}" ]; then python="$here/../venv/bin/python"; fi
if ! command -v soffice >/dev/null 2>&1; then
    echo "report_to_pdf: soffice not found; install LibreOffice (apt-get install -y libreoffice-calc)" >&2
    exit 2
fi

outdir="${2:-$(mktemp -d -t ectqa-pdf.XXXXXX)}"
mkdir -p "$outdir"
report="${1:-}"
if [ -z "$report" ]; then
    report="$outdir/report.xlsx"
    # exit 1 (findings) is expected for the sample data
    "$python" -m ectqa.cli check "$here/sample_data/extraction.xlsx" --excel "$report" --quiet >/dev/null || [ $? -eq 1 ]
fi

# a private LibreOffice profile, so that a running office or a first-start dialog cannot interfere
profile="$(mktemp -d -t ectqa-lo.XXXXXX)"
trap 'rm -rf "$profile"' EXIT
soffice -env:UserInstallation="file://$profile" --headless --calc --convert-to pdf --outdir "$outdir" "$report" >/dev/null
pdf="$outdir/$(basename "${report%.*}").pdf"
if [ ! -s "$pdf" ]; then
    echo "report_to_pdf: LibreOffice wrote no PDF for $report" >&2
    exit 1
fi
echo "PDF: $pdf"
if command -v pdfinfo >/dev/null 2>&1; then
    pdfinfo "$pdf" | grep -E '^(Pages|Page size)' || true
fi
if command -v pdftoppm >/dev/null 2>&1; then
    pdftoppm -png -r 60 "$pdf" "$outdir/page"
    ls "$outdir"/page*.png
fi
