#!/bin/sh
# Makes the pictures of the review workbook of samples/ (`crossfoot check samples/ -o
# review.xlsx`) as printed on A4 by LibreOffice, whole pages at 70 dpi:
# docs/review-summary.png (the Summary), docs/review-chart.png (its chart),
# docs/review-findings.png (the first page of Findings) and docs/review-copy.png (the copy of
# TD-04's M02, its notes printed below it). Run from the repository's root: the workbook shows
# the paths as given (samples/…). Needs LibreOffice (soffice) and poppler-utils.
set -eu
out=$(mktemp -d)
cargo run -q -- check samples/ -o "$out/review.xlsx" -q --fail-on never >/dev/null 2>&1
soffice "-env:UserInstallation=file://$out/profile" --headless --convert-to pdf \
    --outdir "$out" "$out/review.xlsx" >/dev/null
pages=$(pdfinfo "$out/review.pdf" | sed -n 's/^Pages: *//p')
# The first page from page $2 (1 if not given) whose text holds $1.
page_of() {
    p=${2:-1}
    while [ "$p" -le "$pages" ]; do
        if pdftotext -f "$p" -l "$p" "$out/review.pdf" - | grep -q -- "$1"; then
            echo "$p"
            return
        fi
        p=$((p + 1))
    done
    echo "no page holds: $1" >&2
    exit 1
}
shot() {
    pdftoppm -png -r 70 -f "$1" -l "$1" -singlefile "$out/review.pdf" "docs/$2"
}
shot 1 review-summary
# The chart: on the Summary's second page when the table leaves it no room on the first.
chart=$(page_of "Số lỗi và cảnh báo theo đơn vị" 2)
findings=$(page_of "Nguyên nhân khả dĩ nhất")
if [ "$chart" -lt "$findings" ]; then
    shot "$chart" review-chart
else
    rm -f docs/review-chart.png
fi
shot "$findings" review-findings
shot "$(page_of "branch-changes-chain.xlsx, trang tính M02-BienDong")" review-copy
rm -rf "$out"
