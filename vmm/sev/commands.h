/* SPDX-License-Identifier: MIT */
/* Entry points of the SEV platform and guest-owner subcommands. */
#ifndef MINISEV_SEV_COMMANDS_H
#define MINISEV_SEV_COMMANDS_H

/* argv[0] is "platform" / "owner"; return the process exit status. */
int platform_main(int argc, char **argv);
int owner_main(int argc, char **argv);

#endif
