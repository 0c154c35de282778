/*
 * cmd_show: how sbx prints runtimes, accelerators and the progress of a
 * slow pause or resume (pure: no I/O but the FILE given; unit-tested).
 */
#ifndef SBX_CLI_SHOW_H
#define SBX_CLI_SHOW_H
#include <stddef.h>
#include <stdio.h>
#include "../client/libsbx.h"

/* "qemu/tcg", "ns": the runtime and its accelerator, if any ("-": none said). */
void cli_runtime_text(const sbx_info *in, char *out, size_t n);
/* "pausing: 45% (230.0 of 512.0 MiB)", "resuming: 12.0 MiB", "pausing";
 * "" when no slow pause or resume runs. */
void cli_progress_text(const sbx_info *in, char *out, size_t n);
/* sbx runtimes: one line per runtime, available or why not, its
 * accelerator, which one auto picks and which is the default. */
void cli_runtimes_print(FILE *f, const sbx_health *h);

#endif
