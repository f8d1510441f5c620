#!/usr/bin/env bash
# bench/q8.sh: the int8 rows of `make bench` (bench/run.sh calls it; it also
# runs alone). Trains nets/mnist.lua as `make NET=mnist.lua` does (its spec's
# 10 epochs), quantizes it (`make NET=mnist.lua quantize`: 2,000 calibration
# images, seed 1), and reports what out/mnist/mnist_q8eval measures on the
# 10,000 test images: float and int8 accuracy, flash, RAM and samples/s, both
# from one process, one image at a time. Prints a Markdown section on stdout;
# progress on stderr. Environment: CC, LUA, MNIST_DIR, BENCH_Q8_NET (mnist.lua).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
NET=${BENCH_Q8_NET:-mnist.lua}
NAME=${NET%.lua}
MNIST_DIR=${MNIST_DIR:-data/mnist}
say() { echo "bench/q8.sh: $*" >&2; }

say "training $NET"
make -s NET="$NET" MNIST_DIR="$MNIST_DIR" CC="${CC:-cc}" LUA="${LUA:-lua5.4}" build >&2
"./out/$NAME/$NAME" -q --data "$MNIST_DIR" --no-csv --no-gallery >&2
say "quantizing"
report=$(make -s NET="$NET" MNIST_DIR="$MNIST_DIR" CC="${CC:-cc}" LUA="${LUA:-lua5.4}" quantize)
row() { # row KIND: "| KIND | accuracy | flash | RAM | samples/s |" from q8eval's table
    awk -v k="$1" '$1 == k && $2 ~ /%$/ { printf "| %s | %s | %s B | %s B | %s |\n", k, $2, $3, $5, $7 }' <<<"$report"
}
echo "## int8: nets/$NET quantized"
echo
echo "\`make NET=$NET\` (the spec's epochs), then \`make NET=$NET quantize\`: per-unit int8"
echo "weights, int32 biases, integer-only inference (\`${NAME}_q8_predict\`), measured by"
echo "\`out/$NAME/${NAME}_q8eval\` on the 10,000 test images, one image at a time, both in one"
echo "process. RAM is one prediction's activations, input and output."
echo
echo "| | test accuracy | flash (weights) | RAM (one prediction) | samples/s |"
echo "| --- | ---: | ---: | ---: | ---: |"
row float
row int8
echo
grep -E '^int8 - float' <<<"$report"
echo
