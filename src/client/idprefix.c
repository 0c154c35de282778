#include "idprefix.h"
#include <stdio.h>
#include <string.h>

int sbx_id_resolve(const char *prefix, const char *const *ids, size_t n, sbx_err *e)
{
	if (!prefix || !*prefix)
		return sbx_error(e, "no sandbox id given (see `sbx ls`)");
	size_t pl = strlen(prefix), matches = 0;
	int found = -1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ids[i], prefix))
			return (int)i;
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(ids[i], prefix, pl)) {
			matches++;
			found = (int)i;
		}
	}
	if (matches == 1)
		return found;
	if (!matches)
		return sbx_error(e, "no sandbox '%s' (see `sbx ls`)", prefix);
	char list[700] = "";
	size_t len = 0, shown = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(ids[i], prefix, pl))
			continue;
		if (len + strlen(ids[i]) + 8 >= sizeof list) {
			snprintf(list + len, sizeof list - len, ", ...");
			break;
		}
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", shown++ ? ", " : "", ids[i]);
	}
	return sbx_error(e, "'%s' matches %zu sandboxes (%s); give more of the id", prefix, matches, list);
}
