/*
 * tprobe: what the user's terminal answered to the start-up queries — the
 * parser, kept apart from the tty I/O (ui/term_probe.c) so it can be
 * tested.  Queries are sent together, DA1 last: every terminal answers DA1,
 * so its reply ends the probe and a query still unanswered then is
 * unsupported.
 *   DA1          CSI c         → CSI ? 63;1;2;4;... c   (4: sixel)
 *   XTSMGRAPHICS CSI ? 1;1;0 S → CSI ? 1;0;N S          (N colour registers)
 *   cell size    CSI 16 t      → CSI 6;H;W t            (pixels of a cell)
 */
#ifndef SBX_UI_TPROBE_H
#define SBX_UI_TPROBE_H
#include <stddef.h>

#define TPROBE_QUERY "\033[?1;1;0S\033[16t\033[c"

typedef struct tprobe {
	int done;          /* the DA1 reply arrived */
	int sixel;         /* DA1 listed 4 */
	int registers;     /* 0: not said */
	int cell_w, cell_h;/* 0: not said */
} tprobe;

/* Feeds reply bytes (any split); returns 1 once DA1 was seen.  Bytes that
 * are not part of a reply are ignored. */
int tprobe_feed(tprobe *p, const char *buf, size_t len);

#endif
