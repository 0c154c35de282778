/* libFuzzer: every envd request decoder on arbitrary JSON text, then the
 * encoders on what was decoded (src/proto/envd_json*.c). */
#include "../../src/proto/envd_json.h"
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sbx_err e;
	json_t *j = envd_parse((const char *)data, size, &e);
	if (!j)
		return 0;

	envd_start_req st;
	if (envd_decode_start(j, &st, &e) == 0) {
		json_t *o = envd_process_info_json(&st.process, 1, st.tag);
		char *s = json_dumps(o, JSON_COMPACT);
		if (!s)
			abort();   /* whatever was accepted must encode */
		free(s);
		json_decref(o);
		envd_start_req_free(&st);
	}
	envd_update_req up;
	if (envd_decode_update(j, &up, &e) == 0)
		envd_update_req_free(&up);
	envd_input_req in;
	if (envd_decode_input(j, &in, &e) == 0) {
		if (in.kind) {
			json_t *o = envd_ev_data(ENVD_OUT_PTY, in.data, in.len);
			json_decref(o);
		}
		envd_input_req_free(&in);
	}
	envd_signal_req sg;
	if (envd_decode_signal(j, &sg, &e) == 0)
		envd_signal_req_free(&sg);
	envd_select_req sl;
	if (envd_decode_select(j, &sl, &e) == 0)
		envd_select_req_free(&sl);
	envd_path_req p;
	if (envd_decode_path(j, &p, &e) == 0) {
		json_t *o = envd_fs_event_json(p.path, ENVD_EVENT_WRITE, NULL);
		json_decref(o);
		envd_path_req_free(&p);
	}
	envd_move_req mv;
	if (envd_decode_move(j, &mv, &e) == 0)
		envd_move_req_free(&mv);
	envd_listdir_req ld;
	if (envd_decode_listdir(j, &ld, &e) == 0)
		envd_listdir_req_free(&ld);
	envd_watch_req w;
	if (envd_decode_watch(j, &w, &e) == 0)
		envd_watch_req_free(&w);
	envd_watcher_req wr;
	if (envd_decode_watcher(j, &wr, &e) == 0)
		envd_watcher_req_free(&wr);
	json_decref(j);
	return 0;
}
