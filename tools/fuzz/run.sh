#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build and run mvf's libFuzzer targets (Documentation/fuzzing.rst):
#   fuzz_vfu, fuzz_admin, fuzz_image   tools/emu/fuzz (the emulator)
#   fuzz_stream                        tools/fuzz (the driver's resume-stream
#                                      parser, src/vfio/stream_parse.c)
#
#   run.sh build    build them all (clang, ASan, UBSan)
#   run.sh check    the parser's unit tests (test-stream, one line each),
#                   then each target's regression inputs once and
#                   MVF_FUZZ_TIME (30) seconds of fuzzing; one TAP-style
#                   line per target, last line "N passed, M failed"
#   run.sh bench [TARGET...]
#                   MVF_FUZZ_RUNS (10000000) executions per target (all, or
#                   the TARGETs named), MVF_FUZZ_JOBS (1) targets at a time,
#                   each stopped after MVF_FUZZ_MAX_TIME seconds if set (the
#                   results then say how many executions it reached); the
#                   figures go to build/fuzz-results.txt
#
# Working corpora and crash inputs: build/fuzz/<target>/ (corpus/,
# crash-*); the committed seeds are read, never written.  A crash found
# here is fixed and its input kept in the target's regress/ directory.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/build/fuzz
results=$repo/build/fuzz-results.txt
mode=${1:-}

# name:directory holding the binary, corpus/ and regress/.
targets=(
	"fuzz_vfu:$repo/tools/emu/fuzz"
	"fuzz_admin:$repo/tools/emu/fuzz"
	"fuzz_image:$repo/tools/emu/fuzz"
	"fuzz_stream:$repo/tools/fuzz"
)

# opts NAME: libFuzzer options of one target.  fuzz_stream: inputs up to
# 4 KiB (a stream's framing repeats every record; longer inputs only cost
# time), the seeds cut to that.
opts() {
	case $1 in
	fuzz_stream) echo -max_len=4096 ;;
	esac
}

build() {
	make -s -C "$repo/tools/emu/fuzz" all &&
		make -s -C "$repo/tools/fuzz" all
}

# stat LOG KEY: a "stat::KEY: VALUE" line of -print_final_stats.
stat() {
	sed -n "s/^stat::$2: *//p" "$1" | tail -n1
}

# last_cov LOG: "cov ft corp" of libFuzzer's last status line.
last_cov() {
	grep -E '^#[0-9]+' "$1" | tail -n1 |
		sed -nE 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+\/[0-9]+[A-Za-z]*).*/\1 \2 \3/p'
}

# fuzz NAME DIR LOG OPTIONS...: one libFuzzer run on the working corpus
# and the seeds; its exit status.
fuzz() {
	local name=$1 dir=$2 log=$3
	shift 3
	mkdir -p "$out/$name/corpus"
	# shellcheck disable=SC2046
	"$dir/$name" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$out/$name/" $(opts "$name") "$@" \
		"$out/$name/corpus" "$dir/corpus/$name" >"$log" 2>&1
}

# regress NAME DIR LOG: every regression input once; 0 if none crashes.
regress() {
	local name=$1 dir=$2 log=$3 files
	files=("$dir/regress/$name"/*)
	[ -e "${files[0]}" ] || { : >"$log"; echo 0; return 0; }
	"$dir/$name" -timeout=10 "${files[@]}" >"$log" 2>&1 || { echo "${#files[@]}"; return 1; }
	echo "${#files[@]}"
}

case $mode in
build)
	build
	;;
check)
	passed=0
	failed=0
	if ! build; then
		echo "not ok - fuzz targets did not build (run: make -C tools/emu/fuzz; make -C tools/fuzz)"
		echo "0 passed, ${#targets[@]} failed"
		exit 1
	fi
	mkdir -p "$out"
	"$repo/tools/fuzz/test-stream" | tee "$out/test-stream.log"
	line=$(tail -n1 "$out/test-stream.log")
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
	else
		echo "not ok - test-stream did not run to the end"
		failed=$((failed + 1))
	fi
	for t in "${targets[@]}"; do
		name=${t%%:*}
		dir=${t#*:}
		mkdir -p "$out/$name"
		rlog=$out/$name/check-regress.log
		flog=$out/$name/check.log
		if ! nreg=$(regress "$name" "$dir" "$rlog"); then
			echo "not ok - $name: a regression input crashes ($nreg inputs; $rlog)"
			failed=$((failed + 1))
			continue
		fi
		if ! fuzz "$name" "$dir" "$flog" -max_total_time="${MVF_FUZZ_TIME:-30}"; then
			echo "not ok - $name: crash while fuzzing ($flog; input in $out/$name/)"
			grep -m3 -E 'ERROR|runtime error|assertion failed' "$flog" | sed 's/^/# /'
			failed=$((failed + 1))
			continue
		fi
		read -r cov ft corp <<<"$(last_cov "$flog")"
		echo "ok - $name: $nreg regression inputs, $(stat "$flog" number_of_executed_units) executions ($(stat "$flog" average_exec_per_sec)/s), cov $cov ft $ft corpus $corp"
		passed=$((passed + 1))
	done
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	;;
bench)
	shift
	build || { echo "fuzz: targets did not build" >&2; exit 1; }
	runs=${MVF_FUZZ_RUNS:-10000000}
	jobs=${MVF_FUZZ_JOBS:-1}
	cap=${MVF_FUZZ_MAX_TIME:-0}
	sel=()
	for t in "${targets[@]}"; do
		if [ $# = 0 ] || [[ " $* " == *" ${t%%:*} "* ]]; then
			sel+=("$t")
		fi
	done
	{
		echo "# mvf fuzz benchmark: tools/fuzz/run.sh bench ($(date -u '+%F %T') UTC)"
		echo "# $(clang --version | head -n1); -O1 -fsanitize=fuzzer,address,undefined"
		echo "# host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start;" \
			"$jobs target(s) at a time"
		echo "# -runs=$runs per target$([ "$cap" = 0 ] || echo ", -max_total_time=$cap")," \
			"working corpus build/fuzz/<target>/corpus plus the seeds"
		printf '%-12s %12s %8s %8s %6s %7s %14s %7s %7s\n' target executions exec/s \
			seconds cov ft corpus crashes regress
	} >"$results"
	# bench_one NAME DIR: one target; its results line in build/fuzz/NAME/bench.line.
	bench_one() {
		local name=$1 dir=$2 log=$out/$1/bench.log start nreg crashes=0 st=0
		mkdir -p "$out/$name"
		nreg=$(regress "$name" "$dir" "$out/$name/bench-regress.log") || st=1
		start=$(date +%s)
		fuzz "$name" "$dir" "$log" -runs="$runs" -max_total_time="$cap" ||
			{ crashes=$(ls "$out/$name"/crash-* 2>/dev/null | wc -l); st=1; }
		read -r cov ft corp <<<"$(last_cov "$log")"
		printf '%-12s %12s %8s %8s %6s %7s %14s %7s %7s\n' "$name" \
			"$(stat "$log" number_of_executed_units)" \
			"$(stat "$log" average_exec_per_sec)" "$(($(date +%s) - start))" \
			"$cov" "$ft" "$corp" "$crashes" "$nreg" >"$out/$name/bench.line"
		echo "$st" >"$out/$name/bench.status"
	}
	status=0
	for t in "${sel[@]}"; do
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
			wait -n || true
		done
		rm -f "$out/${t%%:*}/bench.line" "$out/${t%%:*}/bench.status"
		bench_one "${t%%:*}" "${t#*:}" &
	done
	wait
	for t in "${sel[@]}"; do
		name=${t%%:*}
		if [ -s "$out/$name/bench.line" ]; then
			tee -a "$results" <"$out/$name/bench.line"
		else
			echo "$name: did not run to the end" | tee -a "$results"
		fi
		[ "$(cat "$out/$name/bench.status" 2>/dev/null)" = 0 ] || status=1
	done
	echo "fuzz: results in $results" >&2
	exit "$status"
	;;
*)
	echo "usage: $0 build|check|bench" >&2
	exit 2
	;;
esac
