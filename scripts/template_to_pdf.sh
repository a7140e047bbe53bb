#!/bin/sh
# Render `ectqa template` through LibreOffice headless, to see that it opens and how it looks.
# Not part of the test suite (LibreOffice is slow and optional).
#   scripts/template_to_pdf.sh [OUTDIR]      -> OUTDIR/template.xlsx, template.pdf, template-N.png
# Needs soffice and pdftoppm (Debian: apt-get install -y libreoffice-calc poppler-utils).
set -eu
out="${1:-/tmp/ectqa-template-pdf}"
ectqa="${ECTQA:-ectqa}"
mkdir -p "$out"
"$ectqa" template --example --force "$out/template.xlsx"
# a private profile: no clash with a running LibreOffice, no first-start dialogs
profile="$out/lo-profile"
soffice -env:UserInstallation="file://$profile" --headless --norestore \
    --convert-to pdf --outdir "$out" "$out/template.xlsx"
test -s "$out/template.pdf" || { echo "no PDF produced" >&2; exit 1; }
pdftoppm -r 60 -png "$out/template.pdf" "$out/template"
ls -1 "$out"/template*.png
