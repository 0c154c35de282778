/*
 * utf8: the code-point helpers the editor and renderers share.
 *
 * Invalid bytes never stop a scan: a byte that does not start a valid
 * sequence decodes as U+FFFD with length 1, so every position still moves
 * forward and a buffer of arbitrary bytes can be edited without loss.
 * Display width is wcwidth(3) (so it follows the process locale, which the
 * app sets to UTF-8); non-printables count as 1 column, combining marks as 0.
 */
#ifndef SBX_UI_UTF8_H
#define SBX_UI_UTF8_H
#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT 0xFFFDu

/* Decodes the code point at s[0..len); returns its byte length (>= 1 when
 * len > 0, 0 when len == 0). */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Encodes cp into out (>= 4 bytes); returns the byte count (invalid → U+FFFD). */
size_t utf8_encode(uint32_t cp, char *out);
/* Start of the code point that ends at pos (pos > 0); 0 when pos == 0. */
size_t utf8_prev(const char *s, size_t pos);
/* Terminal columns for cp: 0, 1 or 2. */
int utf8_cp_width(uint32_t cp);
/* Columns for s[0..len). */
int utf8_width(const char *s, size_t len);

#endif
