/* term_probe: the start-up terminal queries over the tty (term_probe.h). */
#include "term_probe.h"
#include "../src/util/timeutil.h"
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

void term_probe(int in_fd, int out_fd, int timeout_ms, tprobe *r)
{
	memset(r, 0, sizeof *r);
	struct winsize ws;
	if (ioctl(out_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row && ws.ws_xpixel && ws.ws_ypixel) {
		r->cell_w = ws.ws_xpixel / ws.ws_col;
		r->cell_h = ws.ws_ypixel / ws.ws_row;
	}
	int pre_w = r->cell_w, pre_h = r->cell_h;
	struct termios old, raw;
	if (isatty(in_fd) && isatty(out_fd) && tcgetattr(in_fd, &old) == 0) {
		raw = old;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(in_fd, TCSANOW, &raw);
		if (write(out_fd, TPROBE_QUERY, strlen(TPROBE_QUERY)) > 0) {
			char buf[512];
			size_t len = 0;
			int64_t end = now_ms() + timeout_ms;
			while (!r->done) {
				int64_t left = end - now_ms();
				if (left <= 0)
					break;
				struct pollfd pfd = { .fd = in_fd, .events = POLLIN };
				if (poll(&pfd, 1, (int)left) <= 0)
					break;
				ssize_t n = read(in_fd, buf + len, sizeof buf - 1 - len);
				if (n <= 0)
					break;
				len += (size_t)n;
				/* re-parse from the start: a reply may have been split */
				tprobe_feed(r, buf, len);
				if (len > sizeof buf / 2 && !r->done)
					len = 0;  /* not replies: drop them */
			}
		}
		tcsetattr(in_fd, TCSANOW, &old);
	}
	/* the ioctl's pixels win over CSI 16 t (xterm disables window ops) */
	if (pre_w && pre_h)
		r->cell_w = pre_w, r->cell_h = pre_h;
	const char *force = getenv("SBX_SIXEL");
	if (force && *force)
		r->sixel = atoi(force) != 0;
}
