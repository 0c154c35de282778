/* ui/model filetree: sorting, hidden files, expand/collapse and flattening,
 * re-listing keeping state, watch events, the cursor across refreshes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../ui/model/filetree.h"

static sbx_entry ent(const char *dir, const char *name, int type)
{
	static char paths[64][256];
	static int next;
	char *p = paths[next++ % 64];
	snprintf(p, 256, "%s/%s", strcmp(dir, "/") ? dir : "", name);
	return (sbx_entry){ .name = name, .path = p, .type = type, .size = 10, .permissions = "-rw-r--r--",
			    .owner = "user", .mtime_ms = 1000 };
}

/* "name/depth name/depth ..." of the rows. */
static char *rows_str(filetree *t)
{
	static char s[2048];
	s[0] = '\0';
	for (size_t i = 0; i < t->nrows; i++) {
		char one[300];
		snprintf(one, sizeof one, "%s%s/%d", i ? " " : "", t->rows[i].node->name, t->rows[i].depth);
		strcat(s, one);
	}
	return s;
}

static filetree *home(void)
{
	filetree *t = filetree_new("/home/user/");
	sbx_entry e[] = {
		ent("/home/user", "b.txt", SBX_FILE_FILE), ent("/home/user", "Zdir", SBX_FILE_DIR),
		ent("/home/user", ".bashrc", SBX_FILE_FILE), ent("/home/user", "a.py", SBX_FILE_FILE),
		ent("/home/user", "adir", SBX_FILE_DIR), ent("/home/user", "B.md", SBX_FILE_FILE),
	};
	assert_int_equal(filetree_set_listing(t, "/home/user", e, 6), 0);
	return t;
}

static void test_sort_and_hidden(void **st)
{
	(void)st;
	filetree *t = home();
	assert_string_equal(t->root->path, "/home/user");
	assert_string_equal(rows_str(t), "adir/0 Zdir/0 a.py/0 B.md/0 b.txt/0");
	filetree_set_hidden(t, 1);
	assert_string_equal(rows_str(t), "adir/0 Zdir/0 .bashrc/0 a.py/0 B.md/0 b.txt/0");
	filetree_free(t);
}

static void test_expand_collapse(void **st)
{
	(void)st;
	filetree *t = home();
	ft_node *adir = filetree_find(t, "/home/user/adir");
	assert_non_null(adir);
	assert_int_equal(filetree_toggle(t, adir), 1);   /* needs a listing */
	assert_true(adir->loading);
	sbx_entry e[] = { ent("/home/user/adir", "x", SBX_FILE_FILE), ent("/home/user/adir", "sub", SBX_FILE_DIR) };
	assert_int_equal(filetree_set_listing(t, "/home/user/adir", e, 2), 0);
	assert_false(adir->loading);
	assert_string_equal(rows_str(t), "adir/0 sub/1 x/1 Zdir/0 a.py/0 B.md/0 b.txt/0");
	const char **dirs;
	size_t n = filetree_open_dirs(t, &dirs);
	assert_int_equal(n, 2);
	assert_string_equal(dirs[0], "/home/user");
	assert_string_equal(dirs[1], "/home/user/adir");
	free(dirs);
	assert_int_equal(filetree_toggle(t, adir), 0);   /* collapse */
	assert_string_equal(rows_str(t), "adir/0 Zdir/0 a.py/0 B.md/0 b.txt/0");
	n = filetree_open_dirs(t, &dirs);
	assert_int_equal(n, 1);
	free(dirs);
	assert_int_equal(filetree_toggle(t, adir), 0);   /* known: no listing */
	assert_string_equal(rows_str(t), "adir/0 sub/1 x/1 Zdir/0 a.py/0 B.md/0 b.txt/0");
	assert_int_equal(filetree_toggle(t, filetree_find(t, "/home/user/a.py")), -1);
	/* A listing for a directory the tree does not hold is refused. */
	assert_int_equal(filetree_set_listing(t, "/etc", e, 2), -1);
	filetree_free(t);
}

static void test_relist_keeps_state_and_cursor(void **st)
{
	(void)st;
	filetree *t = home();
	ft_node *adir = filetree_find(t, "/home/user/adir");
	filetree_toggle(t, adir);
	sbx_entry e[] = { ent("/home/user/adir", "x", SBX_FILE_FILE) };
	filetree_set_listing(t, "/home/user/adir", e, 1);
	assert_true(filetree_select(t, "/home/user/b.txt"));
	assert_int_equal(t->cursor, 5);
	/* A new file sorts in above the cursor: the cursor follows b.txt. */
	sbx_entry e2[] = {
		ent("/home/user", "b.txt", SBX_FILE_FILE), ent("/home/user", "Zdir", SBX_FILE_DIR),
		ent("/home/user", "a.py", SBX_FILE_FILE), ent("/home/user", "adir", SBX_FILE_DIR),
		ent("/home/user", "B.md", SBX_FILE_FILE), ent("/home/user", "aa", SBX_FILE_FILE),
	};
	e2[0].size = 99;
	filetree_set_listing(t, "/home/user", e2, 6);
	assert_string_equal(rows_str(t), "adir/0 x/1 Zdir/0 a.py/0 aa/0 B.md/0 b.txt/0");
	assert_string_equal(filetree_cursor(t)->path, "/home/user/b.txt");
	assert_int_equal(filetree_cursor(t)->size, 99);
	assert_true(filetree_find(t, "/home/user/adir")->expanded);
	/* The cursor's file goes away: the cursor stays at its index (clamped). */
	filetree_set_listing(t, "/home/user", e2 + 1, 5);
	assert_string_equal(filetree_cursor(t)->name, "B.md");
	filetree_free(t);
}

static void test_events(void **st)
{
	(void)st;
	filetree *t = home();
	assert_true(filetree_select(t, "/home/user/a.py"));
	assert_int_equal(filetree_event(t, "/home/user", "a.py", SBX_FS_REMOVE), 1);
	assert_string_equal(rows_str(t), "adir/0 Zdir/0 B.md/0 b.txt/0");
	assert_string_equal(filetree_cursor(t)->name, "B.md");
	assert_int_equal(filetree_event(t, "/home/user", "b.txt", SBX_FS_RENAME), 1);
	assert_string_equal(rows_str(t), "adir/0 Zdir/0 B.md/0");
	assert_int_equal(filetree_event(t, "/home/user", "new", SBX_FS_CREATE), 1);
	assert_int_equal(filetree_event(t, "/home/user", "B.md", SBX_FS_WRITE), 1);
	assert_string_equal(rows_str(t), "adir/0 Zdir/0 B.md/0");
	/* Directories not listed (or outside the tree) need nothing. */
	assert_int_equal(filetree_event(t, "/home/user/adir", "q", SBX_FS_CREATE), 0);
	assert_int_equal(filetree_event(t, "/tmp", "q", SBX_FS_CREATE), 0);
	filetree_free(t);
}

static void test_cursor_and_targets(void **st)
{
	(void)st;
	filetree *t = home();
	assert_string_equal(filetree_cursor(t)->name, "adir");
	assert_string_equal(filetree_target_dir(t), "/home/user/adir");
	filetree_move(t, -5);
	assert_int_equal(t->cursor, 0);
	filetree_move(t, 100);
	assert_string_equal(filetree_cursor(t)->name, "b.txt");
	assert_string_equal(filetree_target_dir(t), "/home/user");
	filetree_set_cursor(t, 2);
	assert_string_equal(filetree_cursor(t)->name, "a.py");
	/* Hiding dot files keeps the cursor on its file. */
	filetree_set_hidden(t, 1);
	assert_string_equal(filetree_cursor(t)->name, "a.py");
	assert_int_equal(t->cursor, 3);
	filetree_set_root(t, "/");
	assert_null(filetree_cursor(t));
	assert_string_equal(filetree_target_dir(t), "/");
	assert_int_equal(t->root->loading, 1);
	sbx_entry e[] = { ent("/", "etc", SBX_FILE_DIR), ent("/", "home", SBX_FILE_DIR) };
	assert_int_equal(filetree_set_listing(t, "/", e, 2), 0);
	assert_string_equal(rows_str(t), "etc/0 home/0");
	assert_non_null(filetree_find(t, "/home"));
	assert_null(filetree_find(t, "/home/user"));
	filetree_free(t);
}

static void test_listing_failed_and_dir_becomes_file(void **st)
{
	(void)st;
	filetree *t = home();
	ft_node *z = filetree_find(t, "/home/user/Zdir");
	assert_int_equal(filetree_toggle(t, z), 1);
	filetree_listing_failed(t, "/home/user/Zdir");
	assert_false(z->expanded);
	assert_false(z->loading);
	/* Zdir listed and open, then replaced by a file of that name. */
	filetree_toggle(t, z);
	sbx_entry k[] = { ent("/home/user/Zdir", "in", SBX_FILE_FILE) };
	filetree_set_listing(t, "/home/user/Zdir", k, 1);
	assert_string_equal(rows_str(t), "adir/0 Zdir/0 in/1 a.py/0 B.md/0 b.txt/0");
	sbx_entry e[] = { ent("/home/user", "Zdir", SBX_FILE_FILE) };
	filetree_set_listing(t, "/home/user", e, 1);
	assert_string_equal(rows_str(t), "Zdir/0");
	assert_false(filetree_find(t, "/home/user/Zdir")->expanded);
	filetree_free(t);
}

static void test_symlink_and_paths(void **st)
{
	(void)st;
	filetree *t = filetree_new("/w");
	sbx_entry e[] = { ent("/w", "f", SBX_FILE_FILE), ent("/w", "ln", SBX_FILE_DIR) };
	e[1].symlink_target = "/etc";
	filetree_set_listing(t, "/w", e, 2);
	assert_string_equal(rows_str(t), "ln/0 f/0");
	assert_string_equal(filetree_find(t, "/w/ln")->link, "/etc");
	assert_null(filetree_find(t, "/w/f")->link);
	filetree_free(t);
	char *s = ft_dirname("/a/b/");
	assert_string_equal(s, "/a");
	free(s);
	s = ft_dirname("/a");
	assert_string_equal(s, "/");
	free(s);
	s = ft_dirname("/");
	assert_string_equal(s, "/");
	free(s);
	s = ft_join("/", "x");
	assert_string_equal(s, "/x");
	free(s);
	s = ft_join("/a", "x");
	assert_string_equal(s, "/a/x");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort_and_hidden),
		cmocka_unit_test(test_expand_collapse),
		cmocka_unit_test(test_relist_keeps_state_and_cursor),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_cursor_and_targets),
		cmocka_unit_test(test_listing_failed_and_dir_becomes_file),
		cmocka_unit_test(test_symlink_and_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
