/*
 * fuzzy: the command palette's matcher — fzf's v1 algorithm: the pattern's
 * characters must appear in order; the match is the shortest window found
 * by a forward scan then a backward scan, scored like fzf (16 per matched
 * character, bonuses at word starts, after delimiters, at camelCase humps
 * and for consecutive runs, penalties for gaps; the first character's
 * bonus counts double).  Smart case: case-insensitive unless the pattern
 * has an upper-case letter.  Bytes, not code points: non-ASCII text
 * matches byte for byte.
 */
#ifndef SBX_UI_FUZZY_H
#define SBX_UI_FUZZY_H
#include <stddef.h>

/* Score (>= 0) or -1 when text does not match.  When pos is non-NULL it
 * receives the byte offsets of the matched characters (strlen(pattern)
 * entries).  The empty pattern matches with score 0. */
int fuzzy_score(const char *pattern, const char *text, size_t *pos);
/* Sorts the indices of the matching items best first (score, then shorter
 * text, then original order) into order[]; returns how many matched. */
size_t fuzzy_rank(const char *pattern, const char *const *items, size_t n, size_t *order);

#endif
