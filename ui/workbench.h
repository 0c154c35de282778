/*
 * workbench: the CLI's door to the TUI (curses-free, so src/cli can
 * include it).  `sbx` with no arguments and `sbx workbench [OPTIONS]` run
 * it; it returns the exit status.
 */
#ifndef SBX_UI_WORKBENCH_H
#define SBX_UI_WORKBENCH_H

int cmd_workbench(int argc, char **argv);

#endif
