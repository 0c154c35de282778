#!/usr/bin/env bash
# Builds each tests/fuzz/fuzz_*.c with libFuzzer (clang) against the agent's
# sources (compiled once) and runs it briefly: FUZZ_SECONDS each (default 10).
# Prints "fuzz: N passed, N failed".
set -u
secs=${FUZZ_SECONDS:-10}
out=build-fuzz
mkdir -p "$out/obj"
pkgs="libmicrohttpd libcurl libzmq jansson libcrypto"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-std=c11 -D_GNU_SOURCE -g -O1 $san $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lutil -lpthread"
objs=()
for s in src/util/*.c src/proto/*.c src/http/*.c src/agent/*.c; do
	[ "$s" = src/agent/main.c ] && continue
	o=$out/obj/$(echo "$s" | tr / _).o
	if [ ! -f "$o" ] || [ "$s" -nt "$o" ]; then
		clang $cflags -fsanitize=fuzzer-no-link -c -o "$o" "$s" || { echo "not ok - compiling $s"; echo "fuzz: 0 passed, 1 failed"; exit 1; }
	fi
	objs+=("$o")
done
pass=0 fail=0
for f in tests/fuzz/fuzz_*.c; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .c)
	if ! clang $cflags -fsanitize=fuzzer -o "$out/$name" "$f" "${objs[@]}" $libs 2>"$out/$name.build.log"; then
		echo "not ok - $name: does not build"; cat "$out/$name.build.log"; fail=$((fail + 1)); continue
	fi
	mkdir -p "$out/$name.corpus"
	seeds=tests/fuzz/corpus/$name
	[ -d "$seeds" ] || seeds=
	if "$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$out/$name-" "$out/$name.corpus" $seeds >"$out/$name.log" 2>&1; then
		echo "ok - $name ($(grep -o 'Done [0-9]* runs' "$out/$name.log" | tail -1))"
		pass=$((pass + 1))
	else
		echo "not ok - $name"; tail -n 40 "$out/$name.log"; fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
