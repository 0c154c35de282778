#!/usr/bin/python3
"""ptyfeed: runs a command on a new pty between the terminal it is started
in (xterm under Xvfb in t_sixel.sh) and that command, so a test can type
into it without an X input tool.

    ptyfeed.py KEYS_FIFO OUT_LOG CMD [ARGS...]

Bytes from the terminal and from KEYS_FIFO go to the command; the command's
output goes to the terminal and is appended to OUT_LOG (the test greps it
to know what was drawn).  The pty gets the terminal's size, pixels
included (the workbench reads its cell size from them).  Exits with the
command's status."""
import fcntl, os, pty, select, signal, sys, termios, tty


def copy_size(src, dst):
    try:
        ws = fcntl.ioctl(src, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(dst, termios.TIOCSWINSZ, ws)
    except OSError:
        pass


def main():
    fifo, log, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    pid, master = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    copy_size(0, master)
    signal.signal(signal.SIGWINCH, lambda *_: copy_size(0, master))
    old = termios.tcgetattr(0)
    tty.setraw(0)
    # O_RDWR: the fifo never reports EOF when the test's writer closes it.
    keys = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    out = open(log, "ab", buffering=0)
    try:
        while True:
            try:
                r, _, _ = select.select([0, master, keys], [], [])
            except InterruptedError:
                continue
            if master in r:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    break
                if not data:
                    break
                os.write(1, data)
                out.write(data)
            for fd in (0, keys):
                if fd in r:
                    data = os.read(fd, 4096)
                    if data:
                        os.write(master, data)
    finally:
        termios.tcsetattr(0, termios.TCSAFLUSH, old)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
