#!/bin/sh
# Makes docs/mark-before.png and docs/mark-after.png (a sample branch workbook before and after
# `crossfoot check --mark`, cropped) and docs/mark-findings.png (the marked copy's findings
# sheet of branch-gender-split as printed on A4, a whole page at 70 dpi), rendered by
# LibreOffice. Run from the repository. Needs LibreOffice (soffice) and poppler-utils.
set -eu
out=$(mktemp -d)
cargo run -q -- check samples/branch-percent-rounding.xlsx samples/branch-gender-split.xlsx \
    --mark "$out/marked" -q --fail-on never >/dev/null
cp samples/branch-percent-rounding.xlsx "$out/before.xlsx"
cp "$out/marked/branch-percent-rounding.kiem-tra.xlsx" "$out/after.xlsx"
cp "$out/marked/branch-gender-split.kiem-tra.xlsx" "$out/findings.xlsx"
soffice "-env:UserInstallation=file://$out/profile" --headless --convert-to pdf \
    --outdir "$out" "$out/before.xlsx" "$out/after.xlsx" "$out/findings.xlsx" >/dev/null
for which in before after; do
    pdftoppm -png -r 110 -f 1 -l 1 -x 40 -y 40 -W 420 -H 260 -singlefile \
        "$out/$which.pdf" "docs/mark-$which"
done
# The findings sheet is the workbook's last: its last page.
last=$(pdfinfo "$out/findings.pdf" | sed -n 's/^Pages: *//p')
pdftoppm -png -r 70 -f "$last" -l "$last" -singlefile "$out/findings.pdf" docs/mark-findings
rm -rf "$out"
