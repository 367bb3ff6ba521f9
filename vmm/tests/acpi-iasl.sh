#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# vmm/acpi.c checked by ACPICA, the code Linux itself parses ACPI with, as
# Debian's acpica-tools package has it: build/tests/test_acpi writes the
# tables of one configuration (ACPI_DUMP_DIR, the configuration of its
# test_typical: 4 CPUs, 3 virtio-mmio devices, poweroff and reset ports
# from 0x600), then
#   - iasl disassembles each table: no checksum complaint, and the fields
#     are what acpi.h promises (HW-reduced FADT, one Local APIC per CPU,
#     the IOAPIC, LNRO0005 devices with their memory range and interrupt);
#   - iasl compiles each disassembly back: the same bytes, so our AML is
#     the encoding iasl itself would write (package lengths included);
#   - acpiexec loads the DSDT into ACPICA's interpreter and decodes each
#     device's _CRS with the resource manager Linux's drivers use.
# iasl cannot read a lone RSDP (its signature is no table name), so the
# RSDP's checksums are summed here.
# Prints TAP; exits 0 if every check passes, 1 if one fails, 77 (skip)
# when iasl or acpiexec is missing.  Run after `make`.
set -u

REPO_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
TEST_ACPI=${TEST_ACPI:-$REPO_DIR/build/tests/test_acpi}

if ! command -v iasl >/dev/null || ! command -v acpiexec >/dev/null; then
	echo "1..0 # SKIP iasl or acpiexec missing (Debian package acpica-tools)"
	exit 77
fi

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	local lines
	for lines in "$@"; do
		printf '%s\n' "$lines" | sed 's/^/#   /'
	done
}

# check DESC CMD...: one TAP line for the command's success.
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc" "failed: $*"
	fi
}

# has FILE PATTERN...: FILE, with all blanks and line breaks removed (iasl
# aligns its columns), contains each PATTERN, written without blanks too.
has() {
	local file=$1 flat p
	shift
	flat=$(tr -d ' \t\n' <"$file")
	for p in "$@"; do
		if [[ $flat != *"$p"* ]]; then
			echo "#   $file lacks: $p"
			return 1
		fi
	done
}

# count FILE PATTERN WANT: PATTERN (grep -E) is on exactly WANT lines.
count() {
	local got
	got=$(grep -cE -- "$2" "$1")
	[[ $got == "$3" ]] || {
		echo "#   $1: '$2' on $got lines, want $3"
		return 1
	}
}

# byte_sum FILE LEN: the sum of its first LEN bytes, modulo 256.
byte_sum() {
	od -An -tu1 -v -N "$2" "$1" | tr -s ' ' '\n' | awk '{ s += $1 } END { print s % 256 }'
}

# same_table A B: identical but for the checksum (byte 9) and the
# compiler's ID and revision (28-35), which iasl writes as its own.
same_table() {
	cmp -s -n 9 "$1" "$2" && cmp -s -i 10 -n 18 "$1" "$2" && cmp -s -i 36 "$1" "$2"
}

if [[ ! -x $TEST_ACPI ]]; then
	not_ok "test_acpi is built" "$TEST_ACPI missing: run make"
	echo "1..$n"
	exit 1
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

if ACPI_DUMP_DIR=$T "$TEST_ACPI" >test.log 2>&1 && [[ -s dsdt.dat ]]; then
	ok "test_acpi dumps the tables"
else
	not_ok "test_acpi dumps the tables" "$(tail -5 test.log)"
	echo "1..$n"
	exit 1
fi

# The RSDP: both checksums, revision 2, signature.
rsdp_header() {
	[[ $(head -c 8 rsdp.dat) == "RSD PTR " && $(od -An -tu1 -j 15 -N 1 rsdp.dat) -eq 2 ]]
}
check "RSDP: signature and revision 2" rsdp_header
check "RSDP: ACPI 1.0 checksum (20 bytes)" test "$(byte_sum rsdp.dat 20)" -eq 0
check "RSDP: extended checksum (36 bytes)" test "$(byte_sum rsdp.dat 36)" -eq 0

for t in xsdt facp apic dsdt; do
	if iasl -d "$t.dat" >"$t.iasl" 2>&1 && [[ -s $t.dsl ]]; then
		ok "$t: iasl disassembles it"
	else
		not_ok "$t: iasl disassembles it" "$(tail -3 "$t.iasl")"
		continue
	fi
	check "$t: iasl finds its checksum right" \
		test -z "$(grep -i 'incorrect checksum' "$t.iasl" "$t.dsl")"
done

check "XSDT: two tables (FADT, MADT)" count xsdt.dsl 'ACPI Table Address +[0-9]+ :' 2
check "XSDT: OEM ID MINSEV" has xsdt.dsl 'OemID:"MINSEV"'

check "FADT: revision 6, 276 bytes, ACPI 6.5" \
	has facp.dsl 'Revision:06' 'TableLength:00000114' 'FADTMinorRevision:05'
check "FADT: HW-reduced, no fixed-feature buttons" \
	has facp.dsl 'HardwareReduced(V5):1' 'ControlMethodPowerButton(V1):1' \
	'ControlMethodSleepButton(V1):1'
check "FADT: no legacy devices, 8042, VGA, MSI or CMOS RTC" \
	has facp.dsl 'LegacyDevicesSupported(V2):0' '8042Presentonports60/64(V2):0' \
	'VGANotPresent(V4):1' 'MSINotSupported(V4):1' 'CMOSRTCNotPresent(V5):1'
check "FADT: reset register, I/O port 0x602, value 06" \
	has facp.dsl 'ResetRegisterSupported(V2):1' \
	'ResetRegister:[GenericAddressStructure][074h01161]SpaceID:01[SystemIO]' \
	'Address:0000000000000602[080h01281]Valuetocausereset:06'
check "FADT: sleep control and status registers, I/O ports 0x600, 0x601" \
	has facp.dsl 'SleepControlRegister:[GenericAddressStructure][0F4h02441]SpaceID:01[SystemIO][0F5h02451]BitWidth:08' \
	'Address:0000000000000600' 'Address:0000000000000601'
# test_acpi builds at 0xe0000.
fadt_pointers() {
	grep -q '\[08Ch 0140   8\] *DSDT Address : 00000000000E0...$' facp.dsl &&
		grep -q '\[028h 0040   4\] *DSDT Address : 00000000$' facp.dsl &&
		! grep -qE 'FACS Address : 0*[1-9A-F]' facp.dsl
}
check "FADT: X_DSDT set, no 32-bit DSDT, no FACS" fadt_pointers

check "MADT: Local APIC at FEE00000, PC-AT compatible 8259s" \
	has apic.dsl 'LocalApicAddress:FEE00000' 'Flags(decodedbelow):00000001PC-ATCompatibility:1'
check "MADT: four enabled Local APICs, IDs 0-3" \
	has apic.dsl \
	'ProcessorID:00[02Fh00471]LocalApicID:00[030h00484]Flags(decodedbelow):00000001ProcessorEnabled:1' \
	'ProcessorID:01[037h00551]LocalApicID:01' 'ProcessorID:02[03Fh00631]LocalApicID:02' \
	'ProcessorID:03[047h00711]LocalApicID:03'
check "MADT: five entries, no override" count apic.dsl 'Subtable Type :' 5
check "MADT: one IOAPIC, ID 4, at FEC00000, GSI base 0" \
	has apic.dsl '[I/OAPIC][04Dh00771]Length:0C[04Eh00781]I/OApicID:04' \
	'Address:FEC00000[054h00844]Interrupt:00000000'

check "DSDT: \\_S5 is Package (5, 0)" has dsdt.dsl 'Name(_S5,Package(0x02)//_S5_:S5SystemState{0x05,Zero})'
dsdt_devices() {
	grep -qF 'Scope (\_SB)' dsdt.dsl && count dsdt.dsl 'Name \(_HID, "LNRO0005"\)' 3
}
check "DSDT: three LNRO0005 devices in \\_SB" dsdt_devices
i=0
for dev in 'D0000000 00000200 00000005' 'D0001000 00000200 00000006' 'D0002000 00001000 00000017'; do
	read -r base size irq <<<"$dev"
	check "DSDT: VR0$i, _UID $i, Memory32Fixed 0x$base+0x$size, edge IRQ 0x$irq" \
		has dsdt.dsl "Device(VR0$i){Name(_HID,\"LNRO0005\")//_HID:HardwareIDName(_UID,$(
			case $i in 0) echo Zero ;; 1) echo One ;; *) echo "0x0$i" ;; esac))" \
		"Memory32Fixed(ReadWrite,0x$base,//AddressBase0x$size,//AddressLength)Interrupt(ResourceConsumer,Edge,ActiveHigh,Exclusive,,,){0x$irq,}"
	i=$((i + 1))
done

# Round trip: iasl's compiler writes the same bytes.  -on keeps the
# "\_SB" of the Scope, which iasl would otherwise shorten to "_SB".
for t in xsdt facp apic dsdt; do
	if iasl -on -p "rt-$t" "$t.dsl" >"rt-$t.log" 2>&1 && same_table "$t.dat" "rt-$t.aml"; then
		ok "$t: iasl compiles the disassembly back to the same bytes"
	else
		not_ok "$t: iasl compiles the disassembly back to the same bytes" \
			"$(tail -3 "rt-$t.log")" "$(cmp -l "$t.dat" "rt-$t.aml" 2>&1 | head -5)"
	fi
done

# ACPICA's interpreter and resource manager on the DSDT.
acpiexec -b 'evaluate \_S5; evaluate \_SB.VR01._HID; evaluate \_SB.VR01._UID; resources \_SB.VR00; resources \_SB.VR02' \
	facp.dat dsdt.dat >acpiexec.log 2>&1
acpiexec_loads() {
	grep -q ' 3 Devices' acpiexec.log && ! grep -qE 'AE_AML|AE_BAD|AE_ERROR|ACPI Error' acpiexec.log
}
check "acpiexec: loads the DSDT, 3 devices, no AML error" acpiexec_loads
check "acpiexec: \\_S5 evaluates to (5, 0), VR01 to LNRO0005 and _UID 1" \
	has acpiexec.log '[Package]Contains2Elements:[Integer]=0000000000000005[Integer]=0000000000000000' \
	'[String]Length08="LNRO0005"' '[Integer]=0000000000000001'
check "acpiexec: VR00 decodes to 0xD0000000+0x200, edge IRQ 5" \
	has acpiexec.log '[00]32-BitFixedMemoryRangeResourceWriteProtect:ReadWriteAddress:D0000000AddressLength:00000200[01]ExtendedIRQResourceType:ResourceConsumerTriggering:EdgePolarity:ActiveHighSharing:Exclusive' \
	'InterruptCount:01Dword00:00000005'
check "acpiexec: VR02 decodes to 0xD0002000+0x1000, IRQ 23" \
	has acpiexec.log 'Address:D0002000AddressLength:00001000' 'Dword00:00000017'

echo "1..$n"
[[ $failed -eq 0 ]] || exit 1
exit 0
