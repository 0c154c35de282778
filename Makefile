# sbx — build, test and run.  See README.md.
#   make            build everything (after `make deps`)
#   make test       deps, build, every test suite
#   make run        deps, build, the default templates, then the workbench
#   make bench      benchmarks, written to docs/PERFORMANCE.md
#   make SAN=1      the ASan/UBSan build, in build-san/

CC      ?= cc
SAN     ?=
ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      = -O1 -g
else
BUILD   ?= build
SANFLAGS =
OPT      = -O2 -g
endif

# -ffile-prefix-map: no checkout path in the binaries (sbx-agent is hashed into
# template ids; two clones of one commit must share their templates).
PKGS     = libmicrohttpd libcurl libzmq jansson libcrypto zlib
CFLAGS  += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -DSBX_SOURCE_DIR='"$(CURDIR)"' $(OPT) $(SANFLAGS) \
           -ffile-prefix-map=$(CURDIR)=. \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -MMD -MP
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lseccomp -lutil -lpthread
LDFLAGS += $(SANFLAGS) -Wl,--as-needed

CORE_SRC  = $(wildcard src/util/*.c src/proto/*.c src/http/*.c)
AGENT_SRC = $(filter-out src/agent/main.c,$(wildcard src/agent/*.c))
VM_SRC    = $(filter-out vm/guest/init.c,$(wildcard vm/*.c vm/*/*.c))
DAEMON_SRC = $(wildcard src/daemon/*.c)
DAEMON_OBJ = $(DAEMON_SRC:%.c=$(BUILD)/%.o)
CLIENT_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/client/*.c))
CLI_OBJ   = $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/cli/*.c))
AI_OBJ    = $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/ai/*.c))
VM_OBJ    = $(VM_SRC:%.c=$(BUILD)/%.o)
CORE_OBJ  = $(CORE_SRC:%.c=$(BUILD)/%.o)
AGENT_OBJ = $(AGENT_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC  = $(wildcard tests/tools/*.c)
TOOL_BIN  = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

# The workbench's curses-free model (ui/model): libsbxui.a, linked into
# tests/unit/test_ui_* (with libsbx, whose code events the notebook takes)
# with its own pkg-config list.
UI_PKGS      = vterm libsixel libpng jansson
UI_CFLAGS    = $(shell pkg-config --cflags $(UI_PKGS) 2>/dev/null)
UI_LDLIBS    = $(shell pkg-config --libs $(UI_PKGS) 2>/dev/null) -lm
UI_MODEL_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard ui/model/*.c))
$(UI_MODEL_OBJ): CFLAGS += $(UI_CFLAGS)

# The workbench's view (ui/*.c): the only code that includes curses.
UI_VIEW_PKGS   = ncursesw
UI_VIEW_CFLAGS = $(shell pkg-config --cflags $(UI_VIEW_PKGS) 2>/dev/null)
UI_VIEW_LDLIBS = $(shell pkg-config --libs $(UI_VIEW_PKGS) 2>/dev/null)
UI_VIEW_OBJ    = $(patsubst %.c,$(BUILD)/%.o,$(wildcard ui/*.c))
$(UI_VIEW_OBJ): CFLAGS += $(UI_CFLAGS) $(UI_VIEW_CFLAGS)

.PHONY: all deps templates test test-env test-unit test-integration test-tui test-compat test-fuzz bench run clean
all: $(BUILD)/sbx-agent $(BUILD)/sbx $(BUILD)/sbx-guest-init $(UNIT_BIN) $(TOOL_BIN)

deps:
	@./tests/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libsbxcore.a: $(CORE_OBJ)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/libsbxagent.a: $(AGENT_OBJ)
	@rm -f $@; ar rcs $@ $^

$(BUILD)/libsbxvm.a: $(VM_OBJ)
	@rm -f $@; ar rcs $@ $^

$(BUILD)/libsbxdaemon.a: $(DAEMON_OBJ)
	@rm -f $@; ar rcs $@ $^

$(BUILD)/libsbx.a: $(CLIENT_OBJ)
	@rm -f $@; ar rcs $@ $^

# The LLM side (src/ai): providers' wire formats and the tool loop, a
# client of libsbx like the CLI and the workbench.
$(BUILD)/libsbxai.a: $(AI_OBJ)
	@rm -f $@; ar rcs $@ $^

$(BUILD)/sbx: $(CLI_OBJ) $(UI_VIEW_OBJ) $(BUILD)/libsbxui.a $(BUILD)/libsbxai.a $(BUILD)/libsbx.a $(BUILD)/libsbxdaemon.a $(BUILD)/libsbxvm.a $(BUILD)/libsbxcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(UI_VIEW_LDLIBS) $(UI_LDLIBS) $(LDLIBS)

# PID 1 of the VM guests' initramfs: static, no project libraries, never
# sanitized (it runs before any file system but its own exists).
$(BUILD)/sbx-guest-init: vm/guest/init.c vm/guest/guest.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -static -o $@ $<

$(BUILD)/sbx-agent: $(BUILD)/src/agent/main.o $(BUILD)/libsbxagent.a $(BUILD)/libsbxcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsbxai.a $(BUILD)/libsbx.a $(BUILD)/libsbxdaemon.a $(BUILD)/libsbxagent.a $(BUILD)/libsbxvm.a $(BUILD)/libsbxcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.a,$^) $(LDLIBS) -lcmocka

# libsbx links without sbxd, as libcurl without curl(1): test_client_config
# takes every object of libsbx.a against libsbxcore.a alone, and no libsbx
# source may include another part's headers.
$(BUILD)/tests/test_client_config: tests/unit/test_client_config.c $(BUILD)/libsbx.a $(BUILD)/libsbxcore.a
	@if grep -n '^#include "\.\./\(daemon\|cli\|agent\)/\|^#include "\.\./\.\./' src/client/*.[ch]; then \
		echo "libsbx (src/client) must not include sbxd's, the CLI's or the agent's headers" >&2; exit 1; fi
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--whole-archive $(BUILD)/libsbx.a -Wl,--no-whole-archive \
		$(BUILD)/libsbxcore.a $(LDLIBS) -lcmocka

# test_client_opts and test_cli_args also test the CLI's pure parsers and result renderer.
CLI_PURE_OBJ = $(BUILD)/src/cli/cmd_opts.o $(BUILD)/src/cli/cmd_args.o $(BUILD)/src/cli/cmd_run_render.o $(BUILD)/src/cli/cmd_show.o
$(BUILD)/tests/test_client_opts $(BUILD)/tests/test_cli_args: $(BUILD)/tests/%: tests/unit/%.c $(CLI_PURE_OBJ) $(BUILD)/libsbx.a $(BUILD)/libsbxdaemon.a $(BUILD)/libsbxvm.a $(BUILD)/libsbxcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter tests/unit/%.c %.o %.a,$^) $(LDLIBS) -lcmocka


$(BUILD)/libsbxui.a: $(UI_MODEL_OBJ)
	@rm -f $@; ar rcs $@ $^

$(BUILD)/tests/test_ui_%: tests/unit/test_ui_%.c $(BUILD)/libsbxui.a $(BUILD)/libsbxai.a $(BUILD)/libsbx.a $(BUILD)/libsbxcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(UI_CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.a,$^) $(UI_LDLIBS) $(LDLIBS) -lcmocka

# make bench's terminal-pane throughput tool (links the curses-free ui model).
$(BUILD)/bench/term_bench: tests/bench/term_bench.c $(BUILD)/libsbxui.a $(BUILD)/libsbxcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(UI_CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.a,$^) $(UI_LDLIBS) $(LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libsbxagent.a $(BUILD)/libsbxvm.a $(BUILD)/libsbxcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.a,$^) $(LDLIBS)

# The fake cloud-hypervisor the ch driver is tested against (tests/fake-ch):
# a standalone program, no sbx library.
all: $(BUILD)/fake-ch/fake_cloud_hypervisor
$(BUILD)/fake-ch/fake_cloud_hypervisor: tests/fake-ch/fake_cloud_hypervisor.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(shell pkg-config --libs jansson)

# Every suite prints its runner's closing summary; see tests/run-*.sh.
# The default templates, built with the normal agent (a no-op when cached:
# the cache lives outside the checkout, keyed by the recipe and agent hash).
templates: all
	$(BUILD)/sbx template build base
	$(BUILD)/sbx template build code-interpreter

# Never in golden-update mode, never with skips allowed (tests/tap_run.sh).
test-env:
	@if [ -n "$${SBX_TUI_UPDATE:-}$${SBX_TEST_ALLOW_SKIP:-}" ]; then \
		echo "make test: unset SBX_TUI_UPDATE and SBX_TEST_ALLOW_SKIP: they turn checks into skips" >&2; exit 1; fi

# Every agent change makes new builds (~4 GB each): superseded ones unused
# for 2 h go, so repeated test runs do not fill the disk.
test: test-env deps
	$(MAKE) -j$(shell nproc) all
	$(MAKE) -j$(shell nproc) SAN=1 all
	$(MAKE) templates
	$(BUILD)/sbx template prune --unused-for 2h
	./tests/integration/ns-template.sh build-san/sbx-agent
	./tests/compat/install.sh
	./tests/compat-py/install.sh
	./tests/registry/fetch.sh
	./tests/run-unit.sh build build-san
	AGENT=$(CURDIR)/build-san/sbx-agent TOOLS=$(CURDIR)/build-san/tools timeout -k 10 1800 ./tests/integration/qemu-warm.sh
	./tests/run-integration.sh build-san
	./tests/run-tui.sh build-san
	./tests/run-fuzz.sh
	./tests/run-compat.sh build
	./tests/run-compat.sh --api build
	./tests/run-compat.sh --api --runtime qemu build sandbox.test.mjs code.test.mjs commands.test.mjs files.test.mjs pty.test.mjs
	./tests/run-compat-py.sh build
	./tests/run-compat-py.sh --api build

test-unit: all
	./tests/run-unit.sh $(BUILD)
test-integration: all
	./tests/run-integration.sh $(BUILD)
test-tui: all
	./tests/run-tui.sh $(BUILD)
test-compat: all
	./tests/run-compat.sh $(BUILD)
test-fuzz:
	./tests/run-fuzz.sh

bench: deps all $(BUILD)/bench/term_bench
	./tests/bench/run.sh $(BUILD)

run: deps all
	$(BUILD)/sbx template build base
	$(BUILD)/sbx template build code-interpreter
	$(BUILD)/sbx

clean:
	rm -rf build build-san build-fuzz

-include $(shell find build build-san -name '*.d' 2>/dev/null)
