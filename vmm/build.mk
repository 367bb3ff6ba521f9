# SPDX-License-Identifier: MIT
# Every vmm/*.c and vmm/sev/*.c is part of the VMM library; main.c holds
# main().  Tests are vmm/tests/test_*.c and vmm/sev/tests/test_*.c.
VMM_MAIN_SRCS += vmm/main.c
VMM_SRCS += $(filter-out vmm/main.c,$(wildcard vmm/*.c)) $(wildcard vmm/sev/*.c)
UNIT_TEST_SRCS += $(wildcard vmm/tests/test_*.c vmm/sev/tests/test_*.c)
