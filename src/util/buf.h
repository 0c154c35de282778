/* buf: a growable byte buffer, always NUL-terminated after len. */
#ifndef SBX_BUF_H
#define SBX_BUF_H
#include <stddef.h>
#include <stdio.h>
#include "err.h"

typedef struct sbx_buf {
	char *data;   /* NULL until the first append */
	size_t len;
	size_t cap;
} sbx_buf;

#define SBX_BUF_INIT { NULL, 0, 0 }

void buf_init(sbx_buf *b);
void buf_free(sbx_buf *b);
void buf_reset(sbx_buf *b);                       /* len = 0, keeps memory */
void buf_grow(sbx_buf *b, size_t extra);
void buf_append(sbx_buf *b, const void *p, size_t n);
void buf_puts(sbx_buf *b, const char *s);
void buf_putc(sbx_buf *b, char c);
void buf_printf(sbx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_consume(sbx_buf *b, size_t n);           /* drop n bytes from the front */
char *buf_detach(sbx_buf *b);                     /* caller frees; b is reset */
const char *buf_cstr(sbx_buf *b);                 /* "" when empty */
/* Appends everything left in f; -1 when reading failed (ferror). */
int buf_read_stream(sbx_buf *b, FILE *f);
/* Appends the whole file at path; -1 with e set ("cannot read PATH: why")
 * when it cannot be opened or read. */
int buf_read_file(sbx_buf *b, const char *path, sbx_err *e);

#endif
