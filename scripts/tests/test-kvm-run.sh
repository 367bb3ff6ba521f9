#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Tests scripts/kvm-run's nested path (MINISEV_FORCE_NESTED=1, so it runs the
# same on a machine with /dev/kvm) and prints TAP.  Exits 0 only if every
# check passes, 77 (skip) if this machine cannot run the nested machine.
#
# Each boot costs seconds, so there are two, run side by side:
#   main     one script that checks many things inside, then dies of SIGUSR1
#            (status 128+10)
#   missing  a command that does not exist (status 127)
# one run whose timeout stops QEMU during its boot, and one whose command
# makes the guest kernel print what a wedged kernel prints.

set -euo pipefail

REPO_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
readonly REPO_DIR
readonly KVM_RUN=$REPO_DIR/scripts/kvm-run
export MINISEV_FORCE_NESTED=1

TESTS=0
FAILED=0

ok() {
	TESTS=$((TESTS + 1))
	echo "ok $TESTS - $1"
}

not_ok() {
	TESTS=$((TESTS + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $TESTS - $1"
	shift
	local line
	for line in "$@"; do
		printf '#   %s\n' "$line"
	done
}

# check DESCRIPTION COMMAND...: one TAP line for the command's success.
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc" "failed: $*"
	fi
}

# same DESCRIPTION EXPECTED FILE: the file holds exactly EXPECTED.
same() {
	local desc=$1 want=$2 file=$3 got
	if [[ ! -f $file ]]; then
		not_ok "$desc" "$file does not exist"
		return
	fi
	got=$(cat -- "$file"; echo x)
	got=${got%x}
	if [[ $got == "$want" ]]; then
		ok "$desc"
	else
		not_ok "$desc" "want: $(printf '%q' "$want")" "got:  $(printf '%q' "$got")"
	fi
}

skip_all() {
	echo "1..0 # SKIP $1"
	echo "$1"
	exit 77
}

# Skips when the nested machine cannot work here at all; every other
# problem is the runner's to report, and a failure.
preflight() {
	command -v qemu-system-x86_64 >/dev/null ||
		skip_all "no qemu-system-x86_64 (scripts/setup installs it)"
	local img found=0
	for img in /boot/vmlinuz-*; do
		[[ -r $img ]] && found=1
	done
	((found)) || skip_all "no readable /boot/vmlinuz-* (Debian's is root-only; run as root)"
}

# start NAME DIR INPUT [VAR=VALUE...] -- COMMAND...: runs kvm-run in the
# background in DIR, with INPUT on its stdin (none: /dev/null); its stdout,
# stderr, status and wall time go to $WORK/NAME.{out,err,rc,time}.
start() {
	local name=$1 dir=$2 input=$3
	shift 3
	local -a vars=()
	while [[ $1 != -- ]]; do
		vars+=("$1")
		shift
	done
	shift
	(
		begin=${EPOCHREALTIME/./}
		rc=0
		cd -- "$dir"
		if [[ -n $input ]]; then
			printf '%s' "$input" | env "${vars[@]}" "$KVM_RUN" "$@" \
				>"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
		else
			env "${vars[@]}" "$KVM_RUN" "$@" </dev/null \
				>"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
		fi
		printf '%s' "$rc" >"$WORK/$name.rc"
		end=${EPOCHREALTIME/./}
		echo "$(((end - begin) / 1000000))" >"$WORK/$name.time"
	) &
	PIDS+=($!)
}

# What the main boot runs, from a directory whose name needs quoting.  It
# writes what it sees into files next to itself, for the host to compare.
write_inner() {
	cat >"$1" <<'EOF'
set -u
echo "stdout one"
echo "stderr one" >&2
pwd >pwd.seen
printf '%s' "$KVM_RUN_TEST_VALUE" >env.seen
printf '%s\n' "${MINISEV_FORCE_NESTED-unset}" "${KVM_RUN_NESTED-unset}" >nested.seen
if [ -c /dev/kvm ] && : <>/dev/kvm; then echo yes; else echo no; fi >kvm.seen
ulimit -l >memlock.seen
cat >stdin.seen
mkdir -p made/by/guest && echo "written inside" >made/by/guest/file
echo "stdout two"
kill -USR1 $$
echo "not reached"
EOF
}

main() {
	preflight
	WORK=$(mktemp -d)
	trap 'rm -rf -- "$WORK"' EXIT
	PIDS=()

	local dir="$WORK/a dir with 'quotes' and spaces"
	mkdir -p "$dir"
	write_inner "$WORK/inner.sh"
	local value=$'two words, a * and a $HOME\nsecond line \'quoted\' "too"'

	start main "$dir" $'piped in\nand more\n' KVM_RUN_TEST_VALUE="$value" -- \
		bash "$WORK/inner.sh"
	start missing "$WORK" "" -- kvm-run-test-no-such-command --flag
	# One second is too short for the boot: the timeout stops QEMU.
	start timeout "$WORK" "" KVM_RUN_TIMEOUT=1 -- sleep 600
	# A soft lockup report on the console (written at KERN_EMERG through
	# /dev/kmsg, as the watchdog would): kvm-run must not wait out the
	# 300 s timeout.
	start wedged "$WORK" "" KVM_RUN_TIMEOUT=300 -- \
		sh -c 'echo "<0>watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [test]" >/dev/kmsg; sleep 600'
	local pid
	for pid in "${PIDS[@]}"; do
		wait "$pid" || true
	done

	echo "1..21"
	same "main: death by SIGUSR1 comes back as status 138" 138 "$WORK/main.rc"
	same "main: stdout comes back alone, in order" $'stdout one\nstdout two\n' "$WORK/main.out"
	same "main: stderr comes back alone: no boot noise, no shell job message" \
		$'stderr one\n' "$WORK/main.err"
	same "main: same working directory" "$dir"$'\n' "$dir/pwd.seen"
	same "main: exported variable with spaces, quotes, newline" "$value" "$dir/env.seen"
	same "main: MINISEV_FORCE_NESTED not passed in, KVM_RUN_NESTED=1" $'unset\n1\n' "$dir/nested.seen"
	same "main: /dev/kvm opens inside" $'yes\n' "$dir/kvm.seen"
	same "main: RLIMIT_MEMLOCK unlimited inside" $'unlimited\n' "$dir/memlock.seen"
	same "main: piped stdin reaches the command, then EOF" $'piped in\nand more\n' "$dir/stdin.seen"
	same "main: a file written inside appears on the host" $'written inside\n' \
		"$dir/made/by/guest/file"

	same "missing command: status 127" 127 "$WORK/missing.rc"
	same "missing command: nothing on stdout" "" "$WORK/missing.out"
	same "missing command: kvm-run says so on stderr" \
		$'kvm-run: kvm-run-test-no-such-command: command not found\n' "$WORK/missing.err"

	same "timeout: status 124" 124 "$WORK/timeout.rc"
	check "timeout: says it timed out" grep -q 'timed out after 1s' "$WORK/timeout.err"
	same "timeout: nothing on stdout" "" "$WORK/timeout.out"
	check "timeout: QEMU stopped within 20 s" test "$(cat "$WORK/timeout.time")" -lt 20

	same "wedged kernel: status 124" 124 "$WORK/wedged.rc"
	check "wedged kernel: says so, with the console line" \
		grep -q 'the nested kernel wedged and was stopped: .*BUG: soft lockup' "$WORK/wedged.err"
	same "wedged kernel: nothing on stdout" "" "$WORK/wedged.out"
	check "wedged kernel: stopped within 60 s, not at the timeout" \
		test "$(cat "$WORK/wedged.time")" -lt 60

	local name
	for name in main missing timeout wedged; do
		echo "# $name: $(cat "$WORK/$name.time" 2>/dev/null || echo '?') s"
	done
	if ((FAILED)); then
		echo "# $FAILED of $TESTS failed"
		exit 1
	fi
}

main "$@"
