#!/usr/bin/env bash
# Linux guests (issue 9): Debian's kernel with the test initramfs
# (guest-tests/linux/init.c) booted directly, then as an SEV guest of the
# model through the firmware's measured-boot verifier.  Prints TAP.
# Covers: the init's checks (modules, hvc0, SEV as asked, CPUs, memory,
# console input), the owner's check of the launch measurement with
# `minisev owner verify --kernel --initrd --cmdline` and, on this machine
# afterwards, Debian's virt-qemu-sev-validate; a kernel, initrd or command
# line changed by one byte after the hashes were measured refused by the
# verifier with its name; images that are not bzImages refused before the
# guest runs.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
# shellcheck source=nested-lib.sh
. scripts/tests/nested-lib.sh

# The kernel the initramfs carries modules for (mkinitramfs chooses it).
kver=$(scripts/mkinitramfs --print-kver 2>/dev/null)
KERNEL=/boot/vmlinuz-$kver
INITRD=$root/build/linux/initramfs.cpio

if [ "${1:-}" != "--inside" ]; then
	for f in build/libsevsim.so "$INITRD" "$KERNEL"; do
		if [ ! -f "$f" ]; then
			echo "1..0 # SKIP $f is missing (make linux-initramfs; linux-image-amd64)"
			exit 77
		fi
	done
	run_outer "$0"
fi

if [ ! -c /dev/kvm ]; then
	echo "1..0 # SKIP no /dev/kvm"
	exit 77
fi

M=$root/build/minisev
S=$root/scripts/sevsim
tmp=$2/run
mkdir -p "$tmp"
: >"$tmp/validate.jobs"
export SEVSIM_STATE=$tmp/state
cd "$tmp"

# A Linux boot under nested TCG takes about 30 s: expect() waits longer.
export EXPECT_TIMEOUT=240

# ---- plain: the direct boot ------------------------------------------------
# The console line goes in once the init is up, as a user would type it:
# typed before the guest opened hvc0, it was not seen (observed).
cmdline="console=hvc0 quiet minisev.sev=off minisev.cpus=2 minisev.mem=256 minisev.input=t0k3n"
coproc GUEST { timeout -s KILL 240 "$M" run --kernel "$KERNEL" --initrd "$INITRD" \
	--cmdline "$cmdline" -m 256M -c 2 --timings plain.timings.json 2>&1; }
exec {from_guest}<&"${GUEST[0]}" {to_guest}>&"${GUEST[1]}"
: >plain.out
while IFS= read -r line <&"$from_guest"; do
	line=${line%$'\r'} # the guest's tty writes CR LF
	printf '%s\n' "$line" >>plain.out
	[ "$line" = "minisev-init: up" ] && echo t0k3n >&"$to_guest"
done
exec {from_guest}<&- {to_guest}>&-
wait "$GUEST_PID"
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^minisev-init: verdict pass' plain.out &&
	[ "$(grep -c '^ok ' plain.out)" -ge 10 ] && ! grep -q '^not ok' plain.out; then
	ok "plain Linux, 2 vCPUs: the test init passes ($(grep -c '^ok ' plain.out) checks, console input included)"
else
	not_ok "plain Linux, 2 vCPUs: the test init passes (exit $rc)" plain.out
fi
if grep -q '"first_console_byte"' plain.timings.json 2>/dev/null; then
	ok "the plain boot's timings carry the first console byte"
else
	not_ok "the plain boot's timings carry the first console byte" plain.timings.json
fi
expect "a wrong expectation makes the init fail: exit 1" 1 'not ok .*cpus=3' \
	"$M" run --kernel "$KERNEL" --initrd "$INITRD" -c 2 \
	--cmdline "console=hvc0 quiet minisev.cpus=3"

# ---- images that are not bzImages: refused, nothing runs -------------------
head -c 100000 "$KERNEL" >truncated.bz
expect "a truncated kernel is refused before the guest runs: exit 3" 3 'syssize|truncated' \
	"$M" run --kernel truncated.bz
expect "a file that is no bzImage is refused: exit 3" 3 'not a bzImage' \
	"$M" run --kernel "$INITRD"
expect "a kernel that needs more RAM than given is refused: exit 3" 3 'give more' \
	"$M" run --kernel "$KERNEL" --initrd "$INITRD" -m 64M
expect "--initrd without --kernel is a usage error: exit 2" 2 'needs --kernel' \
	"$M" run --initrd "$INITRD"

# ---- SEV: the measured boot ------------------------------------------------
mkdir -p chain
expect "platform export writes the certificate chain" 0 '' "$S" "$M" platform export chain
expect "owner session for policy 0x1" 0 '' \
	"$M" owner session --name o --no-verify chain/pdh.cert 0x1
sev_cmdline="console=hvc0 quiet minisev.sev=sev minisev.cpus=2 minisev.mem=256"
expect "Linux as an SEV guest on 2 vCPUs through the verifier: the test init passes" 0 \
	'verdict pass' "$S" "$M" run --sev --kernel "$KERNEL" --initrd "$INITRD" -c 2 \
	--cmdline "$sev_cmdline" -m 256M --dh-cert o_godh.b64 --session o_session.b64 \
	--measured-out sev.m.bin --launch-info sev.json
cp out sev.out
if grep -q 'verifier: kernel, initrd and command line match' sev.out &&
	grep -q '^ok .*sev=sev: .*active: AMD SEV' sev.out; then
	ok "the verifier checked all three, and the guest's log shows SEV"
else
	not_ok "the verifier checked all three, and the guest's log shows SEV" sev.out
fi
if [ "$(json sev.json cmdline)" = "$sev_cmdline" ] && [ "$(json sev.json kernel)" = "$KERNEL" ]; then
	ok "launch info names the kernel and the command line as hashed"
else
	not_ok "launch info names the kernel and the command line as hashed" sev.json
fi
owner_args=(--measured sev.m.bin --tik o_tik.bin --api-major "$(json sev.json api_major)"
	--api-minor "$(json sev.json api_minor)" --build-id "$(json sev.json build_id)"
	--policy 0x1 --measurement "$(json sev.json measurement)" --kernel "$KERNEL"
	--initrd "$INITRD")
expect "owner verify --kernel --initrd --cmdline: the measurement matches" 0 '^match' \
	"$M" owner verify "${owner_args[@]}" --cmdline "$sev_cmdline"
expect "owner verify refuses it for a command line one byte longer" 1 'mismatch' \
	"$M" owner verify "${owner_args[@]}" --cmdline "$sev_cmdline "
val_args=(--firmware sev.m.bin --tik o_tik.bin --tek o_tek.bin
	--measurement "$(json sev.json measurement)" --api-major "$(json sev.json api_major)"
	--api-minor "$(json sev.json api_minor)" --build-id "$(json sev.json build_id)"
	--policy 1 --kernel "$KERNEL" --initrd "$INITRD")
validate_later 0 "virt-qemu-sev-validate accepts the SEV Linux launch" \
	"${val_args[@]}" --cmdline "$sev_cmdline"
validate_later 1 "virt-qemu-sev-validate refuses it with another initrd" \
	"${val_args[@]/$INITRD/$KERNEL}" --cmdline "$sev_cmdline"

# ---- SEV-ES: Linux's own #VC handler and GHCB ------------------------------
expect "owner session for policy 0x5 (nodbg,es)" 0 '' \
	"$M" owner session --name o5 --no-verify chain/pdh.cert 0x5
es_cmdline="console=hvc0 quiet minisev.sev=es minisev.cpus=1 minisev.mem=256"
expect "Linux as an SEV-ES guest through the verifier: the test init passes" 0 \
	'verdict pass' "$S" "$M" run --sev-es --kernel "$KERNEL" --initrd "$INITRD" \
	--cmdline "$es_cmdline" -m 256M --dh-cert o5_godh.b64 --session o5_session.b64 \
	--measured-out es.m.bin --launch-info es.json --vmsa-out vmsa-es
cp out es.out
if grep -q '^ok .*sev=es: .*SEV-ES' es.out; then
	ok "the SEV-ES guest's own log shows SEV and SEV-ES"
else
	not_ok "the SEV-ES guest's own log shows SEV and SEV-ES" es.out
fi
fw_entry=$(readelf -h "$root/build/firmware.elf" | awk '/Entry point/ {print $4}')
expect "owner verify --sev-es: the measurement matches from the entry point and the files" 0 \
	'^match' "$M" owner verify --sev-es --measured es.m.bin --tik o5_tik.bin \
	--api-major "$(json es.json api_major)" --api-minor "$(json es.json api_minor)" \
	--build-id "$(json es.json build_id)" --policy nodbg,es --vmsa-entry "$fw_entry" \
	--cbit "$(json es.json cbitpos)" --init init2 --num-cpus 1 \
	--measurement "$(json es.json measurement)" --kernel "$KERNEL" --initrd "$INITRD" \
	--cmdline "$es_cmdline"
validate_later 0 "virt-qemu-sev-validate accepts the SEV-ES Linux launch" \
	--firmware es.m.bin --tik o5_tik.bin --tek o5_tek.bin \
	--measurement "$(json es.json measurement)" --api-major "$(json es.json api_major)" \
	--api-minor "$(json es.json api_minor)" --build-id "$(json es.json build_id)" --policy 5 \
	--vmsa-cpu0 vmsa-es/vmsa0.bin --vmsa-cpu1 vmsa-es/vmsa0.bin --num-cpus 1 \
	--kernel "$KERNEL" --initrd "$INITRD" \
	--cmdline "$es_cmdline"

# ---- the host changes a blob after the hashes were measured ---------------
for what in kernel initrd cmdline; do
	name=$what
	[ $what = cmdline ] && name="command line"
	expect "SEV: a $name changed by one byte is refused by the verifier, by name" 4 \
		"the $name differs from the measured launch" \
		"$S" "$M" run --sev --kernel "$KERNEL" --initrd "$INITRD" --provoke "$what-changed"
done
expect "SEV-ES: the verifier's refusal reaches the VMM as a termination naming the kernel" 4 \
	'refused the kernel' "$S" "$M" run --sev-es --kernel "$KERNEL" --initrd "$INITRD" \
	--provoke kernel-changed

echo "1..$n"
[ "$failed" -eq 0 ]
