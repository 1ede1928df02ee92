"""A minimal jamnet client in Python 3, written from the "Wire format" section of jamnet's README alone
(2026-12-05), with no look at mod.ts: e2e/wire_python_test.ts runs it against a jamnet Host over UDP on 127.0.0.1.

It implements: the handshake (HELLO, CHALLENGE with the cookie, HELLO with the cookie, sent again every 250 ms until
the first data packet); data packets: the header's flags, packet sequence, one- or two-byte ack delta, and ack bits for
the packets received, the bytes that are 0xff left out; the tag (HalfSipHash-2-4, hsip.py) keyed (nonce, cookie + lap)
one way and (cookie, nonce + lap) the other, the lap told by the sequence; empty packets (acks, keepalives) that take
no sequence; reliable messages on channel 0, packed with msgpack and framed with the short lengths, length code 15 and
NEXT, resent after a timeout from the measured RTT or at once when a packet two or more later is acked, and taken in
order, once each; reading every kind of frame (a channel byte, the four modes: other channels and modes are logged,
control frames ignored, the fragments of a reliable message on channel 0 put back together); and the goodbye: CLOSING
packets, one an update, until one is acked (10 at most).

usage: client.py PORT [--count N] [--drop N] [--drop-in N] [--big BYTES] [--wrap] [--trace]
                      [--idle SECONDS] [--double-hello] [--lose-first-data]
  --count N      send N reliable messages (default 20), and wait for each one's echo
  --drop N       drop every Nth outgoing datagram;  --drop-in N: ignore every Nth incoming one
  --big BYTES    first ask the server ({"big": BYTES}) for a reliable message larger than a packet
  --wrap         first take 65,600 packet sequences with frame-less packets, so the sequence (and the tag's lap) wraps
  --trace        log every datagram in hex;  --idle, --double-hello, --lose-first-data: odd sessions to try by hand

It logs as it goes, and prints last one line "RESULT {json}" (see Client.result), the line the test reads. It exits
0 when every echo came back once and in order (and the large message, with --big); whether its goodbye was acked is in
RESULT (see the end of run).
"""
import json, os, socket, struct, sys, time
import msgpack
from hsip import halfsiphash

SERVER = ("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 47100)
DROP = int(sys.argv[sys.argv.index("--drop") + 1]) if "--drop" in sys.argv else 0
COUNT = int(sys.argv[sys.argv.index("--count") + 1]) if "--count" in sys.argv else 20
MTU = 1200
PROTOCOL = 0
HELLO, CHALLENGE, REFUSED = 1, 2, 3
F_DATA, F_ACK16, F_CLOSING, F_EMPTY = 0x80, 0x10, 0x20, 0x40
T0 = time.monotonic()
TRACE = "--trace" in sys.argv
IDLE = float(sys.argv[sys.argv.index("--idle") + 1]) if "--idle" in sys.argv else 0
DOUBLE_HELLO = "--double-hello" in sys.argv
WRAP = "--wrap" in sys.argv
BIG = int(sys.argv[sys.argv.index("--big") + 1]) if "--big" in sys.argv else 0  # ask the server for a message of this many bytes
DROP_IN = int(sys.argv[sys.argv.index("--drop-in") + 1]) if "--drop-in" in sys.argv else 0  # ignore every Nth incoming datagram
LOSE_FIRST_IN = "--lose-first-data" in sys.argv  # ignore the server's first data packet, as if lost


def log(*a):
    print(f"[{(time.monotonic() - T0) * 1000:7.1f} ms]", *a, flush=True)


# ---- varints: 7 bits a byte, low bits first, at most 4 bytes, shortest form ----
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_varint(buf, i):
    n = shift = 0
    for k in range(4):
        b = buf[i + k]
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i + k + 1
    raise ValueError("varint longer than 4 bytes")


def seq_diff(a, b):
    """a - b as a signed 16-bit distance."""
    d = (a - b) & 0xFFFF
    return d - 0x10000 if d >= 0x8000 else d


class Client:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.004)
        self.nonce = struct.unpack(">I", os.urandom(4))[0] or 1
        self.cookie = 0
        self.connected = False
        self.closed = False
        self.datagrams_out = 0
        self.dropped = 0
        # sending side
        self.send_seq = 0          # next packet sequence to take
        self.send_lap = 0          # times our packet sequence wrapped
        self.in_flight = {}        # packet seq -> (time sent, [message seqs], closing)
        self.out_msgs = {}         # message seq -> [payload, last sent time, times sent]
        self.next_msg_seq = 0
        self.srtt = None
        self.rttvar = 0.0
        self.last_send = 0.0
        self.highest_acked = None  # newest of our packet seqs the server acked
        # receiving side
        self.latest = 0xFFFF       # latest server packet seq taken ("nothing yet": ack delta 1 for seq 0)
        self.recv_lap = -1        # so that seq 0 after the phantom 65535 is lap 0
        self.bits = 0xFFFFFFFF     # bit j: packet latest-1-j arrived (assumed for packets before the first)
        self.ack_due = False
        self.next_recv_msg = 0
        self.partial = bytearray()  # fragments of a message so far
        self.held = {}             # message seq -> value (arrived early)
        self.delivered = []
        self.resends = 0
        self.dropped_seqs = set()  # our sequence-taking packets dropped on purpose
        self.ackbit_bytes_seen = 0
        self.misacks = 0

    # ---- datagrams ----
    def raw_send(self, data):
        self.datagrams_out += 1
        if TRACE:
            log("out", data.hex(" "))
        if DROP and self.datagrams_out % DROP == 0:
            self.dropped += 1
            if data[0] & 0x80 and not data[0] & F_EMPTY:
                self.dropped_seqs.add(struct.unpack_from(">H", data, 1)[0])
            return
        self.sock.sendto(data, SERVER)

    def send_hello(self):
        self.raw_send(struct.pack(">BIII", HELLO, PROTOCOL, self.nonce, self.cookie))

    # ---- the tag ----
    def tag(self, body):
        # connecting side: key (nonce, cookie + lap of our sequence)
        return struct.pack(">I", halfsiphash(self.nonce, (self.cookie + self.send_lap) & 0xFFFFFFFF, body))

    def check_tag(self, data, lap):
        want = halfsiphash(self.cookie, (self.nonce + lap) & 0xFFFFFFFF, data[:-4])
        return struct.unpack(">I", data[-4:])[0] == want

    # ---- header ----
    def header(self, flags, seq):
        delta = (seq - self.latest) & 0xFFFF
        ackbytes = bytearray()
        for i in range(4):
            byte = (self.bits >> (8 * i)) & 0xFF
            if byte != 0xFF:
                flags |= 1 << i
                ackbytes.append(byte)
        if delta > 0xFF:
            flags |= F_ACK16
            d = struct.pack(">H", delta)
        else:
            d = bytes([delta])
        return bytes([flags]) + struct.pack(">H", seq) + d + bytes(ackbytes)

    def send_packet(self, frames=None, msgs=(), closing=False):
        empty = frames is None and not closing
        frames = frames or b""
        flags = F_DATA | (F_EMPTY if empty else 0) | (F_CLOSING if closing else 0)
        body = self.header(flags, self.send_seq) + frames
        self.raw_send(body + self.tag(body))
        now = time.monotonic()
        self.last_send = now
        self.ack_due = False
        if not empty:
            self.in_flight[self.send_seq] = (now, list(msgs), closing)
            self.send_seq = (self.send_seq + 1) & 0xFFFF
            if self.send_seq == 0:
                self.send_lap += 1

    # ---- frames ----
    def frames_for(self, seqs):
        """Reliable frames on channel 0 for these message seqs (sorted), NEXT where one follows the one before."""
        out = bytearray()
        prev = None
        for s in seqs:
            data = self.out_msgs[s][0]
            n = len(data)
            if prev is not None and s == (prev + 1) & 0xFFFF:
                out += bytes([0xE0]) + varint(n)  # NEXT: mode 0, length code 14, then the length
            else:
                code = n if n < 14 else 15
                out += bytes([code << 4]) + struct.pack(">H", s)
                if code == 15:
                    out += varint(n - 14)
            out += data
            prev = s
        return bytes(out)

    def rto(self):
        if self.srtt is None:
            return 0.2
        return max(self.srtt + 4 * self.rttvar, 0.03)

    def flush(self, now):
        """Send what is due: new messages, resends, then acks and keepalives."""
        due = sorted(s for s, m in self.out_msgs.items() if m[2] == 0 or now - m[1] >= self.rto() * (1.5 ** (m[2] - 1)))
        while due:
            batch, size = [], 9 + 4
            for s in due:
                add = len(self.out_msgs[s][0]) + 5
                if batch and size + add > MTU:
                    break
                batch.append(s)
                size += add
            due = due[len(batch):]
            for s in batch:
                m = self.out_msgs[s]
                if m[2]:
                    self.resends += 1
                m[1] = now
                m[2] += 1
            self.send_packet(self.frames_for(batch), batch)
        if self.ack_due or now - self.last_send >= 1.0:
            self.send_packet()

    def send(self, value):
        self.out_msgs[self.next_msg_seq] = [msgpack.packb(value, use_bin_type=True), 0.0, 0]
        self.next_msg_seq = (self.next_msg_seq + 1) & 0xFFFF

    # ---- receiving ----
    def on_acks(self, their_seq, delta, ackbits):
        acked_latest = (their_seq - delta) & 0xFFFF
        acked = [acked_latest] + [(acked_latest - 1 - j) & 0xFFFF for j in range(32) if ackbits >> j & 1]
        now = time.monotonic()
        if ackbits != 0xFFFFFFFF:
            self.ackbit_bytes_seen += 1
        for p in acked:
            if p in self.dropped_seqs:
                self.misacks += 1
                log(f"ack bits misread: our dropped packet {p} reads as acked (bits {ackbits:08x})")
            info = self.in_flight.pop(p, None)
            if info is None:
                continue
            sent, msgs, closing = info
            if p == acked_latest:
                sample = now - sent
                if self.srtt is None:
                    self.srtt, self.rttvar = sample, sample / 2
                else:
                    self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - sample)
                    self.srtt = 0.875 * self.srtt + 0.125 * sample
            for s in msgs:
                self.out_msgs.pop(s, None)
            if closing:
                self.closing_acked = True
        if self.highest_acked is None or seq_diff(acked_latest, self.highest_acked) > 0:
            self.highest_acked = acked_latest
        # a packet two later packets overtook is lost: resend its messages at once
        for p, (sent, msgs, closing) in list(self.in_flight.items()):
            if seq_diff(self.highest_acked, p) >= 2:
                del self.in_flight[p]
                for s in msgs:
                    if s in self.out_msgs:
                        self.out_msgs[s][1] = 0.0  # due now
                        self.out_msgs[s][2] = max(self.out_msgs[s][2], 1)

    def take_seq(self, seq):
        """Record a sequence-taking packet; False if it is a duplicate."""
        d = seq_diff(seq, self.latest)
        if d > 0:
            self.bits = ((self.bits << d) | (1 << (d - 1))) & 0xFFFFFFFF if d <= 32 else 0
            if seq < self.latest:
                self.recv_lap += 1
            self.latest = seq
            return True
        if d == 0:
            return False
        j = -d - 1
        if j >= 32 or self.bits >> j & 1:
            return False
        self.bits |= 1 << j
        return True

    def on_datagram(self, data):
        kind = data[0]
        if kind < 0x80:
            if len(data) != 13:
                return
            k, w1, w2, w3 = struct.unpack(">BIII", data)
            if k == CHALLENGE and w1 == self.nonce and not self.connected:
                self.cookie = w2
                log(f"CHALLENGE cookie={w2:08x}; HELLO with the cookie")
                self.send_hello()
                if DOUBLE_HELLO:
                    self.send_hello()
            elif k == REFUSED and w1 == self.nonce:
                log("REFUSED, why", w2)
                self.closed = True
            return
        if self.cookie == 0 or len(data) < 8:
            return
        if LOSE_FIRST_IN:
            self.lost_first = getattr(self, "lost_first", 0) + 1
            if self.lost_first == 1:
                log("pretending the server's first data packet was lost")
                return
        flags = data[0]
        seq = struct.unpack_from(">H", data, 1)[0]
        # the lap of the sender's key, told by the sequence
        d = seq - self.latest
        lap = self.recv_lap + (1 if d < -32768 else -1 if d > 32768 else 0)
        if not self.check_tag(data, lap):
            log("bad tag, dropped")
            return
        i = 3
        if flags & F_ACK16:
            delta = struct.unpack_from(">H", data, i)[0]; i += 2
        else:
            delta = data[i]; i += 1
        ackbits = 0
        for b in range(4):
            byte = 0xFF
            if flags & (1 << b):
                byte = data[i]; i += 1
            ackbits |= byte << (8 * b)
        if not self.connected:
            self.connected = True
            log("connected (first data packet)")
        self.on_acks(seq, delta, ackbits)
        empty = bool(flags & F_EMPTY)
        if not empty:
            if not self.take_seq(seq):
                self.ack_due = True
                return  # a duplicate: already taken
            self.ack_due = True
        self.read_frames(data, i, len(data) - 4)
        if flags & F_CLOSING:
            log("the server said goodbye (CLOSING)")
            self.closed = True

    def read_frames(self, data, i, end):
        prev = None  # (channel, mode, seq) of the frame before
        while i < end:
            head = data[i]; i += 1
            mode, code, frag = head & 3, head >> 4, bool(head & 8)
            control = mode == 3 and frag
            if code == 14:  # NEXT
                channel, _, pseq = prev
                mseq = None if pseq is None else (pseq + 1) & 0xFFFF
            else:
                channel = 0
                if head & 4:
                    channel = data[i]; i += 1
                mseq = None
                if mode != 3:
                    mseq = struct.unpack_from(">H", data, i)[0]; i += 2
            extra = None
            if frag:
                extra, i = read_varint(data, i)
            if code == 15:
                n, i = read_varint(data, i); n += 14
            elif code == 14:
                n, i = read_varint(data, i)
            else:
                n = code
            payload = data[i:i + n]; i += n
            prev = (channel, mode, mseq)
            if control:
                kinds = {0: "clock request", 1: "clock answer", 2: "TIMED"}
                log(f"control frame: {kinds.get(extra, extra)} ({n} bytes), ignored")
                continue
            if frag and mode != 0:
                log(f"fragment {extra} in mode {mode} - not handled by this client")
                continue
            if mode == 0 and channel == 0:
                # a fragment takes a message sequence of its own; its varint is index * 2, plus 1 for the last
                self.on_reliable(mseq, payload, None if not frag else bool(extra & 1))
            else:
                log(f"message mode {mode} channel {channel}:", msgpack.unpackb(payload, raw=False, strict_map_key=False))

    def on_reliable(self, mseq, payload, last=None):
        """last: None for a whole message, else whether this fragment is its message's last."""
        d = seq_diff(mseq, self.next_recv_msg)
        if d < 0 or mseq in self.held:
            return  # a copy of one delivered or held
        self.held[mseq] = (bytes(payload), last)
        while self.next_recv_msg in self.held:
            data, last = self.held.pop(self.next_recv_msg)
            self.next_recv_msg = (self.next_recv_msg + 1) & 0xFFFF
            if last is not None:
                self.partial += data
                if not last:
                    continue
                data, self.partial = bytes(self.partial), bytearray()
            value = msgpack.unpackb(data, raw=False, strict_map_key=False)
            if isinstance(value, dict) and "bigEcho" in value:
                log(f"large message received: {len(data)} bytes packed, a string of {len(value['bigEcho'])}")
                self.big_ok = len(value["bigEcho"]) == BIG
                continue
            if isinstance(value, dict) and "big" in value:
                continue  # the echo of the request for a large message
            self.delivered.append(value)
            log("echo received:", value)

    def pump(self, until, stop=lambda: False):
        while time.monotonic() < until and not stop():
            try:
                data, addr = self.sock.recvfrom(65536)
                if addr == SERVER:
                    self.datagrams_in = getattr(self, "datagrams_in", 0) + 1
                    if DROP_IN and self.datagrams_in % DROP_IN == 0:
                        self.dropped_in = getattr(self, "dropped_in", 0) + 1
                        continue
                    if TRACE:
                        log("in ", data.hex(" "))
                    self.on_datagram(data)
            except socket.timeout:
                pass

    # ---- the session ----
    def run(self):
        log(f"HELLO to {SERVER[0]}:{SERVER[1]}, nonce {self.nonce:08x}, dropping {f'every {DROP}th' if DROP else 'no'} outgoing datagram")
        deadline = time.monotonic() + 5
        while not self.connected and time.monotonic() < deadline and not self.closed:
            self.send_hello()
            self.pump(time.monotonic() + 0.25, lambda: self.connected or self.closed)
        if not self.connected:
            log("no connection")
            return False
        if DOUBLE_HELLO:  # a late copy of the HELLO with the cookie, mid-connection
            self.pump(time.monotonic() + 0.1)
            log("sending the HELLO with the cookie again, while connected")
            self.send_hello()
        if IDLE:  # stay idle: only acks and a keepalive a second
            log(f"idle for {IDLE} s")
            end = time.monotonic() + IDLE
            while time.monotonic() < end and not self.closed:
                self.flush(time.monotonic())
                self.pump(time.monotonic() + 0.016)
        if WRAP:  # take 65,600 sequence numbers with frame-less packets, so our sequence wraps (and the tag's lap moves)
            log("wrapping our packet sequence")
            for k in range(65600):
                self.send_packet(b"")  # takes a sequence number: no frames, not empty-flagged
                if k % 64 == 63:
                    self.pump(time.monotonic() + 0.002)
                    self.in_flight.clear()
            log(f"sequence now {self.send_seq}, lap {self.send_lap}")
        if BIG:
            self.send({"big": BIG})
        sent = 0
        deadline = time.monotonic() + 20
        while len(self.delivered) < COUNT and time.monotonic() < deadline and not self.closed:
            now = time.monotonic()
            if sent < COUNT:  # 10 at once, then one a tick
                for _ in range(min(10, COUNT) if sent == 0 else 1):
                    self.send({"i": sent, "text": f"message {sent} from python", "list": [sent, sent * 1.5, None, True]})
                    sent += 1
            self.flush(now)
            self.pump(now + 0.016)
        # let the last acks go out, and our own unacked messages drain
        end = time.monotonic() + 2
        while self.out_msgs and time.monotonic() < end:
            self.flush(time.monotonic())
            self.pump(time.monotonic() + 0.016)
        self.flush(time.monotonic())
        # goodbye: a CLOSING packet an update, at least 16 ms apart, until acked, 10 at most
        self.closing_acked = False
        for k in range(10):
            self.send_packet(closing=True)
            self.closings_sent = k + 1
            self.pump(time.monotonic() + 0.016)
            if self.closing_acked:
                log(f"CLOSING acked after {k + 1} sent")
                break
        order_ok = [v["i"] for v in self.delivered] == list(range(COUNT)) and (not BIG or getattr(self, "big_ok", False))
        log(f"echoes: {len(self.delivered)} of {COUNT}, in order: {order_ok}; datagrams sent {self.datagrams_out}, "
            f"dropped {self.dropped} (in: {getattr(self, 'dropped_in', 0)}), messages resent {self.resends}, acks with ack-bit bytes {self.ackbit_bytes_seen}, misread {self.misacks}, rtt {(self.srtt or 0) * 1000:.1f} ms")
        # Not "and self.closing_acked": a jamnet Host acks a CLOSING once and forgets the peer, so when that one ack is
        # lost (--drop-in) the goodbyes after it go unanswered, and the goodbye is still heard. RESULT says which.
        return order_ok

    def result(self):
        """The session in numbers, for the last line: what the test asserts on."""
        return {
            "connected": self.connected,
            "count": COUNT,
            "echoes": [v["i"] if isinstance(v, dict) and "i" in v else v for v in self.delivered],  # in arrival order
            "big": BIG,
            "bigOk": getattr(self, "big_ok", False),
            "closingAcked": getattr(self, "closing_acked", False),
            "closingsSent": getattr(self, "closings_sent", 0),
            "datagramsOut": self.datagrams_out,
            "droppedOut": self.dropped,
            "datagramsIn": getattr(self, "datagrams_in", 0),
            "droppedIn": getattr(self, "dropped_in", 0),
            "resends": self.resends,
            "ackBitBytesSeen": self.ackbit_bytes_seen,
            "misacks": self.misacks,
            "sendSeq": self.send_seq,
            "sendLap": self.send_lap,
            "rttMs": self.srtt and self.srtt * 1000,
        }

if __name__ == "__main__":
    client = Client()
    try:
        ok = client.run()
    finally:
        print("RESULT " + json.dumps(client.result()), flush=True)
    sys.exit(0 if ok else 1)
