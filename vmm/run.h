/* SPDX-License-Identifier: MIT */
#ifndef MINISEV_RUN_H
#define MINISEV_RUN_H

/* `minisev run`: argv[0] is "run"; returns the process exit status. */
int run_main(int argc, char **argv);

#endif
