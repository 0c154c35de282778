/*
 * connect_frame: Connect envelopes for shell tests (lib.sh's rpc_stream).
 *   connect_frame enc   JSON on stdin → one 0x00 envelope on stdout
 *   connect_frame dec   envelopes on stdin → one line per frame: "<flags> <json>"
 *                       (exit 1 on a truncated or bad frame)
 */
#include "../../src/proto/connect.h"
#include "../../src/util/buf.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void read_all(sbx_buf *b)
{
	char tmp[65536];
	ssize_t n;
	while ((n = read(0, tmp, sizeof tmp)) > 0)
		buf_append(b, tmp, (size_t)n);
}

static int enc(void)
{
	sbx_buf in = SBX_BUF_INIT, out = SBX_BUF_INIT;
	read_all(&in);
	connect_envelope(&out, 0, in.data ? in.data : "", in.len);
	int rc = fwrite(out.data, 1, out.len, stdout) == out.len ? 0 : 1;
	buf_free(&in);
	buf_free(&out);
	return rc;
}

static int dec(void)
{
	sbx_buf in = SBX_BUF_INIT;
	connect_reader r;
	connect_frame f;
	sbx_err e;
	int rc = 0, st;
	read_all(&in);
	connect_reader_init(&r, (size_t)1 << 30);
	connect_reader_feed(&r, in.data ? in.data : "", in.len);
	while ((st = connect_reader_next(&r, &f, &e)) == CONNECT_FRAME)
		printf("%u %.*s\n", f.flags, (int)f.len, f.data);
	if (st == CONNECT_BAD) {
		fprintf(stderr, "connect_frame: %s\n", e.msg);
		rc = 1;
	} else if (connect_reader_pending(&r)) {
		fprintf(stderr, "connect_frame: truncated envelope (%zu bytes left over)\n",
			connect_reader_pending(&r));
		rc = 1;
	}
	connect_reader_free(&r);
	buf_free(&in);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "enc"))
		return enc();
	if (argc == 2 && !strcmp(argv[1], "dec"))
		return dec();
	fprintf(stderr, "usage: connect_frame enc|dec  (stdin → stdout)\n");
	return 2;
}
