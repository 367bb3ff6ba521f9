#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Cross-checks of 'minisev owner' against libvirt's virt-qemu-sev-validate
# (Debian libvirt-clients-qemu, offline mode), printed as TAP:
#  - measurements minisev computes are accepted by the validator (SEV,
#    kernel hashes, SEV-ES VMSAs, random inputs) and altered ones refused;
#  - secret packets the validator builds open and verify with minisev;
#  - packets minisev builds equal, byte for byte, what the validator's own
#    build_secrets() makes from the same IV (its module loaded from
#    /usr/bin, os.urandom pinned), so either formula accepts the other's.
# Run from the repository root; MINISEV (default build/minisev) and
# MINISEV_VECTORS (default ../shared/vectors) may be overridden.
set -u

MINISEV=${MINISEV:-build/minisev}
VEC=${MINISEV_VECTORS:-../shared/vectors}
VALIDATOR=/usr/bin/virt-qemu-sev-validate
# The validator needs Debian's python3 (lxml, libvirt, cryptography),
# not whatever python3 comes first in PATH.
PY=/usr/bin/python3

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # check DESC CMD...
	local d=$1
	shift
	if "$@" >"$T/out" 2>&1; then ok "$d"; else notok "$d"; sed 's/^/# /' "$T/out"; fi
}
check_fails() { # the command must exit with status $2
	local d=$1 want=$2 rc
	shift 2
	"$@" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$d"; else notok "$d (exit $rc, want $want)"; sed 's/^/# /' "$T/out"; fi
}

if [ ! -x "$VALIDATOR" ] || ! "$PY" -c 'import lxml, libvirt, cryptography' 2>/dev/null; then
	echo "1..0 # SKIP virt-qemu-sev-validate or its python3 modules missing (apt-get install libvirt-clients-qemu)"
	exit 0
fi
if [ ! -x "$MINISEV" ]; then
	echo "1..0 # SKIP $MINISEV not built"
	exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

validate() { "$PY" "$VALIDATOR" "$@"; }
M=$VEC/sevctl/measurement
OVMF=$M/OVMF.amdsev.fd_trimmed
TIK=$M/tik1.bin
head -c 16 /dev/urandom >"$T/tek.bin"

# 1-3: the sevctl known answers, checked by the validator as well.
m1=$("$MINISEV" owner measure --measured "$OVMF" --tik "$TIK" --api-major 1 --api-minor 40 \
	--build-id 40 --policy 3 --mnonce wxP6tRHCFrFQWxsuqZA8QA==)
[ "$m1" = "oMDewIouJSpbpNRHj7Mk3p08H2dPZQdsZMU14qIymBnDE/q1EcIWsVBbGy6pkDxA" ] &&
	ok "SEV firmware-only measurement equals the sevctl known answer" ||
	notok "SEV firmware-only measurement equals the sevctl known answer (got $m1)"
check "validator accepts minisev's SEV measurement" \
	validate --firmware "$OVMF" --tik "$TIK" --tek "$T/tek.bin" --measurement "$m1" \
	--api-major 1 --api-minor 40 --build-id 40 --policy 3

CMDLINE="foo bar baz fake kernel=cmdline"
m2=$("$MINISEV" owner measure --measured "$OVMF" --kernel "$M/vmlinuz-fake" --initrd "$M/initrd-fake" \
	--cmdline "$CMDLINE" --tik "$TIK" --api-major 1 --api-minor 40 --build-id 40 --policy 3 \
	--mnonce wxP6tRHCFrFQWxsuqZA8QA==)
[ "$m2" = "h3auYbWQnVW7EGLWN4Hf9SN0oEYMPU2sK4bLnefWPwvDE/q1EcIWsVBbGy6pkDxA" ] &&
	ok "kernel-hashes measurement equals the sevctl known answer" ||
	notok "kernel-hashes measurement equals the sevctl known answer (got $m2)"
check "validator accepts minisev's kernel-hashes measurement" \
	validate --firmware "$OVMF" --kernel "$M/vmlinuz-fake" --initrd "$M/initrd-fake" \
	--cmdline "$CMDLINE" --tik "$TIK" --tek "$T/tek.bin" --measurement "$m2" \
	--api-major 1 --api-minor 40 --build-id 40 --policy 3

V=$VEC/sevctl/vmsa
m3=$("$MINISEV" owner measure --measured "$OVMF" --vmsa-cpu0 "$V/vmsa0.bin" --vmsa-cpu1 "$V/vmsa1.bin" \
	--num-cpus 4 --tik "$TIK" --api-major 1 --api-minor 49 --build-id 6 --policy 5 \
	--mnonce Lb6Vn10xZNtSjGSAAIUJ8g==)
[ "$m3" = "/o0nzDKE5XgtVnUZWPhUea/WZYrTKLExR7KCwuMdbActvpWfXTFk21KMZIAAhQny" ] &&
	ok "SEV-ES 4-vCPU measurement equals the sevctl known answer" ||
	notok "SEV-ES 4-vCPU measurement equals the sevctl known answer (got $m3)"
check "validator accepts minisev's SEV-ES measurement" \
	validate --firmware "$OVMF" --vmsa-cpu0 "$V/vmsa0.bin" --vmsa-cpu1 "$V/vmsa1.bin" --num-cpus 4 \
	--tik "$TIK" --tek "$T/tek.bin" --measurement "$m3" --api-major 1 --api-minor 49 \
	--build-id 6 --policy 5

# The same VMSAs computed from nothing but the CPU (EPYC Milan: family 25
# model 1 stepping 1) and the firmware's SEV-ES reset block: QEMU's reset
# state as KVM copies it.
m4=$("$MINISEV" owner measure --measured "$OVMF" --sev-es --cpu-family 25 --cpu-model 1 \
	--cpu-stepping 1 --num-cpus 4 --tik "$TIK" --api-major 1 --api-minor 49 --build-id 6 \
	--policy 5 --mnonce Lb6Vn10xZNtSjGSAAIUJ8g==)
[ "$m4" = "$m3" ] &&
	ok "SEV-ES VMSAs computed from --cpu-family/model/stepping give the sevctl known answer" ||
	notok "SEV-ES VMSAs computed from --cpu-family/model/stepping give the sevctl known answer (got $m4)"
# Debian's OVMF, its own AP reset address, other CPUs: the validator
# computes its VMSAs from the same numbers.
DEB_OVMF=/usr/share/ovmf/OVMF.fd
if [ -f "$DEB_OVMF" ]; then
	for c in "23 49 0 1" "25 1 1 2" "6 85 7 5"; do
		set -- $c
		m=$("$MINISEV" owner measure --measured "$DEB_OVMF" --sev-es --cpu-family "$1" \
			--cpu-model "$2" --cpu-stepping "$3" --num-cpus "$4" --tik "$TIK" \
			--api-major 0 --api-minor 24 --build-id 17 --policy 5)
		check "validator accepts the QEMU SEV-ES measurement of Debian's OVMF (family $1 model $2 stepping $3, $4 vCPUs)" \
			validate --firmware "$DEB_OVMF" --tik "$TIK" --tek "$T/tek.bin" --measurement "$m" \
			--api-major 0 --api-minor 24 --build-id 17 --policy 5 --cpu-family "$1" \
			--cpu-model "$2" --cpu-stepping "$3" --num-cpus "$4"
	done
	check_fails "validator refuses it for another stepping" 1 \
		validate --firmware "$DEB_OVMF" --tik "$TIK" --tek "$T/tek.bin" --measurement "$m" \
		--api-major 0 --api-minor 24 --build-id 17 --policy 5 --cpu-family 6 \
		--cpu-model 85 --cpu-stepping 4 --num-cpus 5
fi

# Random inputs: firmware, TIK, mnonce, API, build, policy.
for i in 1 2 3 4 5; do
	head -c $((4096 * i + 16 * i)) /dev/urandom >"$T/fw$i"
	head -c 16 /dev/urandom >"$T/tik$i"
	maj=$((RANDOM % 3)); min=$((RANDOM % 256)); bld=$((RANDOM % 256))
	pol=$(((RANDOM % 64) & ~4 | (RANDOM % 2) << 16))
	mn=$(head -c 16 /dev/urandom | base64)
	m=$("$MINISEV" owner measure --measured "$T/fw$i" --tik "$T/tik$i" --api-major $maj \
		--api-minor $min --build-id $bld --policy $pol --mnonce "$mn")
	check "random case $i: validator accepts (api $maj.$min build $bld policy $pol)" \
		validate --firmware "$T/fw$i" --tik "$T/tik$i" --tek "$T/tek.bin" --measurement "$m" \
		--api-major $maj --api-minor $min --build-id $bld --policy $pol
	check "random case $i: minisev owner verify says match" \
		"$MINISEV" owner verify --measured "$T/fw$i" --tik "$T/tik$i" --api-major $maj \
		--api-minor $min --build-id $bld --policy $pol --measurement "$m"
done

# Both refuse an altered measurement, a wrong build and another TIK.
bad=$(echo "$m1" | base64 -d | "$PY" -c 'import sys;b=bytearray(sys.stdin.buffer.read());b[0]^=1;sys.stdout.write(__import__("base64").b64encode(b).decode())')
check_fails "validator refuses an altered measurement" 1 \
	validate --firmware "$OVMF" --tik "$TIK" --tek "$T/tek.bin" --measurement "$bad" \
	--api-major 1 --api-minor 40 --build-id 40 --policy 3
check_fails "minisev refuses the same altered measurement" 1 \
	"$MINISEV" owner verify --measured "$OVMF" --tik "$TIK" --api-major 1 --api-minor 40 \
	--build-id 40 --policy 3 --measurement "$bad"
check_fails "validator refuses minisev's measurement under another build id" 1 \
	validate --firmware "$OVMF" --tik "$TIK" --tek "$T/tek.bin" --measurement "$m1" \
	--api-major 1 --api-minor 40 --build-id 41 --policy 3
check_fails "minisev refuses it too" 1 \
	"$MINISEV" owner verify --measured "$OVMF" --tik "$TIK" --api-major 1 --api-minor 40 \
	--build-id 41 --policy 3 --measurement "$m1"
check_fails "validator refuses minisev's measurement under another TIK" 1 \
	validate --firmware "$OVMF" --tik "$T/tik1" --tek "$T/tek.bin" --measurement "$m1" \
	--api-major 1 --api-minor 40 --build-id 40 --policy 3

# Secrets built by the validator open with minisev (MAC, decryption, table).
S=$VEC/sevctl/secret
printf 'second secret, 30 bytes long!!' >"$T/s2"
check "validator builds a secret packet (offline, --inject-secret)" \
	validate --firmware "$OVMF" --tik "$TIK" --tek "$T/tek.bin" --measurement "$m1" \
	--api-major 1 --api-minor 40 --build-id 40 --policy 3 \
	--inject-secret "luks-key:$S/secret1.txt" \
	--inject-secret "23058844-597b-42fb-8259-a0f5d9d495af:$T/s2" \
	--secret-header "$T/hdr.b64" --secret-payload "$T/pay.b64"
mkdir -p "$T/x"
check "minisev secret-check accepts the validator's packet" \
	"$MINISEV" owner secret-check --tek "$T/tek.bin" --tik "$TIK" --measurement "$m1" \
	--header-file "$T/hdr.b64" --payload-file "$T/pay.b64" --extract "$T/x"
check "the secrets minisev decrypted are the validator's inputs" \
	cmp "$T/x/736869e5-84f0-4973-92ec-06879ce3da0b" "$S/secret1.txt"
check "second secret too" cmp "$T/x/23058844-597b-42fb-8259-a0f5d9d495af" "$T/s2"
check_fails "minisev refuses the validator's packet under another measurement" 1 \
	"$MINISEV" owner secret-check --tek "$T/tek.bin" --tik "$TIK" --measurement "$m2" \
	--header-file "$T/hdr.b64" --payload-file "$T/pay.b64"

# Packets built by minisev equal what the validator's build_secrets() makes.
cat >"$T/vbuild.py" <<'PYEOF'
import base64, importlib.machinery, importlib.util, sys
spec = importlib.util.spec_from_loader("vqsv", importlib.machinery.SourceFileLoader("vqsv", sys.argv[1]))
v = importlib.util.module_from_spec(spec)
spec.loader.exec_module(v)
fw, tik, tek, meas, iv = sys.argv[2:7]
cvm = v.OfflineConfidentialVM(measurement=meas, api_major=1, api_minor=40, build_id=40,
                              policy=3, num_cpus=None)
cvm.load_firmware(fw)
cvm.load_tik_tek(tik, tek)
for s in sys.argv[7:]:
    alias, path = s.split(":", 1)
    cvm.secrets_table.load_secret(alias, path)
ivb = base64.b64decode(iv)
v.os.urandom = lambda n: ivb   # the only random input of build_secrets
h, p = cvm.build_secrets()
print("header: " + h)
print("payload: " + p)
PYEOF
for case in "1:luks-key:$S/secret1.txt" "2:luks-key:$S/secret1.txt 23058844-597b-42fb-8259-a0f5d9d495af:$T/s2" \
	"3:23058844-597b-42fb-8259-a0f5d9d495af:$S/secret2.txt"; do
	idx=${case%%:*}
	secrets=${case#*:}
	iv=$(head -c 16 /dev/urandom | base64)
	margs=()
	for s in $secrets; do margs+=(--secret "$s"); done
	"$PY" "$T/vbuild.py" "$VALIDATOR" "$OVMF" "$TIK" "$T/tek.bin" "$m1" "$iv" $secrets >"$T/v$idx" 2>&1
	"$MINISEV" owner secret --tek "$T/tek.bin" --tik "$TIK" --measurement "$m1" --iv "$iv" \
		--padding libvirt "${margs[@]}" >"$T/m$idx" 2>&1
	if cmp -s "$T/v$idx" "$T/m$idx"; then
		ok "secret case $idx: minisev packet == validator build_secrets() byte for byte"
	else
		notok "secret case $idx: minisev packet == validator build_secrets() byte for byte"
		sed 's/^/# validator: /' "$T/v$idx"
		sed 's/^/# minisev:   /' "$T/m$idx"
	fi
	hdr=$(sed -n 's/^header: //p' "$T/m$idx")
	pay=$(sed -n 's/^payload: //p' "$T/m$idx")
	check "secret case $idx: minisev secret-check opens its own packet" \
		"$MINISEV" owner secret-check --tek "$T/tek.bin" --tik "$TIK" --measurement "$m1" \
		--header "$hdr" --payload "$pay"
done
# sevctl padding (the default) differs from libvirt's only for aligned tables.
"$MINISEV" owner secret --tek "$T/tek.bin" --tik "$TIK" --measurement "$m1" \
	--iv AAAAAAAAAAAAAAAAAAAAAA== --secret "luks-key:$S/secret1.txt" >"$T/d1"
"$MINISEV" owner secret --tek "$T/tek.bin" --tik "$TIK" --measurement "$m1" \
	--iv AAAAAAAAAAAAAAAAAAAAAA== --secret "luks-key:$S/secret1.txt" --padding libvirt >"$T/d2"
cmp -s "$T/d1" "$T/d2" && ok "unaligned table: sevctl and libvirt padding agree" ||
	notok "unaligned table: sevctl and libvirt padding agree"

echo "1..$n"
[ "$failed" = 0 ]
