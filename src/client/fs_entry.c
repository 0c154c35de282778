/* fs_entry: EntryInfo JSON → sbx_entry (pure). */
#include "fs.h"
#include "api.h"
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *j, const char *camel, const char *snake)
{
	const char *s = json_string_value(json_object_get(j, camel));
	if (!s && snake)
		s = json_string_value(json_object_get(j, snake));
	return s;
}

static int64_t i64(const json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

static int enum_parse(const json_t *v, const char *prefix, const char *const *names, int n)
{
	if (json_is_integer(v)) {
		json_int_t k = json_integer_value(v);
		return k >= 0 && k < n ? (int)k : 0;
	}
	const char *s = json_string_value(v);
	if (!s)
		return 0;
	size_t pl = strlen(prefix);
	if (!strncmp(s, prefix, pl))
		s += pl;
	for (int i = 1; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return 0;
}

int sbx_file_type_parse(const json_t *v)
{
	static const char *const names[] = { "UNSPECIFIED", "FILE", "DIRECTORY", "SYMLINK" };
	return enum_parse(v, "FILE_TYPE_", names, 4);
}

int sbx_fs_event_type_parse(const json_t *v)
{
	static const char *const names[] = { "UNSPECIFIED", "CREATE", "WRITE", "REMOVE", "RENAME", "CHMOD" };
	return enum_parse(v, "EVENT_TYPE_", names, 6);
}

int sbx_entry_parse(const json_t *j, sbx_entry *o, sbx_err *e)
{
	memset(o, 0, sizeof *o);
	if (!json_is_object(j))
		return sbx_error(e, "a file entry is not a JSON object");
	const char *s;
	o->name = (s = str(j, "name", NULL)) ? s : "";
	o->path = (s = str(j, "path", NULL)) ? s : "";
	o->type = sbx_file_type_parse(json_object_get(j, "type"));
	o->size = i64(json_object_get(j, "size"));
	o->mode = (uint32_t)i64(json_object_get(j, "mode"));
	o->permissions = (s = str(j, "permissions", NULL)) ? s : "";
	o->owner = (s = str(j, "owner", NULL)) ? s : "";
	o->group = (s = str(j, "group", NULL)) ? s : "";
	o->modified = (s = str(j, "modifiedTime", "modified_time")) ? s : "";
	o->mtime_ms = sbx_parse_time(o->modified);
	o->symlink_target = str(j, "symlinkTarget", "symlink_target");
	return 0;
}
