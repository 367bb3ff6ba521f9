# Sourced by the nested-KVM test scripts (sev-launch.sh, qemu-ovmf.sh)
# whose launches run in the nested machine (scripts/kvm-run) while their
# virt-qemu-sev-validate checks run on this machine afterwards: Python
# under TCG takes tens of seconds to start.  Such a script runs itself
# again as "SCRIPT --inside WORKDIR" there, and prints TAP with these.

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

# not_ok DESC [FILE...]: the tails of FILEs (default $tmp/out, $tmp/err).
not_ok() {
	local f
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	[ $# -eq 0 ] && set -- "$tmp/out" "$tmp/err"
	for f in "$@"; do
		[ -s "$f" ] && sed "s|^|#   $(basename "$f"): |" "$f" | tail -n 15
	done
	return 0
}

# expect DESC STATUS PATTERN CMD...: (inside) CMD exits STATUS and its
# stdout+stderr ($tmp/out, $tmp/err) match the extended regular expression
# PATTERN ('' for any), within EXPECT_TIMEOUT seconds (default 120).
expect() {
	local desc=$1 want=$2 pat=$3 rc
	shift 3
	# A hang is a failure of its own, not the end of the whole suite.
	timeout -s KILL "${EXPECT_TIMEOUT:-120}" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	[ "$rc" -eq 137 ] && echo "timed out after ${EXPECT_TIMEOUT:-120}s" >>"$tmp/err"
	if [ "$rc" -ne "$want" ]; then
		not_ok "$desc (exit $rc, want $want)"
	elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$tmp/out" "$tmp/err"; then
		not_ok "$desc (no '$pat' in the output)"
	else
		ok "$desc"
	fi
}

# A field of minisev's --launch-info JSON (one "key": value per line); sed,
# not Python, which takes seconds to start under nested TCG.
json() { sed -n "s/^ *\"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$1"; }

# validate_later WANT DESC ARGS...: (inside) a virt-qemu-sev-validate check
# that the outer half runs in the same directory, $tmp, expecting exit WANT.
validate_later() {
	local want=$1 desc=$2 q
	shift 2
	printf -v q '%q ' "$@"
	printf '%s\t%s\t%s\n' "$want" "$desc" "$q" >>"$tmp/validate.jobs"
}

# run_outer SCRIPT: (outside) run SCRIPT --inside in the nested machine,
# pass its TAP through, then run its deferred checks from WORKDIR/run and
# number them on.  Exits with the verdict.
run_outer() {
	local script=$1 work rc n failed want desc args got
	work=$(mktemp -d)
	# shellcheck disable=SC2064 # expand now: $work is local
	trap "rm -rf '$work'" EXIT
	# KVM's SEV layer is kvm_amd's: never another /dev/kvm (PVM).
	KVM_RUN_NEED=kvm_amd scripts/kvm-run "$script" --inside "$work" | tee "$work/inside.tap"
	rc=${PIPESTATUS[0]}
	[ "$rc" -eq 77 ] && exit 77
	n=$(grep -cE '^(not )?ok ' "$work/inside.tap")
	failed=$(grep -cE '^not ok ' "$work/inside.tap")
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		n=$((n + 1))
		failed=1
		echo "not ok $n - the nested run exited $rc"
	fi
	cd "$work/run" 2>/dev/null || { echo "1..$n"; exit 1; }
	# Deferred checks: "WANT<TAB>DESC<TAB>ARGS..." (ARGS quoted with %q).
	while IFS=$'\t' read -r want desc args; do
		n=$((n + 1))
		eval "set -- $args"
		if /usr/bin/python3 /usr/bin/virt-qemu-sev-validate "$@" >out 2>&1; then got=0; else got=$?; fi
		if [ "$got" -eq "$want" ]; then
			echo "ok $n - $desc"
		else
			echo "not ok $n - $desc (exit $got, want $want)"
			sed 's/^/#   /' out | tail -n 10
			failed=$((failed + 1))
		fi
	done <"$work/run/validate.jobs"
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit
}
