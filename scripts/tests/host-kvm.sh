#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What minisev and its SEV model do on this machine's own /dev/kvm when it
# is not kvm_amd (PVM here): the model must refuse SEV-ES at once, naming
# the mechanism that is missing, with its own exit status, never hang; SEV
# without ES, whose mechanisms PVM has, must still boot; and through
# scripts/kvm-run the model goes to a nested kvm_amd.  On kvm_amd (or
# with no /dev/kvm) there is nothing to check here: exit 77.
set -uo pipefail
cd "$(dirname "$0")/../.."

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	printf '#   %s\n' "$@"
}

host=$(scripts/kvm-run --which)
if [ "$host" = none ] || [ "$host" = kvm_amd ]; then
	echo "1..0 # SKIP this machine's /dev/kvm is ${host/none/missing or unusable}: nothing to refuse here"
	exit 77
fi
echo "TAP version 13"
echo "# this machine's /dev/kvm: $host"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SEVSIM_STATE=$work/state

start=$(date +%s%N)
timeout 30 scripts/sevsim build/minisev run --sev-es -t long_mode >"$work/es.out" 2>"$work/es.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
if [ $rc -eq 5 ]; then
	ok "SEV-ES under the model on $host: refused with exit 5 in $ms ms"
else
	not_ok "SEV-ES under the model on $host: exit $rc after $ms ms, expected 5" \
		"$(tail -n 5 "$work/es.err")"
fi
if [ $ms -lt 10000 ]; then
	ok "the refusal took less than 10 s"
else
	not_ok "the refusal took $ms ms"
fi
msg=$(grep '^sevsim: this KVM cannot carry the SEV model' "$work/es.err")
if [ -n "$msg" ]; then
	ok "the model says why: ${msg#sevsim: }"
else
	not_ok "no 'this KVM cannot carry the SEV model' line" "$(tail -n 5 "$work/es.err")"
fi
# Measured on PVM (6.18): VMGEXIT, like VMMCALL and VMCALL, never returns
# to the guest; every other mechanism works.
if [ "$host" = kvm_pvm ]; then
	if [[ $msg == *": vmgexit: "* ]]; then
		ok "on PVM the missing mechanism is vmgexit"
	else
		not_ok "on PVM the message does not name vmgexit: $msg"
	fi
fi
if [ ! -s "$work/es.out" ]; then
	ok "no guest ran (the console stayed empty)"
else
	not_ok "the guest's console printed something" "$(head -n 3 "$work/es.out")"
fi

timeout 60 scripts/sevsim build/minisev run --sev -t long_mode,sev_status >"$work/sev.out" 2>"$work/sev.err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^ok 2 - sev_status$' "$work/sev.out" &&
	grep -q "^minisev: warning: this KVM is" "$work/sev.err"; then
	ok "SEV (no ES) under the model boots on $host, with a warning that it is not kvm_amd"
else
	not_ok "SEV under the model on $host: exit $rc" "$(tail -n 5 "$work/sev.err")" \
		"$(grep -E '^(not )?ok' "$work/sev.out")"
fi
# scripts/sevsim says "kvm-run-need: kvm_amd": through kvm-run the same
# SEV-ES launch goes to a nested kvm_amd and passes.
# (Without KVM_RUN_NEED, which scripts/test sets: the script's own line decides.)
timeout 300 env -u KVM_RUN_NEED scripts/kvm-run scripts/sevsim build/minisev run --sev-es -c 4 -t sev_status,smp \
	>"$work/nested.out" 2>"$work/nested.err" </dev/null
rc=$?
if [ $rc -eq 0 ] &&
	grep -q "^kvm-run: /dev/kvm here is $host, not kvm_amd (scripts/sevsim says so)" "$work/nested.err" &&
	grep -q '^minisev: KVM: kvm_amd ' "$work/nested.err" && grep -q '^ok 2 - smp$' "$work/nested.out"; then
	ok "kvm-run takes scripts/sevsim to a nested kvm_amd, where SEV-ES on 4 vCPUs passes"
else
	not_ok "kvm-run scripts/sevsim ... --sev-es -c 4: exit $rc" "$(tail -n 5 "$work/nested.err")" \
		"$(grep -E '^(not )?ok' "$work/nested.out")"
fi
echo "1..$n"
[ $failed -eq 0 ]
