#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
mvf-emu end-to-end smoke test, run inside the test VM (no mvf kernel
modules needed): binds the PF and VF0 to plain vfio-pci, maps a user buffer
through a type1 container (so the emulator sees per-page DMA_MAPs behind
the vIOMMU), and drives the VF descriptor ring and the PF admin queue by
hand, checking data, completions, MSI-X eventfds and the STOP_COPY image
size.  Prints one line per check and "N passed, N failed".

usage: guest_smoke.py OUTDIR
"""
import ctypes
import mmap
import os
import struct
import sys
import time

PF, VF0 = "0000:00:04.0", "0000:00:05.0"

def IO(n):
    return (ord(';') << 8) | n

GET_API, CHECK_EXT, SET_IOMMU = IO(100), IO(101), IO(102)
GROUP_SET_CONTAINER, GROUP_GET_DEVICE_FD = IO(104), IO(106)
DEVICE_GET_REGION_INFO, DEVICE_SET_IRQS, DEVICE_RESET = IO(108), IO(110), IO(111)
IOMMU_MAP_DMA = IO(113)
TYPE1v2 = 3

libc = ctypes.CDLL(None, use_errno=True)
libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]

def ioctl(fd, req, buf=None):
    if buf is None:
        r = libc.ioctl(fd, req, None)
    else:
        r = libc.ioctl(fd, req, ctypes.addressof(buf))
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, "ioctl 0x%x: %s" % (req, os.strerror(e)))
    return r

results = []

def check(name, ok, detail=""):
    results.append(bool(ok))
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, (" # " + detail) if detail else ""),
          flush=True)
    return ok

def bind_vfio(bdf):
    d = "/sys/bus/pci/devices/" + bdf
    if os.path.exists(d + "/driver"):
        with open(d + "/driver/unbind", "w") as f:
            f.write(bdf)
    with open(d + "/driver_override", "w") as f:
        f.write("vfio-pci")
    with open("/sys/bus/pci/drivers_probe", "w") as f:
        f.write(bdf)
    return int(os.path.basename(os.readlink(d + "/iommu_group")))

class Dev:
    def __init__(self, container, bdf):
        grp = bind_vfio(bdf)
        self.group = os.open("/dev/vfio/%d" % grp, os.O_RDWR)
        ioctl(self.group, GROUP_SET_CONTAINER, ctypes.c_int(container))
        self.bdf = bdf

    def open(self):
        name = ctypes.create_string_buffer(self.bdf.encode())
        self.fd = ioctl(self.group, GROUP_GET_DEVICE_FD, name)
        self.bar0 = self.region(0)
        self.cfg = self.region(7)

    def region(self, index):
        b = (ctypes.c_uint8 * 32)()
        struct.pack_into("<IIIIQQ", b, 0, 32, 0, index, 0, 0, 0)
        ioctl(self.fd, DEVICE_GET_REGION_INFO, b)
        return struct.unpack_from("<IIIIQQ", b)[5]

    def rd(self, off):
        return struct.unpack("<I", os.pread(self.fd, 4, self.bar0 + off))[0]

    def wr(self, off, v):
        os.pwrite(self.fd, struct.pack("<I", v & 0xffffffff), self.bar0 + off)

    def wr64(self, off, v):
        self.wr(off, v)
        self.wr(off + 4, v >> 32)

    def cfg16(self, off):
        return struct.unpack("<H", os.pread(self.fd, 2, self.cfg + off))[0]

    def set_cfg16(self, off, v):
        os.pwrite(self.fd, struct.pack("<H", v), self.cfg + off)

    def msix(self, nvec):
        efds = [os.eventfd(0, os.EFD_NONBLOCK) for _ in range(nvec)]
        b = (ctypes.c_uint8 * (20 + 4 * nvec))()
        struct.pack_into("<IIIII" + "i" * nvec, b, 0, 20 + 4 * nvec,
                         (1 << 2) | (1 << 5), 2, 0, nvec, *efds)
        ioctl(self.fd, DEVICE_SET_IRQS, b)
        return efds

def evcount(fd):
    try:
        return struct.unpack("<Q", os.read(fd, 8))[0]
    except BlockingIOError:
        return 0

def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
    os.system("modprobe vfio-pci")
    container = os.open("/dev/vfio/vfio", os.O_RDWR)
    check("vfio api version 0", ioctl(container, GET_API) == 0)
    pf, vf = Dev(container, PF), Dev(container, VF0)
    if libc.ioctl(container, SET_IOMMU, TYPE1v2) < 0:
        raise OSError(ctypes.get_errno(), "VFIO_SET_IOMMU")
    pf.open()
    vf.open()

    # Config space as the guest sees it.
    check("vf vendor/device", vf.cfg16(0) == 0x1dea and vf.cfg16(2) == 0x0002)
    check("pf device id", pf.cfg16(2) == 0x0001)
    for d in (pf, vf):
        d.set_cfg16(4, d.cfg16(4) | 0x6)      # memory + bus master
    check("vf ID register", vf.rd(0) == 0x3146564d, hex(vf.rd(0)))
    check("pf ID register", pf.rd(0) == 0x3046564d, hex(pf.rd(0)))

    # 4 MiB user buffer mapped at IOVA 0x100000 for both functions.
    size, iova = 4 << 20, 0x100000
    buf = mmap.mmap(-1, size, mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
    m = (ctypes.c_uint8 * 32)()
    struct.pack_into("<IIQQQ", m, 0, 32, 3, addr, iova, size)
    ioctl(container, IOMMU_MAP_DMA, m)

    # VF ring: SQ at +0, CQ at +64K, data at +1M.
    vefd = vf.msix(2)
    SQ, CQ, SRC, DST = 0, 0x10000, 0x100000, 0x200000
    src = bytes((i * 7 + 3) & 0xff for i in range(65536))
    buf[SRC:SRC + len(src)] = src
    vf.wr(0x10, 0)
    vf.wr64(0x20, iova + SQ)
    vf.wr64(0x28, iova + CQ)
    vf.wr(0x30, 16)
    vf.wr(0x10, 3)                               # ENABLE | IRQ

    def desc(i, op, ln, s, d, pat, cookie, flags=0):
        struct.pack_into("<BBHIQQQQ24x", buf, SQ + 64 * i, op, flags, 0, ln, s, d, pat, cookie)

    desc(0, 1, 65536, iova + SRC, iova + DST, 0, 0x100)           # COPY
    desc(1, 3, 65536, iova + SRC, 8192, 0, 0x101)                 # H2D
    desc(2, 6, 65536, 8192, 0, 0, 0x102, flags=2)                 # CRC32C devmem
    desc(3, 4, 4096, 1 << 40, iova + DST, 0, 0x103)               # D2H bad devmem
    desc(4, 2, 100, 0, 0xdead00000000, 0, 0x104)                  # FILL bad IOVA
    desc(5, 2, 16, 0, iova + DST + 65536, 0x0807060504030201, 0x105)
    vf.wr(0x34, 6)
    deadline = time.time() + 10
    while buf[CQ + 5 * 16 + 13] & 1 != 1 and time.time() < deadline:
        time.sleep(0.01)
    cpls = [struct.unpack_from("<QIBB2x", buf, CQ + 16 * i) for i in range(6)]
    check("vf completions cookies", [c[0] for c in cpls] == list(range(0x100, 0x106)),
          str(cpls))
    check("vf completion statuses", [c[2] for c in cpls] == [0, 0, 0, 4, 3, 0],
          str([c[2] for c in cpls]))
    check("vf completion phase", all(c[3] == 1 for c in cpls))
    check("vf COPY data", bytes(buf[DST:DST + 65536]) == src)
    check("vf FILL data", bytes(buf[DST + 65536:DST + 65536 + 16]) == bytes(range(1, 9)) * 2)
    def crc32c(data, crc=0):
        crc ^= 0xffffffff
        for b in data:
            crc ^= b
            for _ in range(8):
                crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
        return crc ^ 0xffffffff
    check("vf CRC32C of devmem", cpls[2][1] == crc32c(src), "%x" % cpls[2][1])
    check("vf counters", vf.rd(0x40) == 6 and vf.rd(0x50) == 2 and vf.rd(0x54) == 3,
          "%d %d %d" % (vf.rd(0x40), vf.rd(0x50), vf.rd(0x54)))
    time.sleep(0.2)
    check("vf MSI-X completion interrupt", evcount(vefd[0]) >= 1)

    # PF admin queue: AQ SQ at +2M, CQ at +2M+64K, buffers at +3M.
    pefd = pf.msix(2)
    ASQ, ACQ, ABUF = 0x200000 + 0x80000, 0x200000 + 0x90000, 0x300000
    pf.wr64(0x20, iova + ASQ)
    pf.wr64(0x28, iova + ACQ)
    pf.wr(0x30, 8)
    pf.wr(0x10, 1)
    check("pf admin queue ready", pf.rd(0x0c) & 1 == 1)
    state = {"tail": 0}

    def aq(op, vfid=0, arg0=0, blen=0, baddr=0):
        t = state["tail"]
        slot = t & 7
        struct.pack_into("<BBHIIIQ40x", buf, ASQ + 64 * slot, op, 0, vfid, t + 1, arg0, blen, baddr)
        state["tail"] = t + 1
        pf.wr(0x34, t + 1)
        # BAR writes are posted: the completion shows up a little later.
        deadline = time.time() + 5
        while True:
            r0, r1, cid, st, ph = struct.unpack_from("<IIHBB", buf, ACQ + 16 * slot)
            if cid == ((t + 1) & 0xffff) and ph == ((t // 8) & 1) ^ 1:
                return st, r0, r1
            if time.time() > deadline:
                raise RuntimeError("admin completion %d not posted" % t)
            time.sleep(0.001)

    st, _, _ = aq(1, blen=64, baddr=iova + ABUF)
    magic, ver, nvfs, imgv, serial, dms, maxc = struct.unpack_from("<IIIIQQI", buf, ABUF)
    check("pf IDENTIFY", st == 0 and magic == 0x4446564d and nvfs == 2 and maxc == 1 << 20,
          "st %d magic %x nvfs %d devmem %d" % (st, magic, nvfs, dms))
    time.sleep(0.1)
    check("pf MSI-X admin interrupt", evcount(pefd[0]) >= 1)
    # Quiesce VF0: the doorbell is latched, no DMA, work runs on resume.
    check("suspend P2P", aq(2, 0, 1)[0] == 0)
    desc(6, 2, 32, 0, iova + DST + 0x20000, 0x5555555555555555, 0x106)
    vf.wr(0x34, 7)
    check("doorbell latched while quiesced",
          vf.rd(0x3c) == 1 and vf.rd(0x38) == 6 and buf[DST + 0x20000] == 0)
    check("resume P2P runs latched work", aq(3, 0, 1)[0] == 0 and vf.rd(0x38) == 7
          and buf[DST + 0x20000] == 0x55)
    # STOP_COPY image: exact size.
    aq(2, 0, 1)
    check("suspend FULL", aq(2, 0, 2)[0] == 0 and vf.rd(0x0c) & 0xc == 0xc)
    st, _, _ = aq(4, 0, 0, 32, iova + ABUF)
    sc = struct.unpack_from("<Q", buf, ABUF)[0]
    check("query size", st == 0 and sc > dms, str(sc))
    check("save start", aq(5, 0, 1)[0] == 0)
    total, end, n = 0, False, 0
    while not end and n < 10000:
        st, r0, r1 = aq(6, 0, 0, 1 << 20, iova + 0x300000)
        if st:
            break
        total += r0
        end = bool(r1 & 1)
        n += 1
    check("save stream length == stop_copy_bytes", end and total == sc, "%d vs %d" % (total, sc))
    check("save end", aq(7)[0] == 0)
    check("resume", aq(3, 0, 2)[0] == 0 and aq(3, 0, 1)[0] == 0 and vf.rd(0x0c) & 0xc == 0)
    check("bad vf id", aq(2, 9, 1)[0] == 3)
    # FLR through vfio-pci (VFIO_DEVICE_RESET): registers reset, devmem kept.
    vf.wr(0x60, 0x1234)
    ioctl(vf.fd, DEVICE_RESET)
    check("VFIO_DEVICE_RESET resets registers", vf.rd(0x60) == 0 and vf.rd(0x10) == 0)
    vf.set_cfg16(4, vf.cfg16(4) | 0x6)
    vf.wr64(0x20, iova + SQ)
    vf.wr64(0x28, iova + CQ)
    vf.wr(0x30, 16)
    vf.wr(0x10, 1)
    buf[CQ:CQ + 16] = bytes(16)
    desc(0, 6, 65536, 8192, 0, 0, 0x200, flags=2)
    vf.wr(0x34, 1)
    vf.rd(0x38)                                  # flushes the posted doorbell
    c = struct.unpack_from("<QIBB2x", buf, CQ)
    check("devmem preserved across FLR", c[0] == 0x200 and c[1] == crc32c(src), str(c))
    # DEVMEM_ACTIVE (0x058): default all of device memory (MiB), honoured
    # while RUNNING with an idle ring, range-checked, reset by FLR.
    full = vf.rd(0x18) >> 20
    check("DEVMEM_ACTIVE default", vf.rd(0x58) == full, str(vf.rd(0x58)))
    vf.wr(0x58, 1)
    check("DEVMEM_ACTIVE write", vf.rd(0x58) == 1, str(vf.rd(0x58)))
    vf.wr(0x58, full + 1)
    check("DEVMEM_ACTIVE out of range ignored", vf.rd(0x58) == 1, str(vf.rd(0x58)))
    ioctl(vf.fd, DEVICE_RESET)
    check("DEVMEM_ACTIVE reset by FLR", vf.rd(0x58) == full, str(vf.rd(0x58)))

    passed, failed = sum(results), len(results) - sum(results)
    line = "%d passed, %d failed" % (passed, failed)
    print(line, flush=True)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "summary"), "w") as f:
        f.write(line + "\n")
    return 0 if failed == 0 else 1

if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a crash is a failure with a reason
        print("FAIL exception: %r" % (e,), flush=True)
        out = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "summary"), "w") as f:
            f.write("%d passed, %d failed\n" % (sum(results), len(results) - sum(results) + 1))
        sys.exit(1)
