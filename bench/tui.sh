#!/bin/sh
# SPDX-License-Identifier: ISC
# The dashboard's two figures (issue 5), side by side with what a
# technician would otherwise leave running, `watch -n 10 nc -z ...`:
#   1. time from exec to the first complete frame (the table header and the
#      key line drawn), before any network result;
#   2. CPU time over 60 s of an idle dashboard with --interval 10.
# Traffic goes to loopback only: a socat listener on 127.0.0.1 and a
# resolver address on loopback where nothing answers.
#
# usage: sh bench/tui.sh BUILD_DIR [IDLE_SECONDS]
set -e
BUILD=${1:?usage: sh bench/tui.sh BUILD_DIR [IDLE_SECONDS]}
IDLE=${2:-60}
PP=$(cd "$BUILD" && pwd)/pushprobe
[ -x "$PP" ] || { echo "no pushprobe in $BUILD"; exit 1; }
for t in python3 socat nc watch; do
    command -v $t >/dev/null 2>&1 || { echo "bench/tui.sh needs $t"; exit 1; }
done
PORT=$((20000 + $$ % 20000))
socat TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork SYSTEM:true >/dev/null 2>&1 &
SOCAT=$!
trap 'kill $SOCAT 2>/dev/null' EXIT
sleep 0.3

python3 - "$PP" "$PORT" "$IDLE" <<'PY'
import os, pty, sys, time, select, signal, struct, fcntl, termios

pp, port, idle = sys.argv[1], sys.argv[2], float(sys.argv[3])
hz = os.sysconf("SC_CLK_TCK")

def spawn(argv):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    return pid, fd

def drain(fd, until=None, timeout=5.0):
    """Read output; return the time `until` was seen (or None)."""
    buf, end = b"", time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return None
            buf += chunk
            if until is not None and all(u in buf for u in until):
                return time.monotonic()
    return None

def cpu(pid, children=False):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    t = int(f[11]) + int(f[12])
    if children:
        t += int(f[13]) + int(f[14])
    return t / hz

def descendants(pid):
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                ppid = int(open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if ppid == pid:
                out.append(int(p))
    return out

args = [pp, "--no-config", "--profile", "none", "--resolver", "127.0.0.1:9",
        "--timeout", "1", "--interval", "10", "127.0.0.1:%s" % port,
        "localhost.invalid:%s" % port]

# 1. First frame: best of 5.
firsts = []
for _ in range(5):
    t0 = time.monotonic()
    pid, fd = spawn(args)
    t1 = drain(fd, until=[b"STATE", b"q quit"], timeout=5)
    os.kill(pid, signal.SIGTERM)
    drain(fd, timeout=0.3)
    os.waitpid(pid, 0)
    os.close(fd)
    if t1 is not None:
        firsts.append((t1 - t0) * 1000)
print("first frame: best %.1f ms, worst %.1f ms over %d starts (target < 100 ms)"
      % (min(firsts), max(firsts), len(firsts)))

# 2. Idle CPU over `idle` seconds, after the first run has settled.
pid, fd = spawn(args)
drain(fd, timeout=3)
c0, t0 = cpu(pid), time.monotonic()
drain(fd, timeout=idle)
c1, t1 = cpu(pid), time.monotonic()
os.kill(pid, signal.SIGTERM)
drain(fd, timeout=0.3)
os.waitpid(pid, 0)
os.close(fd)
pp_cpu = c1 - c0
print("pushprobe dashboard idle %.0f s (--interval 10, %s runs): CPU %.3f s = %.3f %% "
      "(target < 1 %%)" % (t1 - t0, int((t1 - t0) / 10), pp_cpu, 100 * pp_cpu / (t1 - t0)))

# The same watch with `watch -n 10 nc -z` over the same two targets.
wargs = ["watch", "-n", "10", "nc -z -w 1 127.0.0.1 %s; nc -z -w 1 localhost.invalid %s"
         % (port, port)]
pid, fd = spawn(wargs)
drain(fd, timeout=3)
c0, t0 = cpu(pid, True), time.monotonic()
drain(fd, timeout=idle)
c1, t1 = cpu(pid, True), time.monotonic()
os.kill(pid, signal.SIGTERM)
drain(fd, timeout=0.3)
os.waitpid(pid, 0)
os.close(fd)
w_cpu = c1 - c0
print("watch -n 10 nc -z (same targets) idle %.0f s: CPU %.3f s = %.3f %%"
      % (t1 - t0, w_cpu, 100 * w_cpu / (t1 - t0)))
if w_cpu > 0:
    print("ratio pushprobe / watch+nc CPU: %.2f" % (pp_cpu / w_cpu))
PY
