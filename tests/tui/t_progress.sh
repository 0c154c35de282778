#!/usr/bin/env bash
# (m) A VM sandbox's accelerator and a slow pause's progress, as sbxd
# reports them (accel, sbxProgress, state pausing): the list's RUNTIME and
# STATE columns and the status bar on the sandboxes tab and in the
# sandbox's tab.  ns sandboxes have neither (they pause at once), so
# api_proxy.py adds them to every sandbox object sbxd answers.
. "$(dirname "$0")/lib.sh"
tui_init base
tui_api_proxy --sandbox '{"accel":"tcg","state":"pausing","sbxProgress":{"op":"pausing","done":600000000,"total":1000000000}}' || exit 1
tui_start || exit 1
tui_api_create base || exit 1
tui_keys R
tui_wait_for "the list shows runtime·accelerator" "ns·tcg"
tui_wait_for "... and how far the pause got" "pause 60%"
tui_wait_for "the status bar: the selected sandbox's runtime·accelerator" "1 sandbox · ${ID:0:8} ns·tcg"
tui_keys Enter
tui_wait_for "its tab's status bar too" "${ID:0:8} · ns·tcg · running" 30
tui_alive "after the progress"
done_testing
