#!/bin/sh
# Makes docs/review-summary.png and docs/review-copy.png: the review workbook of samples/
# (`crossfoot check samples/ -o review.xlsx`), rendered by LibreOffice and cropped: the
# Summary, and the marked copy of TD-04's M02. Run from the repository's root: the workbook
# shows the paths as given (samples/…).
set -eu
out=$(mktemp -d)
cargo run -q --release -- check samples/ -o "$out/review.xlsx" -q --fail-on never >/dev/null 2>&1
soffice "-env:UserInstallation=file://$out/profile" --headless --convert-to pdf \
    --outdir "$out" "$out/review.xlsx" >/dev/null
pdftoppm -png -r 150 -f 1 -l 1 -x 95 -y 100 -W 1460 -H 230 -singlefile \
    "$out/review.pdf" docs/review-summary
# The page of TD-04's M02: the one whose header names it.
pages=$(pdfinfo "$out/review.pdf" | sed -n 's/^Pages: *//p')
page=1
while [ "$page" -le "$pages" ]; do
    if pdftotext -f "$page" -l "$page" "$out/review.pdf" - |
        grep -q "branch-changes-chain.xlsx, trang tính M02-BienDong"; then
        break
    fi
    page=$((page + 1))
done
pdftoppm -png -r 110 -f "$page" -l "$page" -x 60 -y 20 -W 780 -H 330 -singlefile \
    "$out/review.pdf" docs/review-copy
rm -rf "$out"
