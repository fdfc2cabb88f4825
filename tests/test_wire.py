"""engine.wire: the one-call figure of a regular file equals the general packets' sum."""

from __future__ import annotations

import os
import random

from ctxaudit.engine import wire


def _stat(mode: int, uid: int, gid: int, size: int, mtime_ns: int) -> os.stat_result:
    # st_mode, st_ino, st_dev, st_nlink, st_uid, st_gid, st_size, then times (int seconds, floats, ns)
    sec = mtime_ns // 10**9
    return os.stat_result((mode, 1, 1, 1, uid, gid, size, sec, sec, sec, sec, sec, sec, mtime_ns, mtime_ns, mtime_ns))


def test_file_bytes_is_stat_plus_data_packets() -> None:
    rng = random.Random(15)
    sizes = [0, 1, 127, 128, 16383, 16384, wire.CHUNK - 1, wire.CHUNK, wire.CHUNK + 1, 5 * wire.CHUNK, 2**40 + 3]
    modes = [0o100644, 0o100777, 0o100000, 0o104755, 0o102755, 0o101644, 0o140755, 0o120777, 0o010644]
    ids = [0, 1, 127, 128, 300, 2**21]
    names = ["a", "src/f1.py", "é/ü.txt", "x" * 127, "y" * 128, "bad\udcff"]
    times = [0, 1, -1, -(10**18), 10**9, 1_700_000_000 * 10**9 + 123]
    for _ in range(3000):
        size = rng.choice(sizes)
        uid, gid = rng.choice([0, 1, 1000, 2**31]), rng.choice([0, 5, 70000])
        s = _stat(rng.choice(modes), uid, gid, size, rng.choice(times))
        path, file_id = rng.choice(names), rng.choice(ids)
        data = rng.choice([size, 0])  # an unreadable file is sent with no data
        expected = wire.stat_packet(path, s)
        if wire.can_request_data(s, False):
            expected += wire.data_packets(data, file_id)
        assert wire.file_bytes(path, s, data, file_id) == expected, (path, oct(s.st_mode), size, data, file_id)
