"""A WhatsApp-style Noise responder built on python `noiseprotocol` (an independent, spec-level
Noise implementation), for testing our initiator.

It speaks the real byte stream: it parses the connection intro (optional `ED 00 01` pre-intro,
then `WA 06 03`) and 3-byte frames itself, decodes and encodes the HandshakeMessage protobufs with
a hand-written protobuf codec, and applies WhatsApp's one deviation from Noise (the empty payload
of message 1 is not mixed into the handshake hash).

JSON lines on stdin/stdout, bytes as hex:
  (startup)                        -> {"static": <our static public key>}
  {"op":"chain","chain":hex}       -> {"ok":true}          certificate chain to present
  {"op":"recv","data":hex}         -> {"out":hex,"events":[...]}
        events: {"routing_info":hex}, {"client_payload":hex,"client_static":hex}, {"frame":hex}
  {"op":"send","data":hex}         -> {"out":hex}          one encrypted transport frame
Errors come back as {"error": "..."}.
"""
import json
import os
import sys

from noise.connection import NoiseConnection, Keypair

NAME = b"Noise_XX_25519_AESGCM_SHA256"
PROLOGUE = bytes.fromhex(os.environ.get("WA_PROLOGUE_HEX", "57410603"))


# --- minimal protobuf (only varint keys and length-delimited fields are used here) -----------
def read_varint(buf, i):
    shift = value = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def pb_fields(buf):
    """{field number: bytes} for the length-delimited fields of a message (others skipped)."""
    out, i = {}, 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 2:
            length, i = read_varint(buf, i)
            if i + length > len(buf):
                raise ValueError("truncated field")
            out[field] = bytes(buf[i:i + length])
            i += length
        elif wire == 0:
            _, i = read_varint(buf, i)
        else:
            raise ValueError("unsupported wire type %d" % wire)
    return out


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb_bytes(field, data):
    return varint(field << 3 | 2) + varint(len(data)) + data


def frame(data):
    return len(data).to_bytes(3, "big") + data


# --- the responder ---------------------------------------------------------------------------
class Responder:
    def __init__(self):
        self.conn = NoiseConnection.from_name(NAME)
        self.conn.set_as_responder()
        self.conn.set_prologue(PROLOGUE)
        self.conn.set_keypair_from_private_bytes(Keypair.STATIC, os.urandom(32))
        self.conn.start_handshake()
        ss = self.conn.noise_protocol.symmetric_state
        orig_dec = ss.decrypt_and_hash
        # WhatsApp: the empty payload of message 1 (read before any key exists) is not hashed.
        ss.decrypt_and_hash = lambda ct: ct if (not ct and not ss.cipher_state.has_key()) else orig_dec(ct)
        self.static = bytes(self.conn.noise_protocol.keypairs["s"].public_bytes)
        self.chain = b""
        self.buf = b""
        self.intro_done = False
        self.state = "hello"

    def parse_intro(self, events):
        buf = self.buf
        if buf[:2] == b"ED":
            if len(buf) < 7:
                return False
            if buf[2:4] != b"\x00\x01":
                raise ValueError("bad edge-routing pre-intro")
            n = int.from_bytes(buf[4:7], "big")
            if len(buf) < 7 + n + 4:
                return False
            events.append({"routing_info": buf[7:7 + n].hex()})
            buf = buf[7 + n:]
        if len(buf) < 4:
            return False
        if buf[:4] != PROLOGUE:
            raise ValueError("bad connection header %s" % buf[:4].hex())
        self.buf = buf[4:]
        self.intro_done = True
        return True

    def recv(self, data):
        self.buf += data
        events, out = [], b""
        if not self.intro_done and not self.parse_intro(events):
            return out, events
        while len(self.buf) >= 3:
            n = int.from_bytes(self.buf[:3], "big")
            if len(self.buf) < 3 + n:
                break
            payload, self.buf = self.buf[3:3 + n], self.buf[3 + n:]
            out += self.on_frame(payload, events)
        return out, events

    def on_frame(self, payload, events):
        if self.state == "hello":
            hello = pb_fields(pb_fields(payload)[2])  # HandshakeMessage.clientHello
            self.conn.read_message(hello[1])  # ephemeral only
            m2 = bytes(self.conn.write_message(self.chain))  # e, ee, s, es, payload
            server_hello = pb_bytes(1, m2[:32]) + pb_bytes(2, m2[32:80]) + pb_bytes(3, m2[80:])
            self.state = "finish"
            return frame(pb_bytes(3, server_hello))
        if self.state == "finish":
            finish = pb_fields(pb_fields(payload)[4])  # HandshakeMessage.clientFinish
            hs = self.conn.noise_protocol.handshake_state  # dropped once the handshake completes
            client_payload = bytes(self.conn.read_message(finish[1] + finish[2]))
            rs = bytes(hs.rs.public_bytes)
            events.append({"client_payload": client_payload.hex(), "client_static": rs.hex()})
            self.state = "transport"
            return b""
        events.append({"frame": bytes(self.conn.decrypt(payload)).hex()})
        return b""

    def send(self, data):
        return frame(bytes(self.conn.encrypt(data)))


def main():
    r = Responder()
    print(json.dumps({"static": r.static.hex()}), flush=True)
    for line in sys.stdin:
        try:
            req = json.loads(line)
            op = req["op"]
            if op == "chain":
                r.chain = bytes.fromhex(req["chain"])
                out = {"ok": True}
            elif op == "recv":
                data, events = r.recv(bytes.fromhex(req["data"]))
                out = {"out": data.hex(), "events": events}
            elif op == "send":
                out = {"out": r.send(bytes.fromhex(req["data"])).hex()}
            else:
                out = {"error": "unknown op %s" % op}
        except Exception as e:  # report, keep serving
            out = {"error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
