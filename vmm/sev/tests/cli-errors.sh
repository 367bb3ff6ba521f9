#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Command-line behaviour of 'minisev platform' and 'minisev owner', as
# TAP: malformed certificates, truncated session files, wrong key sizes,
# bad base64 and policy contradictions each give a clear error naming the
# file and a non-zero exit; the happy paths write what sevctl writes.
# Everything is written under a temporary directory, never next to the
# vectors.  Run from the repository root.
set -u

MINISEV=${MINISEV:-build/minisev}
VEC=${MINISEV_VECTORS:-../shared/vectors}
if [ ! -x "$MINISEV" ]; then
	echo "1..0 # SKIP $MINISEV not built"
	exit 0
fi
MINISEV=$(cd "$(dirname "$MINISEV")" && pwd)/$(basename "$MINISEV")
VEC=$(cd "$VEC" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

n=0
failed=0
# expect STATUS PATTERN DESC -- CMD...: exit status and a message (stdout+stderr).
expect() {
	local want=$1 pat=$2 desc=$3 rc
	shift 4
	"$@" >out 2>&1
	rc=$?
	n=$((n + 1))
	if [ "$rc" = "$want" ] && { [ -z "$pat" ] || grep -q -- "$pat" out; }; then
		echo "ok $n - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc (exit $rc, want $want, pattern '$pat')"
		sed 's/^/# /' out
	fi
}
m() { "$MINISEV" "$@"; }
C=$VEC/certs
MV=$VEC/sevctl/measurement
MEAS=(--measured "$MV/OVMF.amdsev.fd_trimmed" --api-major 1 --api-minor 40 --build-id 40)

# --- malformed certificates
head -c 1000 "$C/rome/pek.cert" >short.cert
expect 2 "short.cert: 1000 bytes, a SEV certificate is 2084" "truncated SEV certificate" -- \
	m platform verify "$C/rome" --pek short.cert
head -c 900 "$C/rome/ark.cert" >short-ark.cert
expect 2 "short-ark.cert: 900 bytes, truncated" "truncated AMD CA certificate" -- \
	m platform verify "$C/rome" --ark short-ark.cert
printf 'this is no certificate\n' >text.cert
expect 2 "text.cert" "text that is neither base64 nor a certificate" -- \
	m platform verify --pdh text.cert
cp "$C/rome/pek.cert" v2.cert && printf '\002' | dd of=v2.cert conv=notrunc status=none
expect 2 "v2.cert: SEV certificate version 2" "wrong certificate version" -- \
	m platform verify --pek v2.cert --partial
expect 2 "expected PDH" "a PEK given as PDH" -- m platform verify --pdh "$C/rome/pek.cert"
expect 2 "looks like an AMD CA certificate" "an ARK given as PEK" -- \
	m platform verify --pek "$C/rome/ark.cert"
expect 2 "no/such.cert" "missing file" -- m platform verify --pdh no/such.cert
expect 1 "chain: INVALID" "negative vector refused" -- \
	m platform verify "$C/rome" --pek "$VEC/negative/rome_pek_cek_sig_corrupt.cert"
expect 0 "chain: valid" "real chain valid" -- m platform verify "$C/milan"
base64 -w0 "$C/milan/pdh.cert" >pdh.b64
expect 0 "chain: valid" "base64 PDH accepted" -- m platform verify "$C/milan" --pdh pdh.b64
expect 1 "PDH signed by PEK .*invalid" "Naples PDH under the Rome PEK" -- \
	m platform verify "$C/rome" --pdh "$C/naples/pdh.cert"

# --- owner session
expect 0 "wrote vm_tik.bin" "session for the Milan PDH, chain verified" -- \
	m owner session --chain "$C/milan" "$C/milan/pdh.cert" nodbg
for f in vm_tik.bin vm_tek.bin vm_godh.b64 vm_session.b64; do
	mode=$(stat -c %a "$f" 2>/dev/null)
	n=$((n + 1))
	[ "$mode" = 600 ] && echo "ok $n - $f is 0600" || { failed=$((failed + 1)); echo "not ok $n - $f mode $mode"; }
done
n=$((n + 1))
if [ "$(stat -c %s vm_tik.bin)" = 16 ] && [ "$(stat -c %s vm_session.b64)" = 172 ] &&
	[ "$(base64 -d vm_godh.b64 | wc -c)" = 2084 ]; then
	echo "ok $n - sevctl file sizes (16, base64 of 128 and of 2084)"
else
	failed=$((failed + 1)); echo "not ok $n - sevctl file sizes"
fi
expect 0 "usable for LAUNCH_START" "session-info reads the files" -- m owner session-info
expect 1 "does not hold" "PDH without its chain refused" -- m owner session "$C/milan/pdh.cert" 1
mkdir rome && cp "$C/rome/pek.cert" "$C/rome/oca.cert" "$C/rome/cek.cert" rome/
expect 0 "wrote good_tik.bin" "Rome PDH with its chain (built-in ARK/ASK)" -- \
	m owner session --name good --chain rome "$C/rome/pdh.cert" 1
expect 1 "does not hold" "tampered PDH refused" -- \
	m owner session --name bad --chain rome "$VEC/negative/rome_pdh_apiminor_changed.cert" 1
expect 2 "its PDH is not the one" "PDH that contradicts the chain's" -- \
	m owner session --name bad --chain "$C/rome" "$C/milan/pdh.cert" 1
expect 0 "wrote t_tik.bin" "--no-verify makes a session as sevctl does" -- \
	m owner session --no-verify --name t "$VEC/derived/synthetic/pdh.cert" 0x5
expect 0 "TEK and TIK files match" "firmware-side unwrap with the PDH private key" -- \
	m owner session-info --name t --pdh-key "$VEC/derived/synthetic/pdh_private.pem" --policy 5 \
	--tik t_tik.bin --tek t_tek.bin
expect 1 "policy_mac does not match" "unwrap under another policy" -- \
	m owner session-info --name t --pdh-key "$VEC/derived/synthetic/pdh_private.pem" --policy 1
expect 2 "reserved" "session with reserved policy bits refused" -- \
	m owner session --no-verify --name r "$VEC/derived/synthetic/pdh.cert" 0x40
expect 2 "holds no PDH" "session from a PEK" -- m owner session --no-verify "$C/rome/pek.cert" 1
expect 2 "short.cert" "session from a truncated PDH" -- m owner session --no-verify short.cert 1
head -c 101 vm_session.b64 >cut_session.b64
cp vm_godh.b64 cut_godh.b64
expect 2 "cut_session.b64: bad base64: 101 characters, not a multiple of 4" "truncated session file (base64)" -- \
	m owner session-info --name cut
head -c 96 vm_session.b64 >cut_session.b64
expect 2 "cut_session.b64: session blob is 72 bytes, expected 128 (truncated?)" "truncated session file (blob)" -- \
	m owner session-info --name cut
head -c 2000 vm_godh.b64 >cut_godh.b64
expect 2 "cut_godh.b64: GODH certificate is 1500 bytes" "truncated GODH file" -- \
	m owner session-info --name cut

# --- keys, base64, measurements
head -c 15 /dev/urandom >tik15.bin
expect 2 "tik15.bin: 15 bytes, a TIK file holds exactly 16" "15-byte TIK" -- \
	m owner measure "${MEAS[@]}" --policy 1 --tik tik15.bin
head -c 32 /dev/urandom >tk33.bin && head -c 1 /dev/urandom >>tk33.bin
expect 2 "tk33.bin: 33 bytes" "33-byte TEK||TIK" -- m owner measure "${MEAS[@]}" --policy 1 --tk tk33.bin
expect 2 "mnonce: bad base64" "bad base64 mnonce" -- \
	m owner measure "${MEAS[@]}" --policy 1 --tik vm_tik.bin --mnonce 'abc*defg'
expect 2 "expected 16 bytes" "mnonce of the wrong size" -- \
	m owner measure "${MEAS[@]}" --policy 1 --tik vm_tik.bin --mnonce AAAA
expect 2 "48 bytes" "short measurement blob" -- \
	m owner verify "${MEAS[@]}" --policy 1 --tik vm_tik.bin --measurement AAAA
expect 2 "not in the alphabet" "bad base64 measurement" -- \
	m owner verify "${MEAS[@]}" --policy 1 --tik vm_tik.bin --measurement 'AA!A'
expect 2 "lacks the ES bit" "VMSAs with a non-ES policy" -- \
	m owner measure "${MEAS[@]}" --policy 1 --tik vm_tik.bin --vmsa-cpu0 "$VEC/sevctl/vmsa/vmsa0.bin" --num-cpus 1
expect 2 "requires SEV-ES" "ES policy without VMSAs" -- \
	m owner measure "${MEAS[@]}" --policy 5 --tik vm_tik.bin
expect 2 "a VMSA page is 4096" "VMSA of the wrong size" -- \
	m owner measure "${MEAS[@]}" --policy 5 --tik vm_tik.bin --vmsa-cpu0 "$MV/tik1.bin" --num-cpus 1
expect 2 "needs --vmsa-cpu1" "SMP SEV-ES without the AP VMSA" -- \
	m owner measure "${MEAS[@]}" --policy 5 --tik vm_tik.bin --vmsa-cpu0 "$VEC/sevctl/vmsa/vmsa0.bin" --num-cpus 2
expect 2 "initrd/--cmdline require --kernel" "initrd without kernel" -- \
	m owner measure "${MEAS[@]}" --policy 1 --tik vm_tik.bin --initrd "$MV/initrd-fake"
expect 2 "need --api-major" "missing firmware version" -- \
	m owner measure --measured "$MV/OVMF.amdsev.fd_trimmed" --policy 1 --tik vm_tik.bin
meas=$(m owner measure "${MEAS[@]}" --policy 1 --tik vm_tik.bin)
expect 0 "^match" "verify what measure printed" -- \
	m owner verify "${MEAS[@]}" --policy 1 --tik vm_tik.bin --measurement "$meas"
expect 1 "mismatch" "verify under another policy" -- \
	m owner verify "${MEAS[@]}" --policy 3 --tik vm_tik.bin --measurement "$meas"
expect 0 "lswbxWxI9gckya16JQvdFtpYmNO4b+3inAPpqsgoBI7DE/q1EcIWsVBbGy6pkDxA" "explicit digest (sevctl KAT)" -- \
	m owner measure --digest xkvRAfyaSizgonxAjZIAkR8TmolUabBKQKb6KJCDDSM= --tik "$MV/tik1.bin" \
	--api-major 1 --api-minor 40 --build-id 40 --policy 3 --mnonce wxP6tRHCFrFQWxsuqZA8QA==

# --- secrets
S=$VEC/sevctl/secret
SM=TLeA7607lZQntLjRY1/i+sbtdSZ+75zxpz4Px9hzpBLwItF5Q2o4prA++3ZZv9ZS
expect 0 "header: AAAAAKxUdO1N0yx9mJ7FI9klWey8FSzeYQ4X8K71VzNKLU/KQsIsQxLjtbhaPUewqshX5Q==" "sevctl secret KAT" -- \
	m owner secret --tek "$S/tek1.bin" --tik "$S/tik1.bin" --measurement "$SM" \
	--iv rFR07U3TLH2YnsUj2SVZ7A== --secret "luks-key:$S/secret1.txt"
expect 0 "" "secret to files" -- m owner secret --tek "$S/tek1.bin" --tik "$S/tik1.bin" \
	--measurement "$SM" --secret "luks-key:$S/secret1.txt" --header-out h.b64 --payload-out p.b64
expect 0 "1 secret" "secret-check of those files" -- m owner secret-check --tek "$S/tek1.bin" \
	--tik "$S/tik1.bin" --measurement "$SM" --header-file h.b64 --payload-file p.b64
expect 1 "mismatch" "secret-check with the wrong TIK" -- m owner secret-check --tek "$S/tek1.bin" \
	--tik "$MV/tik1.bin" --measurement "$SM" --header-file h.b64 --payload-file p.b64
expect 2 "header: bad base64" "bad base64 header" -- m owner secret-check --tek "$S/tek1.bin" \
	--tik "$S/tik1.bin" --measurement "$SM" --header 'AA*A' --payload-file p.b64
expect 2 "secret header is 3 bytes, expected 52" "short header" -- m owner secret-check \
	--tek "$S/tek1.bin" --tik "$S/tik1.bin" --measurement "$SM" --header AAAA --payload-file p.b64
expect 2 "at most 16384" "secret over the 16 KiB limit (libvirt padding)" -- \
	m owner secret --tek "$S/tek1.bin" --tik "$S/tik1.bin" --measurement "$SM" --padding libvirt \
	--secret "23058844-597b-42fb-8259-a0f5d9d495af:$S/secret4.txt"
expect 2 "neither a GUID nor the alias" "bad secret GUID" -- m owner secret --tek "$S/tek1.bin" \
	--tik "$S/tik1.bin" --measurement "$SM" --secret "1234:$S/secret1.txt"
expect 2 "TEK file holds exactly 16" "TEK of the wrong size" -- m owner secret --tek tk33.bin \
	--tik "$S/tik1.bin" --measurement "$SM" --secret "luks-key:$S/secret1.txt"
expect 2 "goes with --vmsa-entry" "--vmsa-features with VMSA files" -- \
	m owner measure "${MEAS[@]}" --policy 5 --tik vm_tik.bin --vmsa-features 0x20 \
	--vmsa-cpu0 "$VEC/sevctl/vmsa/vmsa0.bin" --num-cpus 1
expect 2 "neither a number nor debug-swap" "--vmsa-features with a bad name" -- \
	m owner measure "${MEAS[@]}" --policy 5 --tik vm_tik.bin --vmsa-entry 0x100000 \
	--cbit 47 --num-cpus 1 --vmsa-features swap
# QEMU's reset VMSAs: all three CPU numbers, a firmware with the reset block.
expect 2 "need all of --cpu-family, --cpu-model" "--cpu-family without model and stepping" -- \
	m owner measure "${MEAS[@]}" --policy 5 --tik vm_tik.bin --cpu-family 25 --num-cpus 1
expect 2 "cpu-stepping (0-15)" "--cpu-stepping out of range" -- \
	m owner measure "${MEAS[@]}" --policy 5 --tik vm_tik.bin --cpu-family 25 --cpu-model 1 \
	--cpu-stepping 16 --num-cpus 1
expect 2 "not both" "--cpu-family with --vmsa-entry" -- \
	m owner measure "${MEAS[@]}" --policy 5 --tik vm_tik.bin --cpu-family 25 --cpu-model 1 \
	--cpu-stepping 1 --vmsa-entry 0x100000 --num-cpus 1
head -c 8192 /dev/zero >notovmf.bin
expect 2 "not an OVMF image" "QEMU APs on a firmware without the OVMF table" -- \
	m owner measure --measured notovmf.bin --api-major 1 --api-minor 40 --build-id 40 \
	--policy 5 --tik vm_tik.bin --cpu-family 25 \
	--cpu-model 1 --cpu-stepping 1 --num-cpus 2
expect 2 "sev-es needs the VMSAs" "owner measure --sev-es without VMSAs" -- \
	m owner measure "${MEAS[@]}" --policy 5 --tik vm_tik.bin --sev-es
expect 2 "needs --sev-es" "run --vmsa-features without SEV-ES" -- \
	m run --sev --vmsa-features debug-swap

# --- an unknown option inside a cluster is named as itself (issue 13)
expect 2 "unknown option '-x'" "run -xq names -x" -- m run -xq
expect 2 "option '-Z'" "owner verify -Z names -Z" -- m owner verify -Z
expect 2 "option '--frob'" "owner verify --frob names --frob" -- m owner verify --frob

# --- policy, usage
expect 0 "ES      1  SEV-ES required" "policy printed by name" -- m owner policy nodbg,es
expect 2 "must be zero" "reserved policy bits" -- m owner policy 0x41
expect 2 "lacks the ES bit" "SEV-ES launch without the ES bit" -- m owner policy 1 --es
expect 2 "requires SEV-ES" "plain SEV launch with the ES bit" -- m owner policy 5 --sev
expect 0 "usage: minisev owner" "owner help" -- m owner help
expect 2 "unknown command" "owner: unknown command" -- m owner frobnicate
expect 2 "unknown or incomplete option" "owner: unknown option" -- m owner measure --bogus
expect 0 "usage: minisev platform" "platform help" -- m platform help
expect 77 "no SEV firmware device" "platform status without /dev/sev" -- \
	m platform status --dev "$T/no-sev-here"

echo "1..$n"
[ "$failed" = 0 ]
