#!/bin/sh
# Makes docs/mark-before.png and docs/mark-after.png: a sample branch workbook before and
# after `crossfoot check --mark`, rendered by LibreOffice and cropped. Run from the repository.
set -eu
out=$(mktemp -d)
cargo run -q -- check samples/branch-percent-rounding.xlsx --mark "$out/marked" -q \
    --fail-on never >/dev/null
cp samples/branch-percent-rounding.xlsx "$out/before.xlsx"
cp "$out/marked/branch-percent-rounding.kiem-tra.xlsx" "$out/after.xlsx"
soffice "-env:UserInstallation=file://$out/profile" --headless --convert-to pdf \
    --outdir "$out" "$out/before.xlsx" "$out/after.xlsx" >/dev/null
for which in before after; do
    pdftoppm -png -r 110 -f 1 -l 1 -x 40 -y 40 -W 420 -H 260 -singlefile \
        "$out/$which.pdf" "docs/mark-$which"
done
rm -rf "$out"
