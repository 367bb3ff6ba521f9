#!/usr/bin/env bash
# SEV and SEV-ES launches under the software model (scripts/sevsim).  Prints
# TAP.  Covers: the launch itself, the guest owner's whole flow (platform
# export, owner session, paused launch over QMP, owner verify, secret,
# run), cross-checks with libvirt's virt-qemu-sev-validate for two
# policies and two firmware sizes, and negative launches each failing with
# the right message.
#
# The launches run where /dev/kvm is (through scripts/kvm-run: nested KVM
# here); the virt-qemu-sev-validate checks of their results run afterwards
# on this machine, because Python under TCG takes tens of seconds to start.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
# shellcheck source=nested-lib.sh
. scripts/tests/nested-lib.sh

if [ "${1:-}" != "--inside" ]; then
	if [ ! -f build/libsevsim.so ]; then
		echo "1..0 # SKIP build/libsevsim.so not built"
		exit 77
	fi
	run_outer "$0"
fi

if [ ! -c /dev/kvm ]; then
	echo "1..0 # SKIP no /dev/kvm"
	exit 77
fi

M=$root/build/minisev
S=$root/scripts/sevsim
VALIDATE=(/usr/bin/python3 /usr/bin/virt-qemu-sev-validate)
tmp=$2/run
mkdir -p "$tmp"
trap 'rm -rf "${sockdir:-}"' EXIT
: >"$tmp/validate.jobs"
export SEVSIM_STATE=$tmp/state

cd "$tmp"

# ---- the model's KVM interface with SEV-ES (the SEV part runs on any KVM) --
for kvm in init2 6.10; do
	expect "sevsim-check --es under SEVSIM_KVM=$kvm (second LAUNCH_UPDATE_VMSA as that kernel)" \
		0 '^1\.\.' env SEVSIM_KVM=$kvm "$S" "$root/build/sevsim-check" --es
done

# ---- the plain SEV launch ------------------------------------------------
expect "SEV launch boots and every default guest test passes" 0 '^ok .* long_mode' \
	"$S" "$M" run --sev -q
expect "the guest knows it runs under SEV" 0 'SEV on|SEV: on|SEV-ES|sev' \
	"$S" "$M" run --sev -t long_mode
expect "launch info and measured bytes are written" 0 '' \
	"$S" "$M" run --sev -q -t long_mode --launch-info li.json --measured-out m.bin
if [ -f li.json ] && [ "$(json li.json measured_bytes)" = "$(stat -c %s m.bin)" ]; then
	ok "launch info counts exactly the bytes of --measured-out ($(stat -c %s m.bin) bytes)"
else
	not_ok "launch info counts exactly the bytes of --measured-out"
fi

# ---- the guest owner's flow -----------------------------------------------
expect "platform status answers from the model firmware" 0 'api: [0-9]+\.[0-9]+' \
	"$S" "$M" platform status
mkdir -p chain
expect "platform export writes the certificate chain" 0 '' "$S" "$M" platform export chain
expect "owner session against the exported PDH" 0 '' \
	"$M" owner session --name o --no-verify chain/pdh.cert 0x1
expect "owner session for another policy" 0 '' \
	"$M" owner session --name o3 --no-verify chain/pdh.cert 0x3

# launch_with_session NAME POLICY FIRMWARE: launch, then check the
# measurement with minisev owner verify and with virt-qemu-sev-validate.
launch_with_session() {
	local name=$1 policy=$2 fw=$3 meas api_major api_minor build
	expect "launch with the $name session, policy $policy, $(basename "$fw")" 0 '' \
		"$S" "$M" run --sev -q -t long_mode -f "$fw" --policy "$policy" \
		--dh-cert "${name}_godh.b64" --session "${name}_session.b64" \
		--measured-out "$name.m.bin" --launch-info "$name.li.json"
	[ -f "$name.li.json" ] || return 0
	meas=$(json "$name.li.json" measurement)
	api_major=$(json "$name.li.json" api_major)
	api_minor=$(json "$name.li.json" api_minor)
	build=$(json "$name.li.json" build_id)
	expect "owner verify: the measurement matches ($name, policy $policy)" 0 'match' \
		"$M" owner verify --measured "$name.m.bin" --tik "${name}_tik.bin" \
		--api-major "$api_major" --api-minor "$api_minor" --build-id "$build" \
		--policy "$policy" --measurement "$meas"
	validate_later 0 "virt-qemu-sev-validate accepts it ($name, policy $policy)" \
		--firmware "$name.m.bin" --tik "${name}_tik.bin" \
		--tek "${name}_tek.bin" --measurement "$meas" --api-major "$api_major" \
		--api-minor "$api_minor" --build-id "$build" --policy "$((policy))"
	validate_later 1 "virt-qemu-sev-validate refuses a wrong build id ($name)" \
		--firmware "$name.m.bin" --tik "${name}_tik.bin" \
		--tek "${name}_tek.bin" --measurement "$meas" --api-major "$api_major" \
		--api-minor "$api_minor" --build-id "$((build + 1))" --policy "$((policy))"
}

launch_with_session o 0x1 "$root/build/firmware.elf"
launch_with_session o3 0x3 "$root/build/firmware.elf"
if [ -f "$root/build/firmware-pad.elf" ]; then
	cp o_tik.bin p_tik.bin && cp o_tek.bin p_tek.bin
	cp o_godh.b64 p_godh.b64 && cp o_session.b64 p_session.b64
	launch_with_session p 0x1 "$root/build/firmware-pad.elf"
	a=$(stat -c %s o.m.bin) b=$(stat -c %s p.m.bin)
	if [ "$a" != "$b" ]; then
		ok "the two firmware images measure different sizes ($a and $b bytes)"
	else
		not_ok "the two firmware images measure different sizes"
	fi
fi

# ---- negative launches ------------------------------------------------------
expect "a session made for policy 0x1 is refused under policy 0x3" 3 \
	'LAUNCH_START failed.*firmware status [A-Z_]+' \
	"$S" "$M" run --sev -q --policy 0x3 --dh-cert o_godh.b64 --session o_session.b64
python3 - o_session.b64 t_session.b64 <<'PY'
import base64, sys
b = bytearray(base64.b64decode(open(sys.argv[1]).read()))
b[40] ^= 1  # inside the wrapped TEK/TIK: the wrap MAC must catch it
open(sys.argv[2], "w").write(base64.b64encode(bytes(b)).decode())
PY
expect "a tampered session is refused" 3 'LAUNCH_START failed.*firmware status [A-Z_]+' \
	"$S" "$M" run --sev -q --dh-cert o_godh.b64 --session t_session.b64
expect "a truncated session file is refused before KVM" 2 'session' \
	sh -c "head -c 60 o_session.b64 > short.b64 && '$S' '$M' run --sev --dh-cert o_godh.b64 --session short.b64"
expect "an ES policy on a plain SEV launch is refused before KVM" 2 'SEV-ES' \
	"$S" "$M" run --sev --policy nodbg,es
for c in "init-twice:EINVAL" "no-start:LAUNCH_UPDATE_DATA failed" \
	"update-after-measure:INVALID_GUEST_STATE" "measure-twice:INVALID_GUEST_STATE" \
	"secret-before-measure:INVALID_GUEST_STATE" "finish-twice:INVALID_GUEST_STATE"; do
	expect "out of order: --provoke ${c%%:*} fails with ${c#*:}" 3 "${c#*:}" \
		"$S" "$M" run --sev -q --provoke "${c%%:*}"
done
expect "DBG_DECRYPT is refused under a no-debug policy" 3 'DBG_DECRYPT failed.*POLICY_FAILURE' \
	"$S" "$M" run --sev -q --policy nodbg --provoke dbg-decrypt
expect "DBG_DECRYPT gives the measured plaintext when the policy allows debugging" 0 \
	'match the measured plaintext' "$S" "$M" run --sev --policy 0 --provoke dbg-decrypt \
	-t long_mode
expect "memlock too low: refused with what to raise" 3 'RLIMIT_MEMLOCK.*|raise it' \
	setpriv --bounding-set=-ipc_lock --inh-caps=-ipc_lock prlimit --memlock=4194304 \
	"$S" "$M" run --sev -q
expect "no /dev/sev without the model: a skip with the reason" 77 'no /dev/sev' \
	"$M" run --sev -q

# ---- paused launch over QMP, secret injection --------------------------------
# Unix sockets cannot live on the 9p share of nested KVM: keep this one
# on a filesystem of the machine the VMM runs on.
sockdir=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
qmp_flow() {
	local name=$1 policy=$2 secret_tool=$3
	rm -f "$sockdir/qmp.sock" guest.out
	"$S" "$M" run --sev -t sev_secret --policy "$policy" --dh-cert "${name}_godh.b64" \
		--session "${name}_session.b64" --qmp "$sockdir/qmp.sock" --timeout 120 \
		--measured-out "$name.q.m.bin" >guest.out 2>guest.err &
	local pid=$!
	python3 - "$name" "$policy" "$M" "$secret_tool" "${VALIDATE[*]}" "$sockdir/qmp.sock" \
		>qmp.out 2>&1 <<'PY'
import base64, json, os, socket, subprocess, sys, time
name, policy, minisev, tool, validate, sock = sys.argv[1:7]
for _ in range(600):
    if os.path.exists(sock):
        break
    time.sleep(0.1)
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
f = s.makefile("rw")
def cmd(c, **args):
    msg = {"execute": c}
    if args:
        msg["arguments"] = args
    f.write(json.dumps(msg) + "\n"); f.flush()
    r = json.loads(f.readline())
    if "error" in r:
        raise SystemExit(f"{c}: {r['error']}")
    return r["return"]
json.loads(f.readline())  # greeting
cmd("qmp_capabilities")
sev = cmd("query-sev")
assert sev["state"] == "launch-secret", sev
meas = cmd("query-sev-launch-measure")["data"]
open("secret.txt", "w").write("minisev says hello through LAUNCH_SECRET\n")
common = ["--tek", f"{name}_tek.bin", "--tik", f"{name}_tik.bin"]
if tool == "minisev":
    subprocess.run([minisev, "owner", "secret", *common, "--measurement", meas,
                    "--secret", "736869e5-84f0-4973-92ec-06879ce3da0b:secret.txt",
                    "--header-out", "h.b64", "--payload-out", "p.b64"], check=True)
else:
    # virt-qemu-sev-validate checks the measurement, then builds the packet.
    subprocess.run(validate.split() + ["--firmware", f"{name}.q.m.bin", *common,
                    "--measurement", meas, "--api-major", str(sev["api-major"]),
                    "--api-minor", str(sev["api-minor"]), "--build-id", str(sev["build-id"]),
                    "--policy", str(sev["policy"]),
                    "--inject-secret", "736869e5-84f0-4973-92ec-06879ce3da0b:secret.txt",
                    "--secret-header", "h.b64", "--secret-payload", "p.b64"], check=True)
cmd("sev-inject-launch-secret", **{"packet-header": open("h.b64").read().strip(),
                                   "secret": open("p.b64").read().strip()})
cmd("cont")
print("qmp flow done")
PY
	local qrc=$?
	wait $pid
	local rc=$?
	local hex
	hex=$(printf 'minisev says hello through LAUNCH_SECRET\n' | od -An -tx1 | tr -d ' \n')
	if [ $qrc -eq 0 ] && [ $rc -eq 0 ] && grep -q "$hex" guest.out; then
		ok "paused launch, secret built by $secret_tool, injected over QMP, read back in the guest"
	else
		not_ok "paused launch, secret built by $secret_tool (qmp $qrc, vmm $rc)"
		sed 's/^/#   /' qmp.out guest.err | tail -n 20
	fi
}
qmp_flow o 0x1 minisev
qmp_flow o 0x1 virt-qemu-sev-validate

# ---- SEV-ES -------------------------------------------------------------------
# Every vCPU starts at the firmware's entry point: all owner measure needs.
fw_entry=$(readelf -h "$root/build/firmware.elf" | awk '/Entry point/ {print $4}')

# es_verify JSON FLAVOUR WANT_STATUS DESC [OWNER OPTIONS...]: owner verify of
# a SEV-ES launch (o5 session, JSON's measured bytes beside it), computing
# the VMSAs from the entry point, against the launch's own numbers.
es_verify() {
	local li=$1 flavour=$2 want=$3 desc=$4
	shift 4
	expect "$desc" "$want" "$([ "$want" = 0 ] && echo match || echo mismatch)" \
		"$M" owner verify --sev-es --measured "${li%.json}.m.bin" --tik o5_tik.bin \
		--api-major "$(json "$li" api_major)" --api-minor "$(json "$li" api_minor)" \
		--build-id "$(json "$li" build_id)" --policy nodbg,es --vmsa-entry "$fw_entry" \
		--cbit "$(json "$li" cbitpos)" --init "$flavour" --num-cpus "$(json "$li" nr_vcpus)" \
		--measurement "$(json "$li" measurement)" "$@"
}

# es_validate_later JSON VMSA_DIR DESC: the same launch for
# virt-qemu-sev-validate, with the VMSAs --vmsa-out wrote.
es_validate_later() {
	local li=$1 dir=$2 desc=$3
	validate_later 0 "$desc" --firmware "${li%.json}.m.bin" --tik o5_tik.bin --tek o5_tek.bin \
		--measurement "$(json "$li" measurement)" --api-major "$(json "$li" api_major)" \
		--api-minor "$(json "$li" api_minor)" --build-id "$(json "$li" build_id)" --policy 5 \
		--vmsa-cpu0 "$dir/vmsa0.bin" --vmsa-cpu1 "$dir/vmsa1.bin" \
		--num-cpus "$(json "$li" nr_vcpus)"
}

# The policy is inside the session's MAC: SEV-ES needs a session for nodbg,es.
expect "owner session for the SEV-ES policy" 0 '' \
	"$M" owner session --name o5 --no-verify chain/pdh.cert 0x5
for c in 1 2 4; do
	expect "SEV-ES launch with -c $c: every guest test ok" 0 '^ok .* smp' \
		"$S" "$M" run --sev-es -q -c "$c"
done
for flavour in init2 legacy; do
	kvm=$([ $flavour = init2 ] && echo init2 || echo legacy)
	expect "SEV-ES $flavour launch with session, VMSAs out" 0 '' \
		env SEVSIM_KVM=$kvm "$S" "$M" run --sev-es -q -c 4 -t sev_status,smp \
		--policy nodbg,es --dh-cert o5_godh.b64 --session o5_session.b64 \
		--measured-out "es-$flavour.m.bin" --launch-info "es-$flavour.json" \
		--vmsa-out "vmsa-$flavour"
	[ -f "es-$flavour.json" ] || continue
	es_verify "es-$flavour.json" "$flavour" 0 \
		"owner measure predicts the SEV-ES $flavour measurement from the entry point"
	es_validate_later "es-$flavour.json" "vmsa-$flavour" \
		"virt-qemu-sev-validate accepts the SEV-ES $flavour measurement"
done
if [ -d vmsa-init2 ] && [ -d vmsa-legacy ] && ! cmp -s vmsa-init2/vmsa0.bin vmsa-legacy/vmsa0.bin; then
	ok "INIT2 and legacy INIT give different SEV-ES VMSAs, as the kernel does"
else
	not_ok "INIT2 and legacy INIT give different SEV-ES VMSAs"
fi

# ---- VMSA features (DebugSwap) -------------------------------------------------
expect "--vmsa-features debug-swap is refused where KVM does not offer it" 3 \
	'VMSA features 0x20 asked for, KVM offers 0' \
	"$S" "$M" run --sev-es -q --vmsa-features debug-swap
expect "INIT2 with DebugSwap offered and asked for: every guest test ok" 0 '' \
	env SEVSIM_DEBUG_SWAP=1 "$S" "$M" run --sev-es -q -c 2 --vmsa-features debug-swap \
	--dh-cert o5_godh.b64 --session o5_session.b64 --measured-out es-ds.m.bin \
	--launch-info es-ds.json --vmsa-out vmsa-ds
if [ -f es-ds.json ] && [ "$(json es-ds.json vmsa_features)" = 32 ]; then
	ok "launch info says vmsa_features 32"
else
	not_ok "launch info says vmsa_features 32"
fi
es_verify es-ds.json init2 0 "owner verify with --vmsa-features debug-swap matches" \
	--vmsa-features debug-swap
es_verify es-ds.json init2 1 "owner verify without the feature does not match"
[ -f es-ds.json ] && es_validate_later es-ds.json vmsa-ds \
	"virt-qemu-sev-validate accepts the DebugSwap VMSAs from --vmsa-out"
# A 6.5-6.7 kernel: ES_INIT sets DebugSwap unasked (kvm-sev-ioctls.md §9),
# and the prediction for sev_features 0 fails until the owner says 0x20.
expect "a pre-6.10 kernel with debug_swap on: legacy ES_INIT launch" 0 '' \
	env SEVSIM_KVM=legacy SEVSIM_DEBUG_SWAP=1 "$S" "$M" run --sev-es -q -c 2 \
	--dh-cert o5_godh.b64 --session o5_session.b64 --measured-out es-l65.m.bin \
	--launch-info es-l65.json
es_verify es-l65.json legacy 1 "its measurement is not the one for sev_features 0"
es_verify es-l65.json legacy 0 "owner verify with --vmsa-features 0x20 explains it" \
	--vmsa-features 0x20

[ "$failed" -eq 0 ]
