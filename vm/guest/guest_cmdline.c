/* guest_cmdline: the kernel command line every VM guest boots with. */
#include "guest.h"
#include <errno.h>
#include <stdio.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif
#include "../../src/util/xalloc.h"

/* The host's TSC rate in kHz, measured against CLOCK_MONOTONIC_RAW over
 * TSC_WINDOW_MS (/proc/cpuinfo's "cpu MHz" is the current clock, not the
 * TSC's, on hosts that scale frequency); 0 when not on x86-64. */
#define TSC_WINDOW_MS 20
static long host_tsc_khz(void)
{
#if defined(__x86_64__)
	struct timespec t0, t1, d = { 0, TSC_WINDOW_MS * 1000000L };
	clock_gettime(CLOCK_MONOTONIC_RAW, &t0);
	unsigned long long c0 = __rdtsc();
	while (nanosleep(&d, &d) < 0 && errno == EINTR)
		;
	clock_gettime(CLOCK_MONOTONIC_RAW, &t1);
	unsigned long long c1 = __rdtsc();
	double us = (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
	double khz = us > 0 ? (double)(c1 - c0) / us * 1000.0 : 0;
	return khz > 1000 && khz < 100000000 ? (long)(khz + 0.5) : 0;
#else
	return 0;
#endif
}

char *guest_cmdline(const char *console, const char *extra)
{
	/* panic=-1 + reboot=t: any panic or init failure ends in a reset the
	 * VMM turns into an exit (-no-reboot), never a hang; quiet keeps the
	 * serial log (slow under TCG) to warnings and our own lines;
	 * 8250.nr_uarts=1 and i8042.* skip probing hardware a VM has not.
	 * tsc_early_khz: a microvm's ACPI is hardware-reduced (no PIT, no
	 * HPET), so without KVM's clock the kernel cannot calibrate the TSC
	 * and hangs in the delay loop; under TCG the guest's TSC is the host's
	 * (QEMU reads the host's counter), and with KVM it runs at the host's
	 * rate too.  tsc=reliable: the watchdog would judge it against
	 * jiffies, which lose ticks under TCG, and fall back to them: the
	 * guest's clock would then run slow. */
	long khz = host_tsc_khz();
	char tsc[48] = "";
	if (khz)
		snprintf(tsc, sizeof tsc, " tsc_early_khz=%ld tsc=reliable", khz);
	return xasprintf("console=%s reboot=t panic=-1 quiet 8250.nr_uarts=1 i8042.noaux i8042.nomux i8042.nopnp "
			 "i8042.dumbkbd%s%s%s",
			 console && *console ? console : "ttyS0", tsc, extra && *extra ? " " : "",
			 extra && *extra ? extra : "");
}
