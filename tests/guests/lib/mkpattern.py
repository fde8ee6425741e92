#!/usr/bin/env python3
"""Writes the module the multiboot guests check: SIZE bytes of the LCG
pattern in guest.h (x = x * 1103515245 + 12345 mod 2^32, byte = x >> 24),
starting from SEED. Usage: mkpattern.py OUT SIZE SEED"""
import sys


def pattern(size, seed):
    out = bytearray(size)
    x = seed
    for i in range(size):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out[i] = x >> 24
    return bytes(out)


if __name__ == "__main__":
    path, size, seed = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0)
    with open(path, "wb") as f:
        f.write(pattern(size, seed))
