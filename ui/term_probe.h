/*
 * term_probe: asks the user's terminal, before curses starts, whether it
 * draws sixel and how big a cell is (tprobe.h has the queries), within a
 * short deadline.  SBX_SIXEL=0/1 in the environment overrides the answer.
 * The cell size comes from TIOCGWINSZ's pixel fields first.
 */
#ifndef SBX_UI_TERM_PROBE_H
#define SBX_UI_TERM_PROBE_H
#include "model/tprobe.h"

/* Fills r; never fails (a silent terminal means no sixel). */
void term_probe(int in_fd, int out_fd, int timeout_ms, tprobe *r);

#endif
