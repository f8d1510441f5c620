# tests/tests.mk: build and run every Check suite. Called by `make test`
# (and `make golden`) from the top-level Makefile; run from the repo root.

LUA   ?= lua5.4
CC    ?= cc
OPT   ?= -O2
OMP   ?= -fopenmp
CSTD  := -std=c11 -Wall -Wextra -Werror
T     := out/tests$(if $(findstring sanitize,$(OPT)),-san)
G     := $(T)/gen
CHECK := $(shell pkg-config --cflags --libs check)
PNG   := $(shell pkg-config --cflags libpng)
LIBS  := $(shell pkg-config --libs libpng) -lz -lm

RT_SRC  := runtime/err.c runtime/idx.c runtime/rng.c runtime/train.c runtime/cli.c runtime/model.c \
           runtime/export.c runtime/image.c runtime/ckpt.c runtime/atomic.c runtime/data.c runtime/csv.c \
           runtime/imgdir.c runtime/quant.c
RT_OBJ  := $(RT_SRC:runtime/%.c=$(T)/rt/%.o)
RT_HDR  := $(wildcard runtime/*.h)
TU_OBJ  := $(T)/rt/testutil.o
GEN_SRC := $(wildcard gen/*.lua gen/*/*.lua) $(wildcard templates/*.tpl templates/*/*.tpl templates/*/*/*.tpl)
GOLDEN  := tiny tiny_cnn

GRAD_NETS := $(basename $(notdir $(wildcard tests/specs/grad_*.lua)))
SUITES := $(T)/test_rng $(T)/test_cli $(T)/test_idx $(T)/test_csv $(T)/test_imgdir $(T)/test_model \
          $(T)/test_image $(T)/test_spec \
          $(T)/test_compile $(GRAD_NETS:%=$(T)/net_%) $(T)/test_unroll $(T)/test_kernels $(T)/test_kernels_k $(T)/test_layers \
          $(T)/train_xor $(T)/train_mnist $(T)/train_mnist_adam $(T)/test_trainer \
          $(T)/test_export $(T)/test_embed $(T)/test_owndata $(T)/test_docs $(T)/test_props $(T)/test_q8 $(T)/test_q8_mix
# ONNX import and the PyTorch backend (its rule is at the end)
SUITES += $(T)/test_interop
# the int8 backend on a CNN (its rule is with the other int8 suites)
SUITES += $(T)/test_q8_cnn

.PHONY: run-tests golden
.DELETE_ON_ERROR:
.SECONDARY:

run-tests: $(SUITES)
	@bash tests/run.sh $(SUITES)

golden:
	@for n in $(GOLDEN); do \
	  $(LUA) gen/constnet.lua -q tests/specs/$$n.lua -o tests/golden && echo "golden: tests/golden/$$n.{h,c}"; \
	done
	@for n in tiny tiny_cnn; do \
	  $(LUA) gen/constnet.lua -q tests/specs/$$n.lua --int8 tests/golden/$${n}_q8.lua -o tests/golden && \
	  echo "golden: tests/golden/$${n}_q8.{h,c} (from the fixture tests/golden/$${n}_q8.lua)"; \
	done

$(T)/rt/%.o: runtime/%.c $(RT_HDR)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(OPT) $(PNG) -c $< -o $@

# helpers shared by the suites (tests/testutil.h), linked into every suite
$(TU_OBJ): tests/testutil.c tests/testutil.h
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(OPT) -c $< -o $@

# generated code for the test nets
$(G)/%.c: tests/specs/%.lua $(GEN_SRC)
	$(LUA) gen/constnet.lua -q $< -o $(G)
$(G)/mnist.c: nets/mnist.lua $(GEN_SRC)
	$(LUA) gen/constnet.lua -q $< -o $(G)
$(G)/iris.c $(G)/digits.c $(G)/diabetes.c: $(G)/%.c: nets/%.lua $(GEN_SRC)
	$(LUA) gen/constnet.lua -q $< -o $(G)
$(G)/ufull.c: tests/specs/unroll.lua $(GEN_SRC)
	$(LUA) gen/constnet.lua -q $< --name ufull --unroll full -o $(G)
$(G)/uloops.c: tests/specs/unroll.lua $(GEN_SRC)
	$(LUA) gen/constnet.lua -q $< --name uloops --unroll loops -o $(G)

# suites of runtime modules
$(T)/test_%: tests/test_%.c $(RT_OBJ) $(TU_OBJ)
	$(CC) $(CSTD) $(OPT) $(PNG) -Iruntime $< $(RT_OBJ) $(TU_OBJ) $(CHECK) $(LIBS) -o $@

# the trainer binary, as make builds it for a user, and the suite that runs it
$(T)/trainer_mnist: runtime/main.c $(G)/mnist.c $(RT_OBJ)
	$(CC) $(CSTD) $(OPT) $(PNG) -DCONSTNET_RUNTIME -Iruntime -I$(G) $< $(G)/mnist.c $(RT_OBJ) $(LIBS) -o $@
$(T)/test_trainer: tests/test_trainer.c $(T)/trainer_mnist $(G)/mnist.c $(RT_OBJ) $(TU_OBJ)
	$(CC) $(CSTD) $(OPT) $(PNG) -DCONSTNET_RUNTIME -Iruntime -I$(G) $< $(G)/mnist.c $(RT_OBJ) $(TU_OBJ) $(CHECK) $(LIBS) -o $@

# own data: the trainers of nets/iris.lua, digits.lua, diabetes.lua as a user builds them
OWN_NETS := iris digits diabetes
$(OWN_NETS:%=$(T)/trainer_%): $(T)/trainer_%: runtime/main.c $(G)/%.c $(RT_OBJ)
	$(CC) $(CSTD) $(OPT) $(OMP) $(PNG) -DCONSTNET_RUNTIME -Iruntime -I$(G) $< $(G)/$*.c $(RT_OBJ) $(LIBS) -o $@
$(T)/test_owndata: tests/test_owndata.c $(OWN_NETS:%=$(T)/trainer_%) $(T)/trainer_mnist $(RT_OBJ) $(TU_OBJ)
	$(CC) $(CSTD) $(OPT) $(PNG) -Iruntime $< $(RT_OBJ) $(TU_OBJ) $(CHECK) $(LIBS) -o $@

# exported weights, and the embedding example built as a user would
$(T)/test_export $(T)/test_embed: $(T)/test_%: tests/test_%.c $(G)/mnist.c $(RT_OBJ) $(TU_OBJ)
	$(CC) $(CSTD) $(OPT) $(PNG) -DCONSTNET_RUNTIME -Iruntime -I$(G) $< $(G)/mnist.c $(RT_OBJ) $(TU_OBJ) $(CHECK) $(LIBS) -o $@

# suites that run the generator and compilers (they depend on everything)
$(T)/test_docs: README.md tests/check_readme.lua gen/spec.lua
$(T)/test_props: $(GEN_SRC) tests/prop/random_spec.lua tests/prop/random_cnn.lua tests/prop/prng.lua tests/test_net.c $(wildcard tests/prop/regressions/*.lua)
$(T)/test_spec $(T)/test_compile: $(GEN_SRC) $(wildcard tests/specs/bad/*.lua) $(wildcard tests/specs/edge/*.lua) \
                                  $(wildcard tests/golden/*) $(wildcard tests/compile_fail/*.c) tests/specs/init_bounds.lua

# the generic per-net suite, once per gradient-check spec
$(T)/net_%: tests/test_net.c $(G)/%.c $(RT_OBJ) $(TU_OBJ)
	$(CC) $(CSTD) $(OPT) $(OMP) -DCONSTNET_RUNTIME -Iruntime -I$(G) $< $(G)/$*.c $(RT_OBJ) $(TU_OBJ) $(CHECK) $(LIBS) -o $@

# the batched kernels: the same spec with the target's vectors and without
$(G)/ksimd.c: tests/specs/kernels.lua $(GEN_SRC)
	$(LUA) gen/constnet.lua -q $< --name ksimd -o $(G)
$(G)/kplain.c: tests/specs/kernels.lua $(GEN_SRC)
	$(LUA) gen/constnet.lua -q $< --name kplain -o $(G)
$(G)/kscalar.c: tests/specs/kernels.lua $(GEN_SRC)
	$(LUA) gen/constnet.lua -q $< --name kscalar -o $(G)
# kscalar: plain x86-64 (no -march): no FMA, so NAME_MADD is a * b + c
$(T)/test_kernels: tests/test_kernels.c $(G)/ksimd.c $(G)/kplain.c $(G)/kscalar.c $(RT_OBJ) $(TU_OBJ)
	$(CC) $(CSTD) $(OPT) -Iruntime -I$(G) -c $(G)/kplain.c -DKPLAIN_NO_SIMD -o $(T)/kplain.o
	$(CC) $(CSTD) -O2 -Iruntime -I$(G) -c $(G)/kscalar.c -o $(T)/kscalar.o
	$(CC) $(CSTD) $(OPT) -Iruntime -I$(G) $< $(G)/ksimd.c $(T)/kplain.o $(T)/kscalar.o $(RT_OBJ) $(TU_OBJ) $(CHECK) $(LIBS) \
	    -o $@

# a first layer split by inputs: with the target's vectors, and (kks) for plain x86-64
$(G)/kk.c: tests/specs/kernels_k.lua $(GEN_SRC)
	$(LUA) gen/constnet.lua -q $< --name kk -o $(G)
$(G)/kks.c: tests/specs/kernels_k.lua $(GEN_SRC)
	$(LUA) gen/constnet.lua -q $< --name kks -o $(G)
$(T)/test_kernels_k: tests/test_kernels_k.c $(G)/kk.c $(G)/kks.c $(RT_OBJ) $(TU_OBJ)
	$(CC) $(CSTD) -O2 -Iruntime -I$(G) -c $(G)/kks.c -o $(T)/kks.o
	$(CC) $(CSTD) $(OPT) -Iruntime -I$(G) $< $(G)/kk.c $(T)/kks.o $(RT_OBJ) $(TU_OBJ) $(CHECK) $(LIBS) -o $@

$(T)/test_unroll: tests/test_unroll.c $(G)/ufull.c $(G)/uloops.c $(RT_OBJ) $(TU_OBJ)
	$(CC) $(CSTD) $(OPT) -Iruntime -I$(G) $< $(G)/ufull.c $(G)/uloops.c $(RT_OBJ) $(TU_OBJ) $(CHECK) $(LIBS) -o $@

# each kind's forward pass against loops written in the test
$(T)/test_layers: tests/test_layers.c $(G)/layers.c $(RT_OBJ) $(TU_OBJ)
	$(CC) $(CSTD) $(OPT) -Iruntime -I$(G) $< $(G)/layers.c $(RT_OBJ) $(TU_OBJ) $(CHECK) $(LIBS) -o $@

$(T)/train_xor: tests/test_train.c $(G)/xor.c $(RT_OBJ) $(TU_OBJ)
	$(CC) $(CSTD) $(OPT) -DTRAIN_XOR -DCONSTNET_RUNTIME -Iruntime -I$(G) $< $(G)/xor.c $(RT_OBJ) $(TU_OBJ) $(CHECK) $(LIBS) -o $@
$(T)/train_mnist_adam: tests/test_train.c $(G)/mnist_adam.c $(RT_OBJ) $(TU_OBJ)
	$(CC) $(CSTD) $(OPT) -DTRAIN_MNIST -DCONSTNET_RUNTIME -Iruntime -I$(G) $< $(G)/mnist_adam.c $(RT_OBJ) $(TU_OBJ) $(CHECK) $(LIBS) -o $@
$(T)/train_mnist: tests/test_train.c $(G)/mnist.c $(RT_OBJ) $(TU_OBJ)
	$(CC) $(CSTD) $(OPT) -DTRAIN_MNIST -DCONSTNET_RUNTIME -Iruntime -I$(G) $< $(G)/mnist.c $(RT_OBJ) $(TU_OBJ) $(CHECK) $(LIBS) -o $@

# ONNX import and the PyTorch backend: one Python process (tests/test_interop.py) that
# prints Check's summary line; Debian's python3, where python3-onnx and -torch live
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
$(T)/test_interop: tests/test_interop.py tools/onnx_import.py examples/onnx/export_mlp.py $(GEN_SRC) $(wildcard templates/torch/*.tpl) \
                   $(wildcard templates/torch/layers/*.tpl) runtime/main.c $(RT_OBJ) README.md
	@mkdir -p $(@D)
	printf '#!/bin/sh\nLUA="%s" CC="%s" OPT="%s" LIBS="%s" exec "%s" tests/test_interop.py %s\n' \
	  '$(LUA)' '$(CC)' '$(OPT)' '$(LIBS)' '$(PYTHON)' '$(RT_OBJ)' > $@ && chmod +x $@

# the int8 backend: each net trained ten epochs on the committed subset by
# its trainer, quantized by the trainer, generated with --int8 into $(Q8);
# tests/test_q8.c is built once per net (mnist: sigmoid; q8_mix: tanh, relu,
# identity, softmax; q8_cnn: conv2d, the poolings, flatten, dropout)
Q8     := $(G)/q8
Q8_CAL := 500
$(T)/trainer_q8_mix $(T)/trainer_q8_cnn: $(T)/trainer_%: runtime/main.c $(G)/%.c $(RT_OBJ)
	$(CC) $(CSTD) $(OPT) $(PNG) -DCONSTNET_RUNTIME -Iruntime -I$(G) $< $(G)/$*.c $(RT_OBJ) $(LIBS) -o $@
$(Q8)/%.model: $(T)/trainer_%
	@mkdir -p $(@D)
	./$(T)/trainer_$* -q --data tests/data --epochs 10 --save $@ --csv $(Q8)/$*.csv --gallery $(Q8)/$*.png
$(Q8)/%_q8.lua: $(Q8)/%.model
	./$(T)/trainer_$* quantize -q --data tests/data --load $< --calibration $(Q8_CAL) -o $@
$(Q8)/%_q8.c: $(Q8)/%_q8.lua $(GEN_SRC)
	$(LUA) gen/constnet.lua -q $(firstword $(wildcard nets/$*.lua tests/specs/$*.lua)) --int8 $< -o $(Q8)

define Q8_SUITE
$(T)/$(1): tests/test_q8.c $(G)/$(2).c $(Q8)/$(2)_q8.c $(RT_OBJ) $(TU_OBJ)
	$(CC) $(CSTD) $(OPT) $(PNG) -DCONSTNET_RUNTIME -Iruntime -I$(G) -I$(Q8) -DQ8_NET=$(2) -DQ8_SPEC='"$(3)"' \
	    -DQ8_DIR='"$(Q8)"' -DQ8_BIN_DIR='"$(T)"' -DQ8_CALIBRATION=$(Q8_CAL) $$< $(G)/$(2).c $(Q8)/$(2)_q8.c \
	    $(RT_OBJ) $(TU_OBJ) $(CHECK) $(LIBS) -o $$@
endef
$(eval $(call Q8_SUITE,test_q8,mnist,nets/mnist.lua))
$(eval $(call Q8_SUITE,test_q8_mix,q8_mix,tests/specs/q8_mix.lua))
$(eval $(call Q8_SUITE,test_q8_cnn,q8_cnn,tests/specs/q8_cnn.lua))
