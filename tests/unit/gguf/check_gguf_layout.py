#!/usr/bin/env python3
"""check_gguf_layout.py - checks GGUF files against the GGUF specification (ggml docs/gguf.md),
independently of GenRT's C reader: magic, version, counts, metadata value types (every value
parsed), general.alignment, alignment of the data section and of every tensor offset, tensor
sizes = ggml block sizes, tensors inside the file without overlap, and the file size.
Standard library only. Usage: check_gguf_layout.py FILE.gguf...  Exit 0 = all good."""
import struct
import sys

# ggml type -> (elements per block, bytes per block)
GGML_TYPES = {0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
              9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210),
              15: (256, 292), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8), 30: (1, 2)}
SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<B", 10: "<Q", 11: "<q", 12: "<d"}
STRING, ARRAY = 8, 9


class Reader:
    def __init__(self, data):
        self.d, self.o = data, 0

    def take(self, n):
        if n < 0 or self.o + n > len(self.d):
            raise ValueError("truncated at byte %d (need %d more)" % (self.o, n))
        b = self.d[self.o:self.o + n]
        self.o += n
        return b

    def fmt(self, f):
        return struct.unpack(f, self.take(struct.calcsize(f)))[0]

    def string(self):
        n = self.fmt("<Q")
        return self.take(n)

    def value(self, t, depth=0):
        if t in SCALAR:
            v = self.fmt(SCALAR[t])
            if t == 7 and v not in (0, 1):
                raise ValueError("bool value %d" % v)
            return v
        if t == STRING:
            return self.string()
        if t == ARRAY and depth < 3:
            et, n = self.fmt("<I"), self.fmt("<Q")
            return [self.value(et, depth + 1) for _ in range(n)]
        raise ValueError("bad value type %d" % t)


def check(path):
    data = open(path, "rb").read()
    r = Reader(data)
    if r.take(4) != b"GGUF":
        raise ValueError("bad magic")
    version = r.fmt("<I")
    if version not in (2, 3):
        raise ValueError("version %d" % version)
    n_tensors, n_kv = r.fmt("<Q"), r.fmt("<Q")
    kv = {}
    for _ in range(n_kv):
        key = r.string().decode("utf-8")
        if key in kv:
            raise ValueError("duplicate key " + key)
        t = r.fmt("<I")
        kv[key] = (t, r.value(t))
    alignment = 32
    if "general.alignment" in kv:
        t, alignment = kv["general.alignment"]
        if t != 4 or alignment == 0 or alignment & (alignment - 1):
            raise ValueError("bad general.alignment")
    if "general.architecture" not in kv or kv["general.architecture"][0] != STRING:
        raise ValueError("general.architecture missing or not a string")
    tensors = []
    names = set()
    for _ in range(n_tensors):
        name = r.string().decode("utf-8")
        if name in names:
            raise ValueError("duplicate tensor " + name)
        names.add(name)
        nd = r.fmt("<I")
        if not 1 <= nd <= 4:
            raise ValueError("%s: rank %d" % (name, nd))
        ne = [r.fmt("<Q") for _ in range(nd)]
        t, off = r.fmt("<I"), r.fmt("<Q")
        if t not in GGML_TYPES:
            raise ValueError("%s: type %d" % (name, t))
        be, bb = GGML_TYPES[t]
        if ne[0] % be:
            raise ValueError("%s: ne0 %d not a multiple of the block size %d" % (name, ne[0], be))
        numel = 1
        for x in ne:
            numel *= x
        tensors.append((name, off, numel // be * bb))
    data_start = (r.o + alignment - 1) // alignment * alignment
    if data_start % alignment:
        raise ValueError("data section not aligned")
    end = data_start
    for name, off, size in sorted(tensors, key=lambda x: x[1]):
        if off % alignment:
            raise ValueError("%s: offset %d not a multiple of %d" % (name, off, alignment))
        if data_start + off < end:
            raise ValueError("%s overlaps the previous tensor" % name)
        end = data_start + off + size
        if end > len(data):
            raise ValueError("%s: data runs past the end of the file" % name)
    if n_tensors and len(data) > (end + alignment - 1) // alignment * alignment:
        raise ValueError("%d trailing bytes after the last tensor" % (len(data) - end))
    if "tokenizer.ggml.tokens" in kv:
        t, toks = kv["tokenizer.ggml.tokens"]
        if t != ARRAY or not all(isinstance(x, bytes) for x in toks):
            raise ValueError("tokenizer.ggml.tokens is not a string array")
    return "%s: GGUF v%d, %d keys, %d tensors, alignment %d, %d bytes: OK" % (
        path, version, n_kv, n_tensors, alignment, len(data))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    bad = 0
    for p in sys.argv[1:]:
        try:
            print(check(p))
        except (ValueError, OSError, UnicodeDecodeError, struct.error) as e:
            print("%s: FAILED: %s" % (p, e))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
