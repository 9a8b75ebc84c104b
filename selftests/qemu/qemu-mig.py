#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""qemu-mig.py - QEMU live migration of a VM that owns an mvf VF (TAP).

Runs inside the test VM.  Each case starts two QEMU processes (TCG, 64 MiB,
the bare-metal workload tools/l3guest/mvf-l3.elf as -kernel), each owning
one VF through -device vfio-pci, and migrates the running VM between them
over a unix socket, driven over QMP.  The guest checks every DMA result and
reports over COM1 (a unix socket chardev the harness reads and writes); the
harness checks the migration's outcome, then asks the guest on the side
that runs last to re-verify everything and exit (isa-debug-exit status 33
is PASS).

usage: qemu-mig.py --vfs BDF,BDF[,BDF,BDF] --out DIR [--cases a,b] [--demo]
                   [--mismatch-vf BDF]
                   [--config auto|device|type1] [--dev-opts OPTS]
                   [--downtime-limit MS] [--timeout S]

--config: "device" is QEMU's default, device DMA dirty tracking
(DMA_LOGGING_*, the driver's vfio_log_ops).  It needs a vfio core built with
CONFIG_IOMMUFD_DRIVER (its DMA_LOGGING_REPORT is a stub otherwise); Debian's
7.2 kernel has none, so "auto" (the default) picks "type1" there: the legacy
container's dirty tracking (every mapped page dirty at every sync), with
x-msix-relocation=bar1 (QEMU queries a sub-page BAR section otherwise and
type1 fails it with EINVAL, see Documentation/qemu.rst) and downtime-limit
100000 ms (all of RAM is dirty at every pass).

Results (QEMU's query-migrate figures) go to DIR/qemu-mig-results.txt;
per-QEMU logs (stderr, with -trace) and serial transcripts to DIR/.
Python standard library only.
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

QEMU = "qemu-system-x86_64"
GUEST_SLOT = "0x4"
SECOND_SLOT = "0x5"
PASS_STATUS = 33  # isa-debug-exit: (0x10 << 1) | 1
TRACE = ["vfio_*", "-vfio_region_read", "-vfio_region_write",
         "migrate_transferred"]


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class CaseTimeout(Exception):
    pass


class Fail(Exception):
    pass


def log(msg):
    print("# " + msg, flush=True)


class Serial:
    """COM1 of one QEMU: a unix socket chardev (server=on,wait=off)."""

    def __init__(self, path, transcript, deadline):
        self.lines = []
        self.buf = b""
        self.lock = threading.Condition()
        self.closed = False
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.time() > deadline:
                    raise Fail("serial socket %s did not appear" % path)
                time.sleep(0.1)
        self.out = open(transcript, "a")
        self.t = threading.Thread(target=self._reader, daemon=True)
        self.t.start()

    def _reader(self):
        while True:
            try:
                d = self.sock.recv(4096)
            except OSError:
                d = b""
            with self.lock:
                if not d:
                    self.closed = True
                    self.lock.notify_all()
                    return
                self.buf += d
                while b"\n" in self.buf:
                    ln, self.buf = self.buf.split(b"\n", 1)
                    s = ANSI.sub("", ln.decode(errors="replace")).strip()
                    self.lines.append(s)
                    self.out.write(s + "\n")
                    self.out.flush()
                self.lock.notify_all()

    def mark(self):
        with self.lock:
            return len(self.lines)

    def wait(self, regex, timeout, since=0, fail_re=r"mvf-l3: FAIL"):
        """Wait for a line matching regex (from line index since)."""
        r = re.compile(regex)
        f = re.compile(fail_re) if fail_re else None
        end = time.time() + timeout
        i = since
        with self.lock:
            while True:
                while i < len(self.lines):
                    ln = self.lines[i]
                    i += 1
                    if f and f.search(ln):
                        raise Fail("guest: " + ln)
                    m = r.search(ln)
                    if m:
                        return m
                left = end - time.time()
                if left <= 0:
                    raise Fail("no guest line /%s/ within %d s (last: %s)" %
                               (regex, timeout,
                                self.lines[-1] if self.lines else "none"))
                if self.closed:
                    raise Fail("serial closed while waiting for /%s/ "
                               "(last: %s)" % (regex, self.lines[-1]
                                               if self.lines else "none"))
                self.lock.wait(min(left, 1.0))

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        self.out.close()


class Qemu:
    def __init__(self, name, outdir, rundir, vfs, dev_opts, incoming,
                 extra_args=()):
        self.name = name
        self.qmp_path = os.path.join(rundir, name + ".qmp")
        self.ser_path = os.path.join(rundir, name + ".serial")
        self.logpath = os.path.join(outdir, name + ".log")
        self.transcript = os.path.join(outdir, name + ".serial.txt")
        for p in (self.qmp_path, self.ser_path):
            if os.path.exists(p):
                os.unlink(p)
        args = [QEMU, "-machine", "q35", "-accel", "tcg", "-m", "64",
                "-nodefaults", "-display", "none",
                "-kernel", L3_ELF,
                "-chardev", "socket,id=ser0,path=%s,server=on,wait=off" %
                self.ser_path,
                "-serial", "chardev:ser0",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        for i, vf in enumerate(vfs):
            slot = GUEST_SLOT if i == 0 else SECOND_SLOT
            dev = "vfio-pci,host=%s,addr=%s,id=vf%d,enable-migration=on" % (
                vf, slot, i)
            if dev_opts:
                dev += "," + dev_opts
            args += ["-device", dev]
        for t in TRACE:
            args += ["-trace", t]
        if incoming:
            args += ["-incoming", "defer"]
        args += list(extra_args)
        self.args = args
        self.logf = open(self.logpath, "a")
        self.logf.write("# " + " ".join(args) + "\n")
        self.logf.flush()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        self.sock = None
        self.rbuf = b""
        self.events = []
        self.serial = None

    def connect(self, deadline):
        while True:
            if self.proc.poll() is not None:
                raise Fail("%s exited with status %d at startup (%s)" %
                           (self.name, self.proc.returncode,
                            tail(self.logpath)))
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.qmp_path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if time.time() > deadline:
                    raise Fail("%s: no QMP socket" % self.name)
                time.sleep(0.1)
        self.sock = s
        self._recv()  # greeting
        self.cmd("qmp_capabilities")
        self.serial = Serial(self.ser_path, self.transcript, deadline)

    def _recv(self):
        while b"\n" not in self.rbuf:
            d = self.sock.recv(65536)
            if not d:
                raise Fail("%s: QMP connection closed" % self.name)
            self.rbuf += d
        ln, self.rbuf = self.rbuf.split(b"\n", 1)
        return json.loads(ln)

    def cmd(self, execute, **arguments):
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._recv()
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise Fail("%s: %s: %s" % (self.name, execute,
                                           r["error"].get("desc")))
            return r.get("return")

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.sock:
            self.sock.close()
        if self.serial:
            self.serial.close()
        self.logf.close()


def tail(path, n=3):
    try:
        with open(path) as f:
            ls = [x.strip() for x in f if not x.startswith("#") and
                  "vfio_" not in x.split(" ")[0]]
        return " | ".join(ls[-n:])
    except OSError:
        return ""


class Case:
    def __init__(self, h, name):
        self.h = h
        self.name = name
        self.qemus = []
        self.figures = []

    def qemu(self, name, vfs, incoming, dev_opts=None):
        q = Qemu(name, self.h.out, self.h.rundir, vfs,
                 self.h.dev_opts if dev_opts is None else dev_opts, incoming)
        self.qemus.append(q)
        q.connect(time.time() + 60)
        return q

    def caps(self, q, multifd=False):
        c = [{"capability": "return-path", "state": True},
             {"capability": "switchover-ack", "state": True},
             {"capability": "events", "state": True}]
        if multifd:
            c.append({"capability": "multifd", "state": True})
        q.cmd("migrate-set-capabilities", capabilities=c)
        if multifd:
            q.cmd("migrate-set-parameters", **{"multifd-channels": 2})

    def start_pair(self, src_vfs, dst_vfs, multifd=False, dev_opts=None):
        src = self.qemu("%s-src" % self.name, src_vfs, False, dev_opts)
        src.serial.wait(r"mvf-l3: ready", 120)
        src.serial.wait(r"mvf-l3: ops \d+", 120)
        dst = self.start_dst(dst_vfs, multifd, dev_opts, "dst")
        self.caps(src, multifd)
        return src, dst

    def start_dst(self, vfs, multifd, dev_opts, tag):
        dst = self.qemu("%s-%s" % (self.name, tag), vfs, True, dev_opts)
        self.caps(dst, multifd)
        uri = "unix:" + os.path.join(self.h.rundir, "%s-%s.mig" %
                                      (self.name, tag))
        dst.cmd("migrate-incoming", uri=uri)
        dst.mig_uri = uri
        return dst

    def migrate(self, src, dst, bandwidth=None, during=None, timeout=None):
        """Migrate src -> dst; returns the source's final query-migrate."""
        p = {"downtime-limit": self.h.downtime_limit}
        if bandwidth:
            p["max-bandwidth"] = bandwidth
        src.cmd("migrate-set-parameters", **p)
        t0 = time.time()
        src.cmd("migrate", uri=dst.mig_uri)
        end = t0 + (timeout or self.h.mig_timeout)
        acted = during is None
        while True:
            info = src.cmd("query-migrate")
            st = info.get("status")
            if not acted and st == "active":
                acted = True
                r = during(info)
                if r == "stop":
                    return info
            if st in ("completed", "failed", "cancelled"):
                break
            if time.time() > end:
                raise Fail("migration still '%s' after %d s (%s)" %
                           (st, time.time() - t0, progress(info)))
            time.sleep(0.5)
        info["wall-s"] = round(time.time() - t0, 1)
        return info

    def record(self, what, info):
        vfio = (info.get("vfio") or {}).get("transferred")
        ram = (info.get("ram") or {}).get("transferred")
        rec = {"case": self.name, "migration": what,
               "status": info.get("status"),
               "total-time-ms": info.get("total-time"),
               "downtime-ms": info.get("downtime"),
               "setup-time-ms": info.get("setup-time"),
               "vfio-transferred": vfio, "ram-transferred": ram,
               "wall-s": info.get("wall-s")}
        if info.get("error-desc"):
            rec["error"] = info["error-desc"]
        self.figures.append(rec)
        self.h.results.write(json.dumps(rec) + "\n")
        self.h.results.flush()
        log("%s: %s" % (what, fmt(rec)))
        return rec

    def expect_completed(self, what, src, dst):
        info = self.migrate(src, dst)
        self.record(what, info)
        if info.get("status") != "completed":
            raise Fail("%s: migration %s: %s" % (what, info.get("status"),
                                                info.get("error-desc", "")))
        st = src.cmd("query-status")["status"]
        if st != "postmigrate":
            raise Fail("%s: source runstate %s, expected postmigrate" %
                       (what, st))
        return info

    def guest_alive(self, q, what):
        """The guest on q makes progress and its checks pass."""
        m = q.serial.mark()
        q.serial.send("P")
        q.serial.wait(r"mvf-l3: ops \d+", 120, since=m)
        m = q.serial.mark()
        q.serial.wait(r"mvf-l3: ops \d+", 120, since=m)
        m = q.serial.mark()
        q.serial.send("V")
        v = q.serial.wait(r"mvf-l3: verify ok .*", 300, since=m)
        log("%s: %s" % (what, v.group(0)))

    def finish_guest(self, q):
        """Final verify on q; the guest exits QEMU with PASS."""
        m = q.serial.mark()
        q.serial.send("Q")
        v = q.serial.wait(r"mvf-l3: PASS.*", 300, since=m)
        rc = q.wait_exit(60)
        if rc != PASS_STATUS:
            raise Fail("%s exited with %s, expected %d" % (q.name, rc,
                                                           PASS_STATUS))
        return v.group(0)

    def cleanup(self):
        for q in self.qemus:
            q.kill()


def progress(info):
    """Why a migration has not ended yet: QEMU's own convergence figures."""
    ram = info.get("ram") or {}
    vfio = info.get("vfio") or {}
    return ("ram remaining %s bytes, dirty-pages-rate %s/s, mbps %s, "
            "dirty-sync-count %s, expected-downtime %s ms, vfio %s bytes" %
            (ram.get("remaining"), ram.get("dirty-pages-rate"),
             ram.get("mbps"), ram.get("dirty-sync-count"),
             info.get("expected-downtime"), vfio.get("transferred")))


def fmt(r):
    s = "status %s" % r["status"]
    for k in ("total-time-ms", "downtime-ms", "setup-time-ms"):
        if r.get(k) is not None:
            s += ", %s %s" % (k, r[k])
    if r.get("vfio-transferred") is not None:
        s += ", vfio %d bytes" % r["vfio-transferred"]
    if r.get("ram-transferred") is not None:
        s += ", ram %d bytes" % r["ram-transferred"]
    if r.get("error"):
        s += ", error: %s" % r["error"]
    return s


# ---- cases ----

def one_migration(c, what, src_vfs, dst_vfs, multifd=False, dev_opts=None):
    """Start a pair, migrate once, check the guest on the destination."""
    src, dst = c.start_pair(src_vfs, dst_vfs, multifd=multifd,
                            dev_opts=dev_opts)
    info = c.expect_completed(what, src, dst)
    c.guest_alive(dst, "destination")
    verdict = c.finish_guest(dst)
    return fmt_short(info) + "; guest on the destination: " + verdict


def case_default(c):
    """One migration with the workload running (device dirty tracking)."""
    return one_migration(c, "A->B", [c.h.vfs[0]], [c.h.vfs[1]])


def case_multifd(c):
    """Multifd device-state transfer (x-migration-multifd-transfer=on)."""
    opts = "x-migration-multifd-transfer=on"
    if c.h.dev_opts:
        opts = c.h.dev_opts + "," + opts
    return one_migration(c, "A->B multifd", [c.h.vfs[0]], [c.h.vfs[1]],
                         multifd=True, dev_opts=opts)


def case_two_vfs(c):
    """One VM owning two VFs (needs four: two per side)."""
    v = c.h.vfs
    return one_migration(c, "A->B two VFs", [v[0], v[2]], [v[1], v[3]])


def case_pingpong(c):
    """A->B->A three times (six hops): each VF is reused after its QEMU
    quit, and the guest is re-checked after every hop."""
    v = c.h.vfs
    src, dst = c.start_pair([v[0]], [v[1]])
    side = [[v[0]], [v[1]]]
    infos = []
    hops = 6
    for i in range(hops):
        info = c.expect_completed("hop %d" % (i + 1), src, dst)
        infos.append(info)
        c.guest_alive(dst, "after hop %d" % (i + 1))
        if i == hops - 1:
            break
        src.cmd("quit")
        src.wait_exit(30)
        src.kill()
        nxt = side[i % 2]  # the VF the old source had
        src, dst = dst, c.start_dst(nxt, False, None, "hop%d" % (i + 2))
        c.caps(src)
    c.finish_guest(dst)
    return "; ".join(fmt_short(i) for i in infos)


def slow_start(c, src, dst, action):
    """Migrate at 4 MiB/s so that action() runs mid-precopy."""
    def during(info):
        time.sleep(2)
        return action()
    return c.migrate(src, dst, bandwidth=4 << 20, during=during)


def case_cancel(c):
    """migrate_cancel mid-precopy: the source keeps running, VF works."""
    src, dst = c.start_pair([c.h.vfs[0]], [c.h.vfs[1]])

    def cancel():
        st = src.cmd("query-migrate")["status"]
        if st != "active":
            raise Fail("not active before cancel: %s" % st)
        src.cmd("migrate_cancel")
    info = slow_start(c, src, dst, cancel)
    c.record("cancel", info)
    if info.get("status") != "cancelled":
        raise Fail("status %s after migrate_cancel" % info.get("status"))
    st = src.cmd("query-status")["status"]
    if st != "running":
        raise Fail("source runstate %s after cancel" % st)
    c.guest_alive(src, "source after cancel")
    c.finish_guest(src)
    return "cancelled after %s s, source running and verified" % info.get(
        "wall-s")


def case_dst_killed(c):
    """Destination killed mid-migration: the source recovers."""
    src, dst = c.start_pair([c.h.vfs[0]], [c.h.vfs[1]])

    def kill():
        dst.proc.kill()
        dst.proc.wait()
    info = slow_start(c, src, dst, kill)
    c.record("destination killed", info)
    if info.get("status") != "failed":
        raise Fail("status %s after the destination died" %
                   info.get("status"))
    st = src.cmd("query-status")["status"]
    if st != "running":
        raise Fail("source runstate %s after failed migration" % st)
    c.guest_alive(src, "source after failure")
    c.finish_guest(src)
    return "failed as expected (%s), source running and verified" % \
        info.get("error-desc", "")


def case_reinit(c):
    """Guest changes DEVMEM_ACTIVE mid-precopy: REINIT, then completes."""
    src, dst = c.start_pair([c.h.vfs[0]], [c.h.vfs[1]])
    m = src.serial.mark()

    def shrink():
        src.serial.send("A4")
        src.serial.wait(r"mvf-l3: devmem-active 4 ok", 120, since=m)
        src.cmd("migrate-set-parameters", **{"max-bandwidth": 1 << 30})
    info = slow_start(c, src, dst, shrink)
    c.record("reinit", info)
    if info.get("status") != "completed":
        raise Fail("migration %s: %s" % (info.get("status"),
                                         info.get("error-desc", "")))
    with open(src.logpath) as f:
        reinit = [x for x in f if "vfio_query_precopy_size" in x and
                  "reinit 1" in x]
    if not reinit:
        raise Fail("no vfio_query_precopy_size ... reinit 1 in %s" %
                   src.logpath)
    log("trace: " + reinit[0].strip())
    c.guest_alive(dst, "destination")
    m = dst.serial.mark()
    dst.serial.send("V")
    v = dst.serial.wait(r"mvf-l3: verify ok .* active (\d+)", 300, since=m)
    if v.group(1) != "4":
        raise Fail("destination DEVMEM_ACTIVE %s, expected 4" % v.group(1))
    c.finish_guest(dst)
    return fmt_short(info) + ", reinit seen, active 4 on destination"


def case_devmem_mismatch(c):
    """Destination VF with other device memory: fails, source goes on."""
    src = c.qemu("%s-src" % c.name, [c.h.vfs[0]], False)
    src.serial.wait(r"mvf-l3: ready", 120)
    src.serial.wait(r"mvf-l3: ops \d+", 120)
    dst = c.start_dst([c.h.mismatch_vf], False, None, "dst")
    c.caps(src)
    info = c.migrate(src, dst)
    c.record("devmem mismatch", info)
    if info.get("status") != "failed":
        raise Fail("status %s onto a VF with other device memory, "
                   "expected failed" % info.get("status"))
    dst.wait_exit(60)
    with open(dst.logpath) as f:
        why = [x.strip() for x in f if "load of migration failed" in x]
    if not why:
        raise Fail("the destination QEMU logged no load failure (%s)" %
                   dst.logpath)
    drv = [x for x in subprocess.run(["dmesg"], capture_output=True,
                                     text=True).stdout.splitlines()
           if "%s: resuming data_fd" % c.h.mismatch_vf in x and
           "device memory size" in x]
    if not drv:
        raise Fail("mvf_vfio_pci logged no load failure for %s" %
                   c.h.mismatch_vf)
    log("driver: " + drv[-1].strip())
    log("destination: " + why[0])
    st = src.cmd("query-status")["status"]
    if st != "running":
        raise Fail("source runstate %s after the failed migration" % st)
    c.guest_alive(src, "source after failure")
    c.finish_guest(src)
    return "failed as expected (destination: %s), source running and " \
        "verified" % why[0]


def case_broken_tracker(c):
    """With a tracker that loses pages, the migrated guest must notice.

    Run only against mvf-emu --dirty-fault drop: the device logs no COPY,
    FILL or D2H destination, so result pages the device wrote during
    precopy reach the destination stale, and the guest's re-check must
    find one.  Passes only if it does: proof that the default case can
    fail.
    """
    src, dst = c.start_pair([c.h.vfs[0]], [c.h.vfs[1]])
    m = dst.serial.mark()
    info = c.expect_completed("A->B, broken tracker", src, dst)
    dst.serial.send("V")
    v = dst.serial.wait(r"mvf-l3: FAIL stale result page.*", 300, since=m,
                        fail_re=r"mvf-l3: (verify ok|PASS)")
    rc = dst.wait_exit(60)
    if rc == PASS_STATUS:
        raise Fail("the destination guest exited with PASS")
    return fmt_short(info) + "; guest on the destination: " + v.group(0)


def fmt_short(info):
    return "total %s ms, downtime %s ms, vfio %s bytes" % (
        info.get("total-time"), info.get("downtime"),
        (info.get("vfio") or {}).get("transferred"))


CASES = [("default", case_default, 2),
         ("multifd", case_multifd, 2),
         ("two-vfs", case_two_vfs, 4),
         ("pingpong", case_pingpong, 2),
         ("cancel", case_cancel, 2),
         ("dst-killed", case_dst_killed, 2),
         ("reinit", case_reinit, 2),
         ("devmem-mismatch", case_devmem_mismatch, 1)]

# Run only when asked for by name (--cases): it passes only with a broken
# tracker (mvf-emu --dirty-fault drop).
EXTRA_CASES = [("broken-tracker", case_broken_tracker, 2)]


class Harness:
    pass


def kernel_config():
    """(path, text) of the running kernel's config, or (None, None)."""
    rel = os.uname().release
    # Debian's kernels, then one built here (tools/vm/kernel.sh)
    for path in ("/boot/config-" + rel, "/lib/modules/%s/build/.config" % rel):
        try:
            with open(path) as f:
                return path, f.read()
        except OSError:
            pass
    return None, None


def auto_config(path, cfg):
    """device, unless this kernel's vfio core cannot DMA_LOGGING_REPORT."""
    if cfg is None:
        return "device", " (no kernel config to check)"
    if "CONFIG_IOMMUFD_DRIVER=y" in cfg:
        return "device", " (%s has CONFIG_IOMMUFD_DRIVER=y)" % path
    return "type1", (" (%s has no CONFIG_IOMMUFD_DRIVER: the vfio core's "
                     "DMA_LOGGING_REPORT always fails with EOPNOTSUPP, so "
                     "device dirty tracking cannot work here)" % path)


# Device dirty tracking on a KASAN kernel (make check-debug): KASAN checks
# every kernel memory access, and the test VM's migration stream runs at
# about 8 MB/s there (QEMU's migrate_transferred trace), so QEMU's 300 ms
# allows only 1.5-2.9 MB to be left at switchover; the device alone has 2.1-3.7
# MB left at every convergence check (its stop-copy size: the dirty device
# memory of the running workload, and a chunk the data_fd may buffer), so
# QEMU never switches over.  The limit there is a performance target the
# sanitizer cannot meet; the migrations must still complete and the guest
# still verify every page.
KASAN_DOWNTIME_MS = 1500


def on_alarm(signum, frame):
    raise CaseTimeout()


def main():
    global L3_ELF
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--vfs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cases", default="")
    ap.add_argument("--config", default="auto",
                    choices=["auto", "device", "type1"])
    ap.add_argument("--demo", action="store_true",
                    help="the default case only, with a readable report")
    ap.add_argument("--dev-opts", default=None)
    ap.add_argument("--downtime-limit", type=int, default=None)
    ap.add_argument("--timeout", type=int, default=300,
                    help="hard limit per case, seconds")
    ap.add_argument("--mig-timeout", type=int, default=240,
                    help="limit for one migration to end, seconds")
    ap.add_argument("--mismatch-vf", default=None,
                    help="a VF with other device memory than the first "
                    "of --vfs (the devmem-mismatch case)")
    ap.add_argument("--l3", default=os.path.join(
        here, "..", "..", "tools", "l3guest", "mvf-l3.elf"))
    a = ap.parse_args()
    L3_ELF = os.path.abspath(a.l3)
    h = Harness()
    h.vfs = a.vfs.split(",")
    h.out = a.out
    config, why = a.config, ""
    kpath, kcfg = kernel_config()
    if config == "auto":
        config, why = auto_config(kpath, kcfg)
    dev_opts, downtime = "", 300
    if config == "type1":
        dev_opts, downtime = "x-msix-relocation=bar1", 100000
    elif kcfg is not None and "CONFIG_KASAN=y" in kcfg:
        downtime = KASAN_DOWNTIME_MS
        why += ("; %s has CONFIG_KASAN=y: downtime-limit %d ms" %
                (kpath, downtime))
    h.dev_opts = dev_opts if a.dev_opts is None else a.dev_opts
    h.downtime_limit = downtime if a.downtime_limit is None else \
        a.downtime_limit
    if a.demo:
        a.cases = "default"
    h.mig_timeout = a.mig_timeout
    os.makedirs(h.out, exist_ok=True)
    h.rundir = "/tmp/qemu-mig.%d" % os.getpid()
    os.makedirs(h.rundir, exist_ok=True)
    h.results = open(os.path.join(h.out, "qemu-mig-results.txt"), "a")
    want = [x for x in a.cases.split(",") if x]
    h.mismatch_vf = a.mismatch_vf
    runnable = [c for c in CASES if c[0] != "devmem-mismatch" or
                h.mismatch_vf]
    cases = [c for c in runnable if (not want or c[0] in want) and
             c[2] <= len(h.vfs)]
    cases += [c for c in EXTRA_CASES if c[0] in want]
    for c in CASES:
        if (not want or c[0] in want) and c not in cases:
            log("case %s: needs %d VFs%s, not run" %
                (c[0], c[2], " and --mismatch-vf"
                 if c[0] == "devmem-mismatch" else ""))
    signal.signal(signal.SIGALRM, on_alarm)
    # killed from outside (guest-run.sh's timeout): unwind, so that the
    # current case's finally kills its QEMUs
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    log("QEMU: %s" % subprocess.run([QEMU, "--version"],
                                    capture_output=True,
                                    text=True).stdout.splitlines()[0])
    log("dirty tracking: %s%s" % (config, why))
    log("VFs %s, L3 %s, device options '%s', downtime-limit %d ms" %
        (",".join(h.vfs), L3_ELF, h.dev_opts, h.downtime_limit))
    h.results.write(json.dumps({"config": config, "dev-opts": h.dev_opts,
                                "downtime-limit": h.downtime_limit}) + "\n")
    print("1..%d" % len(cases), flush=True)
    failed = 0
    for n, (name, fn, _) in enumerate(cases, 1):
        c = Case(h, name)
        t0 = time.time()
        signal.alarm(a.timeout)
        try:
            detail = fn(c)
            signal.alarm(0)
            print("ok %d - %s (%.0f s): %s" % (n, name, time.time() - t0,
                                               detail), flush=True)
        except CaseTimeout:
            failed += 1
            print("not ok %d - %s: hard timeout %d s" % (n, name, a.timeout),
                  flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is a result
            signal.alarm(0)
            failed += 1
            print("not ok %d - %s (%.0f s): %s: %s" %
                  (n, name, time.time() - t0, type(e).__name__, e),
                  flush=True)
        finally:
            signal.alarm(0)
            c.cleanup()
    h.results.close()
    if a.demo:
        print("# demo: QEMU %s: the VM (64 MiB, %s as -kernel) owning VF %s "
              "was live-migrated to a QEMU owning VF %s while its workload "
              "kept the VF busy; query-migrate figures above, guest "
              "verdict %s" % (QEMU, os.path.basename(L3_ELF), h.vfs[0],
                              h.vfs[1], "PASS" if not failed else "FAIL"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
