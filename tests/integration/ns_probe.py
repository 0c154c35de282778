# Run inside an ns sandbox by t_ns_security.sh: try system calls the
# sandbox must not get and print "NAME=RESULT" per probe (RESULT: ok or the
# errno name).  x86_64 system call numbers.
import ctypes
import errno
import os
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def sc(nr, *args):
    conv = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    r = libc.syscall(ctypes.c_long(nr), *conv)
    if r >= 0:
        return "ok", r
    e = ctypes.get_errno()
    return errno.errorcode.get(e, str(e)), r


def report(name, res):
    print("%s=%s" % (name, res[0]), flush=True)


def probes():
    params = ctypes.create_string_buffer(120)
    report("io_uring_setup", sc(425, 1, params))
    report("bpf", sc(321, 0, ctypes.create_string_buffer(128), 128))
    attr = ctypes.create_string_buffer(128)
    report("perf_event_open", sc(298, attr, 0, -1, -1, 0))
    report("userfaultfd", sc(323, 0))
    report("open_by_handle_at", sc(304, -100, ctypes.create_string_buffer(16), 0))
    report("unshare_user_mnt", sc(272, 0x10000000 | 0x00020000))
    report("mount", sc(165, b"none", b"/mnt", b"tmpfs", 0, None))
    report("kexec_load", sc(246, 0, 0, None, 0))
    report("init_module", sc(175, None, 0, b""))
    report("clock_settime", sc(227, 0, ctypes.create_string_buffer(16)))
    report("personality_noaslr", sc(135, 0x0040000))
    report("personality_query", sc(135, 0xffffffff))
    report("add_key", sc(248, b"user", b"sbx-probe", b"x", 1, -4))


def key_search(desc):
    # keyctl(KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", desc, 0)
    report("key_search", sc(250, 10, -4, b"user", desc.encode(), 0))


def key_add(desc):
    report("key_add", sc(248, b"user", desc.encode(), b"planted", 7, -4))


def ptrace_init():
    # PTRACE_SEIZE: attaches without stopping the agent.
    report("ptrace_pid1", sc(101, 0x4206, 1, 0, 0))
    try:
        with open("/proc/1/environ", "rb") as f:
            data = f.read()
        print("environ_pid1=%s" % ("token" if b"SBX_ACCESS_TOKEN" in data else "readable"), flush=True)
    except OSError as e:
        print("environ_pid1=%s" % errno.errorcode.get(e.errno, str(e.errno)), flush=True)


def inotify_hog(release, limit=4096):
    fds = []
    while len(fds) < limit:
        fd = libc.inotify_init1(0)
        if fd < 0:
            break
        fds.append(fd)
    print("inotify_hog=%d" % len(fds), flush=True)
    end = time.monotonic() + 20
    while time.monotonic() < end and not os.path.exists(release):
        time.sleep(0.05)


def inotify_one():
    fd = libc.inotify_init1(0)
    e = ctypes.get_errno()
    print("inotify=%s" % ("ok" if fd >= 0 else errno.errorcode.get(e, str(e))), flush=True)


cmd = sys.argv[1]
if cmd == "probes":
    probes()
elif cmd == "key_search":
    key_search(sys.argv[2])
elif cmd == "key_add":
    key_add(sys.argv[2])
elif cmd == "ptrace":
    ptrace_init()
elif cmd == "inotify_hog":
    inotify_hog(sys.argv[2])
elif cmd == "inotify":
    inotify_one()
