/*
 * multipart: a streaming multipart/form-data parser (RFC 7578 / RFC 2046).
 *
 * Pure: no I/O, no size limit on part data (only on one part's header
 * block).  Feed the body in chunks of any size — a boundary may be split
 * across chunks anywhere — and get, for each part, part_begin (its headers),
 * part_data (zero or more runs of its bytes, in order) and part_end.  Call
 * mp_finish at the end of the body: a body without its closing boundary is
 * reported as truncated.  After the first error every call returns -1.
 */
#ifndef SBX_MULTIPART_H
#define SBX_MULTIPART_H
#include <stddef.h>
#include "../util/err.h"

typedef struct mp_parser mp_parser;

/* One part's headers.  Strings are valid during part_begin only; NULL when
 * absent.  filename prefers RFC 5987 filename*=UTF-8''... over filename=. */
typedef struct mp_part {
	const char *name;           /* Content-Disposition name= */
	const char *filename;       /* Content-Disposition filename= (not basename-stripped) */
	const char *content_type;   /* the part's Content-Type */
} mp_part;

/* Callbacks return 0 to go on, -1 to stop: mp_feed then returns -1 with the
 * message "multipart: stopped by the receiver" (the receiver knows why). */
typedef struct mp_callbacks {
	int (*part_begin)(const mp_part *part, void *ud);
	int (*part_data)(const char *data, size_t len, void *ud);
	int (*part_end)(void *ud);
} mp_callbacks;

/* Boundary from a Content-Type value ("multipart/form-data; boundary=..."),
 * token or quoted-string.  Returns a heap string, or NULL with e set. */
char *mp_boundary_from_content_type(const char *content_type, sbx_err *e);

/* NULL with e set when the boundary is empty, too long or has CR/LF/NUL. */
mp_parser *mp_new(const char *boundary, const mp_callbacks *cb, void *ud, sbx_err *e);
int mp_feed(mp_parser *p, const char *data, size_t len, sbx_err *e);
/* End of body: 0 when the closing boundary was seen, else -1 (truncated). */
int mp_finish(mp_parser *p, sbx_err *e);
/* 1 when -1 came from a callback rather than from the input. */
int mp_stopped_by_receiver(const mp_parser *p);
void mp_free(mp_parser *p);

#endif
