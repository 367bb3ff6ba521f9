#!/usr/bin/env bash
# Debian's QEMU and OVMF, unchanged, as an SEV and an SEV-ES guest under the
# software model (scripts/sevsim --cpuid): an independent client of the
# model's firmware and KVM interface.  Prints TAP.  For each policy:
#   - the guest owner's session (minisev owner session) goes to QEMU as
#     dh-cert-file/session-file, QEMU launches paused (-S);
#   - QMP query-sev says launch-secret with that policy, and the launch
#     measurement from query-sev-launch-measure is checked by minisev owner
#     verify (OVMF.fd alone; for SEV-ES with QEMU's reset VMSAs from the
#     CPU's family, model and stepping) and, on this machine afterwards, by
#     libvirt's virt-qemu-sev-validate, each also shown a wrong input;
#   - `cont`, then the guest runs for a while and must stay "running";
#   - the model's trace (SEVSIM_TRACE: the first exit of each kind) shows
#     how far OVMF got: its own code, decrypted from private memory,
#     reading fw_cfg and probing PCI.
#
# QEMU runs with kernel-irqchip=off: OVMF reaches the local APIC through
# C-bit mappings before it clears the C-bit of MMIO, and the model cannot
# route GPA|C-bit to KVM's in-kernel APIC (README, "what the model does not
# do").  The launches run in the nested machine (scripts/kvm-run); the
# validator checks run afterwards here, Python being slow under TCG.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
# shellcheck source=nested-lib.sh
. scripts/tests/nested-lib.sh
OVMF=${OVMF:-/usr/share/ovmf/OVMF.fd}
QEMU=${QEMU:-qemu-system-x86_64}
# How long each guest may take after `cont` to reach the UEFI shell
# (nested TCG: OVMF's SEV boot takes about 100 s there).
RUNFOR=${QEMU_OVMF_RUNFOR:-300}
# QEMU's EPYC model: what --cpu-family/model/stepping name for SEV-ES.
CPU_MODEL=EPYC
CPU_FMS=(23 1 2)

if [ "${1:-}" != "--inside" ]; then
	if [ ! -f build/libsevsim.so ] || [ ! -x build/sevsim-cpuid ]; then
		echo "1..0 # SKIP the model (build/libsevsim.so, build/sevsim-cpuid) not built"
		exit 77
	fi
	if ! command -v "$QEMU" >/dev/null || [ ! -f "$OVMF" ] || ! command -v socat >/dev/null; then
		echo "1..0 # SKIP needs $QEMU, $OVMF and socat (scripts/setup installs them)"
		exit 77
	fi
	run_outer "$0"
fi

M=$root/build/minisev
S=$root/scripts/sevsim
tmp=$2/run
mkdir -p "$tmp"
cd "$tmp"
: >validate.jobs
export SEVSIM_STATE=$tmp/state
# QMP's socket: not on the 9p share, whose sockets a process cannot reach.
sockdir=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
qpid=
cleanup() {
	[ -n "$qpid" ] && kill -9 "$qpid" 2>/dev/null
	rm -rf "$sockdir"
}
trap cleanup EXIT


# QMP over socat: qmp JSON prints the reply (events before it dropped) and
# fails on an error reply or none within 60 s.
qmp() {
	local line
	# The coprocess is gone once QEMU has exited.
	if [ -z "${Q[1]:-}" ] || ! echo "$1" 2>/dev/null >&"${Q[1]}"; then
		echo "QEMU has exited"
		return 1
	fi
	while [ -n "${Q[0]:-}" ] && read -r -t 60 line <&"${Q[0]}"; do
		case $line in
		*'"return"'*) echo "$line"; return 0 ;;
		*'"error"'*) echo "$line"; return 1 ;;
		esac
	done
	echo "no reply to $1"
	return 1
}

# A string field of a one-line JSON reply (sed: Python is slow under TCG).
field() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\).*/\1/p" <<<"$2"; }

mkdir -p chain
if ! "$S" "$M" platform export chain >platform.out 2>&1; then
	not_ok "the model's platform exports its certificate chain" platform.out
	echo "1..$n"
	exit 1
fi

# launch NAME POLICY ES: one QEMU + OVMF launch, checked as above.
launch() {
	local name=$1 policy=$2 es=$3 sock=$sockdir/$1.qmp r meas api_major api_minor build
	local es_args=() args vargs st i
	[ "$es" = 1 ] && es_args=(--sev-es --cpu-family "${CPU_FMS[0]}" --cpu-model "${CPU_FMS[1]}"
		--cpu-stepping "${CPU_FMS[2]}" --num-cpus 1)
	if ! "$M" owner session --name "$name" --no-verify chain/pdh.cert "$policy" \
		>session.out 2>&1; then
		not_ok "owner session for policy $policy" session.out
		return
	fi
	rm -f "$name.trace"
	# SEV-ES: QEMU wants KVM's local APIC (OVMF uses it as x2APIC, MSRs).
	local irqchip=off
	[ "$es" = 1 ] && irqchip=split
	SEVSIM_TRACE=$tmp/$name.trace "$S" --cpuid "$QEMU" -S -nodefaults -no-user-config \
		-display none -machine "q35,accel=kvm,confidential-guest-support=sev0,kernel-irqchip=$irqchip" \
		-cpu "$CPU_MODEL" -m 256 -smp 1 -bios "$OVMF" \
		-object "sev-guest,id=sev0,cbitpos=47,reduced-phys-bits=1,policy=$((policy)),dh-cert-file=${name}_godh.b64,session-file=${name}_session.b64" \
		-serial "file:$tmp/$name.serial" -qmp "unix:$sock,server=on,wait=off" \
		>"$name.qemu" 2>&1 &
	qpid=$!
	for i in $(seq 300); do
		[ -S "$sock" ] && break
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.2
	done
	if [ ! -S "$sock" ]; then
		not_ok "QEMU starts an SEV guest of policy $policy under the model" "$name.qemu"
		kill -9 "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
		qpid=
		return
	fi
	coproc Q { socat - "UNIX-CONNECT:$sock"; }
	read -r -t 60 r <&"${Q[0]}"
	qmp '{"execute":"qmp_capabilities"}' >/dev/null
	r=$(qmp '{"execute":"query-sev"}')
	if [ "$(field state "$r")" = launch-secret ] && [ "$(field policy "$r")" = "$((policy))" ]; then
		ok "QEMU's SEV launch of OVMF under the model: paused at launch-secret, policy $policy"
	else
		not_ok "QEMU's SEV launch paused at launch-secret, policy $policy ($r)" "$name.qemu"
	fi
	api_major=$(field api-major "$r")
	api_minor=$(field api-minor "$r")
	build=$(field build-id "$r")
	r=$(qmp '{"execute":"query-sev-launch-measure"}')
	meas=$(field data "$r")
	# owner_args FIRMWARE BUILD: what the guest owner checks the measurement with.
	# vargs: the same for virt-qemu-sev-validate (no --sev-es: the policy says; the TEK).
	owner_args() {
		local a
		args=(--firmware "$1" --tik "${name}_tik.bin" --api-major "$api_major"
			--api-minor "$api_minor" --build-id "$2" --policy "$((policy))"
			--measurement "$meas" ${es_args[@]:+"${es_args[@]}"})
		vargs=(--tek "${name}_tek.bin")
		for a in "${args[@]}"; do
			[ "$a" = --sev-es ] || vargs+=("$a")
		done
	}
	owner_args "$OVMF" "$build"
	if "$M" owner verify "${args[@]}" >verify.out 2>&1; then
		ok "minisev owner verify: QEMU's measurement (policy $policy) matches"
	else
		not_ok "minisev owner verify: QEMU's measurement (policy $policy) matches" verify.out
	fi
	validate_later 0 "virt-qemu-sev-validate accepts QEMU's measurement (policy $policy)" \
		"${vargs[@]}"
	owner_args "$root/build/firmware.elf" "$build"
	"$M" owner verify "${args[@]}" >verify.out 2>&1
	if [ $? -eq 1 ]; then
		ok "minisev owner verify refuses it for another firmware image"
	else
		not_ok "minisev owner verify refuses it for another firmware image" verify.out
	fi
	owner_args "$OVMF" "$((build + 1))"
	validate_later 1 "virt-qemu-sev-validate refuses it with a wrong build id (policy $policy)" \
		"${vargs[@]}"
	qmp '{"execute":"cont"}' >/dev/null
	r=$(qmp '{"execute":"query-status"}')
	if [ "$(field status "$r")" = running ]; then
		ok "the guest runs after cont (policy $policy)"
	else
		not_ok "the guest runs after cont (policy $policy): $r" "$name.qemu"
	fi
	# Until the shell's banner, an end, or the time is up (SEV-ES: see
	# trace_checks, it cannot get far).
	local t0=$SECONDS limit=$RUNFOR
	[ "$es" = 1 ] && limit=30
	st=running
	while [ $((SECONDS - t0)) -lt "$limit" ] && [ "$st" = running ] &&
		! grep -q 'UEFI Interactive Shell' "$name.serial" 2>/dev/null; do
		sleep 5
		r=$(qmp '{"execute":"query-status"}') || break
		st=$(field status "$r")
	done
	echo "# policy $policy: status '$st' $((SECONDS - t0)) s after cont"
	qmp '{"execute":"quit"}' >/dev/null
	wait "$qpid" 2>/dev/null
	qpid=
	[ -n "${Q[1]:-}" ] && eval "exec ${Q[1]}>&-"
	if [ "$es" = 1 ]; then
		es_trace_checks "$name"
	else
		trace_checks "$name" "$policy"
	fi
}

# trace_checks NAME POLICY: how far OVMF got, from the model's trace.
trace_checks() {
	local t=$1.trace policy=$2 kinds
	kinds=$(grep -c ' exit ' "$t" 2>/dev/null)
	echo "# policy $policy: $kinds kinds of exit; the last ones:"
	tail -n 5 "$t" 2>/dev/null | sed 's/^/#   /'
	# fw_cfg: PlatformPei reads QEMU's configuration, code SEC decompressed.
	if grep -Eq 'io (in|out) port 0x51[01]\b' "$t"; then
		ok "OVMF reads fw_cfg (port 0x510/0x511) under policy $policy: its PEI runs"
	else
		not_ok "OVMF reads fw_cfg (port 0x510/0x511) under policy $policy" "$t" "$1.qemu"
	fi
	if grep -Eq 'mmio (read|write) page 0xb00' "$t"; then
		ok "OVMF's DXE enumerates PCI through ECAM (0xb0000000) under policy $policy"
	else
		not_ok "OVMF's DXE enumerates PCI through ECAM under policy $policy" "$t"
	fi
	if grep -q 'BdsDxe: starting' "$1.serial"; then
		ok "OVMF's BDS starts a boot option under policy $policy (serial console)"
	else
		not_ok "OVMF's BDS starts a boot option under policy $policy (serial console)" \
			"$1.serial" "$t"
	fi
	if grep -q 'UEFI Interactive Shell' "$1.serial"; then
		ok "OVMF reaches the UEFI shell under policy $policy"
	else
		not_ok "OVMF reaches the UEFI shell under policy $policy" "$1.serial"
	fi
}

# es_trace_checks NAME: SEV-ES.  OVMF's SEC sets up its IDT and its GHCB
# (shared in its page tables: the model learns it) and its first port
# access raises #VC, which the model delivers to OVMF's own handler.  There
# it ends: OVMF writes the GHCB MSR once, not before each VMGEXIT, and on
# non-ES KVM a VMGEXIT is a VMMCALL that KVM answers in the kernel, so the
# model, whose doorbell is that MSR write, never sees the request.
es_trace_checks() {
	local t=$1.trace
	echo "# policy 0x5: what the model saw:"
	sed 's/^/#   /' "$t" 2>/dev/null | head -n 10
	if grep -Eq '#VC for io (in|out) port 0x[0-9a-f]+ at 0xfff[0-9a-f]{5}$' "$t"; then
		ok "OVMF's SEC runs under SEV-ES: a port access from the ROM raises #VC to its own handler"
	else
		not_ok "OVMF's SEC runs under SEV-ES: a port access from the ROM raises #VC" "$t" \
			"$1.qemu"
	fi
}

launch q1 0x1 0
launch q5 0x5 1

echo "1..$n"
[ "$failed" -eq 0 ]
