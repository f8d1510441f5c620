#!/usr/bin/env bash
# scripts/plot.sh CSV OUTDIR: draw OUTDIR/loss.png and OUTDIR/accuracy.png from
# a training run's per-epoch CSV, whose header names at least the columns
#     epoch,loss,train_acc,val_acc,test_acc[,samples_per_s,seconds]
# (columns are found by name; accuracies are percentages; val_acc may be
# empty, or absent, when there is no validation split). Uses gnuplot with the
# pngcairo terminal if it has one, else png (PLOT_TERMINAL=png forces png). Each PNG is written under a
# temporary name and renamed. Errors are one line: "PATH: error: PROBLEM".
set -euo pipefail

die() {
    printf '%s\n' "$*" >&2
    exit 1
}

[ $# -eq 2 ] || die "usage: scripts/plot.sh CSV OUTDIR"
csv=$1
outdir=$2
[ -e "$csv" ] || die "$csv: error: no such file"
{ [ -f "$csv" ] && [ -r "$csv" ]; } || die "$csv: error: not a readable file"
command -v gnuplot >/dev/null 2>&1 ||
    die "plot: error: gnuplot not found (install it with: apt-get install gnuplot-nox)"
mkdir -p -- "$outdir" 2>/dev/null || die "$outdir: error: cannot create the directory"
{ [ -d "$outdir" ] && [ -w "$outdir" ]; } || die "$outdir: error: not a writable directory"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/plot.XXXXXX")
loss_tmp="$outdir/.loss.png.tmp.$$"
acc_tmp="$outdir/.accuracy.png.tmp.$$"
trap 'rm -rf -- "$tmp" "$loss_tmp" "$acc_tmp"' EXIT

# Validate the CSV and turn it into whitespace-separated columns
#     epoch loss train_acc val_acc test_acc     (val_acc NaN when empty)
# plus one line of facts: rows, whether any val_acc is present, first and last epoch.
awk -F, -v path="$csv" -v data="$tmp/data" -v meta="$tmp/meta" '
function fail(msg) { printf "%s: error: %s\n", path, msg > "/dev/stderr"; bad = 1; exit 1 }
function failn(msg) { printf "%s:%d: error: %s\n", path, NR, msg > "/dev/stderr"; bad = 1; exit 1 }
function num(s) { return s ~ /^[ \t]*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?[ \t]*$/ }
{ sub(/\r$/, "") }
NR == 1 {
    for (i = 1; i <= NF; i++) { h = $i; gsub(/^[ \t]+|[ \t]+$/, "", h); col[h] = i }
    split("epoch loss train_acc test_acc", need, " ")
    for (k = 1; k <= 4; k++)
        if (!(need[k] in col))
            fail("header has no \"" need[k] "\" column (expected epoch,loss,train_acc,val_acc,test_acc,samples_per_s,seconds)")
    ce = col["epoch"]; cl = col["loss"]; ct = col["train_acc"]; cs = col["test_acc"]
    cv = ("val_acc" in col) ? col["val_acc"] : 0
    next
}
/^[ \t]*$/ { next }
{
    if (!num($ce)) failn("epoch \"" $ce "\" is not a number")
    if (!num($cl)) failn("loss \"" $cl "\" is not a number")
    if (!num($ct)) failn("train_acc \"" $ct "\" is not a number")
    if (!num($cs)) failn("test_acc \"" $cs "\" is not a number")
    v = cv ? $cv : ""
    gsub(/^[ \t]+|[ \t]+$/, "", v)
    if (v == "") v = "NaN"
    else if (!num(v)) failn("val_acc \"" v "\" is not a number")
    else has_val = 1
    if (rows == 0) first = $ce + 0
    last = $ce + 0
    rows++
    print $ce + 0, $cl + 0, $ct + 0, v, $cs + 0 > data
}
END {
    if (bad) exit 1
    if (NR == 0) fail("file is empty (expected a header and one row per epoch)")
    if (rows == 0) fail("no data rows (only a header)")
    print rows, has_val + 0, first, last > meta
}
' "$csv" || exit 1

read -r rows has_val first last <"$tmp/meta"

if [ "${PLOT_TERMINAL:-}" != png ] && gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1; then
    term='pngcairo size 900,560 enhanced font "Sans,12" linewidth 1.5'
else
    term='png size 900,560 enhanced font "DejaVuSans,11"'
fi

cat >"$tmp/plot.gp" <<'EOF'
data = ARG1; loss_out = ARG2; acc_out = ARG3
has_val = ARG4 + 0; rows = ARG5 + 0; first = ARG6 + 0; last = ARG7 + 0
name = ARG8; term = ARG9
set terminal @term
set datafile missing "NaN"
set grid lc rgb "#d0d0d0"
set border lc rgb "#404040"
set xlabel "epoch"
set format x "%g"
pad = (last - first) * 0.02
if (first == last) { set xrange [first - 1 : last + 1] } else { set xrange [first - pad : last + pad] }
if (last - first <= 20) { set xtics 1 }
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 0.8
set style line 2 lc rgb "#2ca02c" lw 2 pt 5 ps 0.8
set style line 3 lc rgb "#ff7f0e" lw 2 pt 9 ps 0.9
set style line 4 lc rgb "#d62728" lw 2 pt 7 ps 0.8
set offsets 0, 0, graph 0.05, graph 0.05

set output loss_out
set title sprintf("Training loss per epoch (%s)", name) noenhanced
set ylabel "mean loss per sample"
set key top right box opaque
plot data using 1:2 with linespoints ls 1 title "training loss"

set output acc_out
set title sprintf("Accuracy per epoch (%s)", name) noenhanced
set ylabel "accuracy (%)"
set format y "%g%%"
set yrange [* : * < 100]
set key bottom right box opaque
if (has_val) {
    plot data using 1:3 with linespoints ls 2 title "train", \
         data using 1:4 with linespoints ls 3 title "validation", \
         data using 1:5 with linespoints ls 4 title "test"
} else {
    plot data using 1:3 with linespoints ls 2 title "train", \
         data using 1:5 with linespoints ls 4 title "test"
}
unset output
EOF

if ! gnuplot -c "$tmp/plot.gp" "$tmp/data" "$loss_tmp" "$acc_tmp" "$has_val" "$rows" \
    "$first" "$last" "$(basename -- "$csv")" "$term" 2>"$tmp/gnuplot.err"; then
    die "$csv: error: gnuplot failed: $(grep -v '^[[:space:]]*$' "$tmp/gnuplot.err" | tail -n 1)"
fi
{ [ -s "$loss_tmp" ] && [ -s "$acc_tmp" ]; } || die "$csv: error: gnuplot wrote no image"
mv -f -- "$loss_tmp" "$outdir/loss.png"
mv -f -- "$acc_tmp" "$outdir/accuracy.png"
echo "plot: wrote $outdir/loss.png and $outdir/accuracy.png, epochs: $rows"
