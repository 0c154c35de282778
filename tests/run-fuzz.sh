#!/usr/bin/env bash
# Builds each tests/fuzz/fuzz_*.c with libFuzzer (clang) against the agent's
# sources (compiled once) and runs it briefly: FUZZ_SECONDS each (default 10),
# starting from its seeds in tests/fuzz/corpus/<target>.
# Prints "fuzz: N passed, N failed".
#
# fuzz_agent_* targets drive a real agent, which writes files and starts
# processes when a request asks it to.  They run fenced, and so only as root:
# in their own mount, network and pid namespaces (everything they start dies
# with them), with empty /tmp and /dev/shm, no executables in /usr/bin, as
# nobody.
set -u
secs=${FUZZ_SECONDS:-10}
out=build-fuzz
mkdir -p "$out/obj"
pkgs="libmicrohttpd libcurl libzmq jansson libcrypto zlib"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-std=c11 -D_GNU_SOURCE -g -O1 $san $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lutil -lpthread"
objs=()
for s in src/util/*.c src/proto/*.c src/http/*.c src/agent/*.c vm/template/template_toml.c; do
	[ "$s" = src/agent/main.c ] && continue
	o=$out/obj/$(echo "$s" | tr / _).o
	if [ ! -f "$o" ] || [ "$s" -nt "$o" ]; then
		clang $cflags -fsanitize=fuzzer-no-link -c -o "$o" "$s" || { echo "not ok - compiling $s"; echo "fuzz: 0 passed, 1 failed"; exit 1; }
	fi
	objs+=("$o")
done
# fenced CMD...: CMD as nobody in throwaway namespaces (see above).
fenced() {
	unshare --mount --net --pid --fork --kill-child --propagation private -- /bin/sh -euc '
		mount -t tmpfs -o size=64m none /tmp
		mount -t tmpfs -o size=16m none /dev/shm
		cp /usr/bin/setpriv /tmp/.setpriv
		for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin; do   # mount itself is in /usr/bin
			[ -d "$d" ] && mount -t tmpfs -o size=1m,mode=755 none "$d"
		done
		exec /tmp/.setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all -- "$@"
	' fenced "$@"
}
# Crash reports stay symbolized with /usr/bin hidden.
sym=$(readlink -f "$(command -v llvm-symbolizer 2>/dev/null || echo /usr/lib/llvm-14/bin/llvm-symbolizer)")
[ -x "$sym" ] && export ASAN_SYMBOLIZER_PATH=$sym

pass=0 fail=0
for f in tests/fuzz/fuzz_*.c; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .c)
	if ! clang $cflags -fsanitize=fuzzer -o "$out/$name" "$f" "${objs[@]}" $libs 2>"$out/$name.build.log"; then
		echo "not ok - $name: does not build"; cat "$out/$name.build.log"; fail=$((fail + 1)); continue
	fi
	mkdir -p "$out/$name.corpus" "$out/$name.crash"
	seeds=tests/fuzz/corpus/$name
	[ -d "$seeds" ] || seeds=
	run=()
	case $name in fuzz_agent_*)
		if [ "$(id -u)" -ne 0 ]; then
			echo "ok - $name # SKIP needs root to fence the agent it drives"; continue
		fi
		chown -R 65534:65534 "$out/$name.corpus" "$out/$name.crash"
		run=(fenced)
	esac
	if "${run[@]}" "$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$out/$name.crash/" "$out/$name.corpus" $seeds >"$out/$name.log" 2>&1; then
		echo "ok - $name ($(grep -o 'Done [0-9]* runs' "$out/$name.log" | tail -1))"
		pass=$((pass + 1))
	else
		echo "not ok - $name"; tail -n 40 "$out/$name.log"; fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
