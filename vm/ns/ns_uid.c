#include "ns_uid.h"
#include "ns_util.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

uint32_t nsuid_base(int slot)
{
	return NSUID_FIRST + (uint32_t)slot * NSUID_SIZE;
}

static void mark(unsigned char *used, uint64_t first, uint64_t count)
{
	if (count == 0 || first + count <= NSUID_FIRST)
		return;
	uint64_t lo = first > NSUID_FIRST ? first - NSUID_FIRST : 0;
	uint64_t hi = first + count - 1 - NSUID_FIRST;
	for (uint64_t s = lo / NSUID_SIZE; s <= hi / NSUID_SIZE && s < NSUID_SLOTS; s++)
		used[s] = 1;
}

/* Ranges /etc/subuid and /etc/subgid give host users for their own
 * containers ("name:first:count" lines). */
static void sub_ranges(const char *file, unsigned char *used)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		unsigned long long first, count;
		char *c = strchr(line, ':');
		if (c && sscanf(c, ":%llu:%llu", &first, &count) == 2)
			mark(used, first, count);
	}
	fclose(f);
}

/* Slots holding a host account's or group's id, or part of a host user's
 * subordinate range (read once per alloc). */
static void host_slots(unsigned char *used)
{
	sub_ranges("/etc/subuid", used);
	sub_ranges("/etc/subgid", used);
	struct passwd pw, *pp;
	struct group gr, *gp;
	char buf[8192];
	setpwent();
	while (getpwent_r(&pw, buf, sizeof buf, &pp) == 0)
		mark(used, pp->pw_uid, 1);
	endpwent();
	setgrent();
	while (getgrent_r(&gr, buf, sizeof buf, &gp) == 0)
		mark(used, gp->gr_gid, 1);
	endgrent();
}

/* An entry whose state dir holds no sandbox any more (its destroy failed
 * and the dir was removed by hand): the range is free again. */
static int stale(const char *path)
{
	char owner[4200], state[4300];
	if (nsu_read_file(path, owner, sizeof owner, NULL) < 0 || owner[0] != '/')
		return 0;
	snprintf(state, sizeof state, "%s/state.json", owner);
	return access(state, F_OK) < 0 && errno == ENOENT;
}

int nsuid_alloc(const char *state_dir, int *slot, sbx_err *e)
{
	if (fsu_mkdirs(NSUID_DIR, 0700, e) < 0)
		return -1;
	/* Creators take turns (a few opens each): taking over a stale entry
	 * must not race with another creator taking it. */
	int lock = open(NSUID_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		if (lock >= 0)
			close(lock);
		return sbx_error_errno(e, "cannot lock %s to reserve a uid range", NSUID_DIR);
	}
	unsigned char *used = xcalloc(NSUID_SLOTS, 1);
	host_slots(used);
	int rc = -1, i;
	for (i = 0; i < NSUID_SLOTS; i++) {
		if (used[i])
			continue;
		char path[64];
		snprintf(path, sizeof path, NSUID_DIR "/%d", i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST && stale(path) && unlink(path) == 0)
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0) {
			rc = sbx_error_errno(e, "cannot create %s to reserve a uid range", path);
			break;
		}
		size_t n = strlen(state_dir);
		ssize_t w = write(fd, state_dir, n);
		close(fd);
		if (w != (ssize_t)n) {
			unlink(path);
			rc = sbx_error(e, "cannot write %s to reserve a uid range (disk full?)", path);
			break;
		}
		*slot = i;
		rc = 0;
		break;
	}
	if (i == NSUID_SLOTS)
		sbx_error(e, "all %d uid ranges for sandboxes are taken (see %s); destroy some sandboxes",
			  NSUID_SLOTS, NSUID_DIR);
	free(used);
	close(lock);
	return rc;
}

int nsuid_release(int slot, const char *state_dir, sbx_err *e)
{
	if (slot < 0 || slot >= NSUID_SLOTS)
		return 0;
	char path[64], owner[4200];
	snprintf(path, sizeof path, NSUID_DIR "/%d", slot);
	if (nsu_read_file(path, owner, sizeof owner, NULL) < 0)
		return 0;      /* gone (a reboot emptied /run): nothing to give back */
	if (strcmp(owner, state_dir) != 0)
		return 0;      /* someone else's since */
	if (unlink(path) < 0 && errno != ENOENT)
		return sbx_error_errno(e, "cannot remove %s", path);
	return 0;
}
