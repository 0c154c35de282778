/* fuzzy: fzf v1 matching and scoring; see fuzzy.h.  curses-free. */
#include "fuzzy.h"
#include "../../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

/* fzf's scoring constants (src/algo/algo.go). */
enum {
	SCORE_MATCH = 16,
	SCORE_GAP_START = -3,
	SCORE_GAP_EXT = -1,
	BONUS_BOUNDARY = SCORE_MATCH / 2,
	BONUS_NONWORD = SCORE_MATCH / 2,
	BONUS_CAMEL = BONUS_BOUNDARY + SCORE_GAP_EXT,
	BONUS_CONSECUTIVE = -(SCORE_GAP_START + SCORE_GAP_EXT),
	BONUS_BOUNDARY_WHITE = BONUS_BOUNDARY + 2,
	BONUS_BOUNDARY_DELIM = BONUS_BOUNDARY + 1,
	BONUS_FIRST_MULT = 2,
};

enum cls { C_WHITE, C_NONWORD, C_DELIM, C_LOWER, C_UPPER, C_LETTER, C_NUMBER };

static enum cls classify(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return C_LOWER;
	if (c >= 'A' && c <= 'Z')
		return C_UPPER;
	if (c >= '0' && c <= '9')
		return C_NUMBER;
	if (c == ' ' || c == '\t' || c == '\n')
		return C_WHITE;
	if (strchr("/,:;|", c) && c)
		return C_DELIM;
	return c >= 0x80 ? C_LETTER : C_NONWORD;
}

static int bonus_for(enum cls prev, enum cls cur)
{
	if (cur > C_DELIM) {
		if (prev == C_WHITE)
			return BONUS_BOUNDARY_WHITE;
		if (prev == C_DELIM)
			return BONUS_BOUNDARY_DELIM;
		if (prev == C_NONWORD)
			return BONUS_BOUNDARY;
	}
	if ((prev == C_LOWER && cur == C_UPPER) || (prev != C_NUMBER && cur == C_NUMBER))
		return BONUS_CAMEL;
	if (cur == C_NONWORD || cur == C_DELIM)
		return BONUS_NONWORD;
	if (cur == C_WHITE)
		return BONUS_BOUNDARY_WHITE;
	return 0;
}

static unsigned char fold(unsigned char c, int sensitive)
{
	return !sensitive && c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

int fuzzy_score(const char *pattern, const char *text, size_t *pos)
{
	size_t pn = strlen(pattern), tn = strlen(text);
	if (pn == 0)
		return 0;
	int sensitive = 0;
	for (size_t i = 0; i < pn; i++)
		if (pattern[i] >= 'A' && pattern[i] <= 'Z')
			sensitive = 1;
	const unsigned char *p = (const unsigned char *)pattern, *t = (const unsigned char *)text;
	/* Forward: the end of the first in-order match. */
	size_t pi = 0, end = 0;
	for (size_t i = 0; i < tn && pi < pn; i++)
		if (fold(t[i], sensitive) == fold(p[pi], sensitive) && ++pi == pn)
			end = i + 1;
	if (pi < pn)
		return -1;
	/* Backward from there: the latest start, i.e. the shortest window. */
	size_t start = end;
	pi = pn;
	while (pi > 0) {
		start--;
		if (fold(t[start], sensitive) == fold(p[pi - 1], sensitive))
			pi--;
	}
	int score = 0, in_gap = 0, consecutive = 0, first_bonus = 0;
	enum cls prev = start > 0 ? classify(t[start - 1]) : C_WHITE;
	pi = 0;
	for (size_t i = start; i < end; i++) {
		enum cls c = classify(t[i]);
		if (pi < pn && fold(t[i], sensitive) == fold(p[pi], sensitive)) {
			score += SCORE_MATCH;
			int bonus = bonus_for(prev, c);
			if (consecutive == 0) {
				first_bonus = bonus;
			} else {
				if (bonus >= BONUS_BOUNDARY && bonus > first_bonus)
					first_bonus = bonus;
				if (first_bonus > bonus)
					bonus = first_bonus;
				if (BONUS_CONSECUTIVE > bonus)
					bonus = BONUS_CONSECUTIVE;
			}
			score += pi == 0 ? bonus * BONUS_FIRST_MULT : bonus;
			if (pos)
				pos[pi] = i;
			in_gap = 0;
			consecutive++;
			pi++;
		} else {
			score += in_gap ? SCORE_GAP_EXT : SCORE_GAP_START;
			in_gap = 1;
			consecutive = 0;
			first_bonus = 0;
		}
		prev = c;
	}
	return score;
}

typedef struct ranked {
	size_t idx, len;
	int score;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

size_t fuzzy_rank(const char *pattern, const char *const *items, size_t n, size_t *order)
{
	ranked *r = xcalloc(n ? n : 1, sizeof *r);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		int s = fuzzy_score(pattern, items[i], NULL);
		if (s >= 0)
			r[m++] = (ranked){ i, strlen(items[i]), s };
	}
	qsort(r, m, sizeof *r, cmp_ranked);
	for (size_t i = 0; i < m; i++)
		order[i] = r[i].idx;
	free(r);
	return m;
}
