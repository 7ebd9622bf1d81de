"""Signal peer over python-axolotl 0.2.3 (a third, independent Signal implementation),
driven by JSON lines on stdin/stdout. Used by wacore/libsignal/tests/interop_python.rs.

Same protocol as node_peer.cjs (hex bytes, 33-byte 0x05-prefixed keys; a peer "1111@s.whatsapp.net"
is axolotl recipient "1111", device 0):
  {"op":"bundle","oneTime":bool}                       -> {registrationId, identityKey, signedPreKey:{...}, preKey?:{...}}
  {"op":"inject","peer":J,"bundle":{...}}              -> {}
  {"op":"encrypt","peer":J,"data":H}                   -> {type:"pkmsg"|"msg", ciphertext:H}
  {"op":"decrypt","peer":J,"type":T,"ciphertext":H}    -> {data:H}
  {"op":"group_encrypt","group":G,"me":J,"data":H}     -> {ciphertext:H, skdm:H}
  {"op":"group_process","group":G,"author":J,"skdm":H} -> {}
  {"op":"group_decrypt","group":G,"author":J,"ciphertext":H} -> {data:H}
  {"op":"batch","ops":[...]}                           -> {results:[...]}
Errors answer {"error": "..."}.
"""
import json
import logging
import sys
import time

from axolotl.axolotladdress import AxolotlAddress
from axolotl.ecc.curve import Curve
from axolotl.groups.groupcipher import GroupCipher
from axolotl.groups.groupsessionbuilder import GroupSessionBuilder
from axolotl.groups.senderkeyname import SenderKeyName
from axolotl.identitykey import IdentityKey
from axolotl.protocol.prekeywhispermessage import PreKeyWhisperMessage
from axolotl.protocol.senderkeydistributionmessage import SenderKeyDistributionMessage
from axolotl.protocol.whispermessage import WhisperMessage
from axolotl.protocol import whisperprotos_pb2 as whisperprotos
from axolotl.sessionbuilder import SessionBuilder
from axolotl.sessioncipher import SessionCipher
from axolotl.state.prekeybundle import PreKeyBundle
from axolotl.state.prekeyrecord import PreKeyRecord
from axolotl.state.signedprekeyrecord import SignedPreKeyRecord
from axolotl.tests.groups.inmemorysenderkeystore import InMemorySenderKeyStore
from axolotl.tests.inmemoryaxolotlstore import InMemoryAxolotlStore

logging.disable(logging.CRITICAL)

SIGNED_PRE_KEY_ID = 7

store = InMemoryAxolotlStore()
sender_keys = InMemorySenderKeyStore()
spk = Curve.generateKeyPair()
spk_sig = Curve.calculateSignature(store.getIdentityKeyPair().getPrivateKey(), spk.getPublicKey().serialize())
store.storeSignedPreKey(SIGNED_PRE_KEY_ID, SignedPreKeyRecord(SIGNED_PRE_KEY_ID, int(time.time() * 1000), spk, spk_sig))
next_pre_key_id = 1


def user(jid):
    return jid.split("@", 1)[0].split(":", 1)[0]


def key(hexstr):
    return Curve.decodePoint(bytes.fromhex(hexstr), 0)


def cipher(peer):
    return SessionCipher(store, store, store, store, user(peer), 0)


def sk_name(group, jid):
    return SenderKeyName(group, AxolotlAddress(user(jid), 0))


def op_bundle(req):
    global next_pre_key_id
    out = {
        "registrationId": store.getLocalRegistrationId(),
        "identityKey": store.getIdentityKeyPair().getPublicKey().serialize().hex(),
        "signedPreKey": {
            "keyId": SIGNED_PRE_KEY_ID,
            "publicKey": spk.getPublicKey().serialize().hex(),
            "signature": bytes(spk_sig).hex(),
        },
    }
    if req.get("oneTime", True):
        pid = next_pre_key_id
        next_pre_key_id += 1
        pk = Curve.generateKeyPair()
        store.storePreKey(pid, PreKeyRecord(pid, pk))
        out["preKey"] = {"keyId": pid, "publicKey": pk.getPublicKey().serialize().hex()}
    return out


def op_inject(req):
    b = req["bundle"]
    pre = b.get("preKey")
    bundle = PreKeyBundle(
        b["registrationId"], 0,
        pre["keyId"] if pre else None, key(pre["publicKey"]) if pre else None,
        b["signedPreKey"]["keyId"], key(b["signedPreKey"]["publicKey"]),
        bytes.fromhex(b["signedPreKey"]["signature"]),
        IdentityKey(bytes.fromhex(b["identityKey"]), 0))
    SessionBuilder(store, store, store, store, user(req["peer"]), 0).processPreKeyBundle(bundle)
    return {}


def op_encrypt(req):
    m = cipher(req["peer"]).encrypt(bytes.fromhex(req["data"]))
    kind = "pkmsg" if isinstance(m, PreKeyWhisperMessage) else "msg"
    return {"type": kind, "ciphertext": bytes(m.serialize()).hex()}


def op_decrypt(req):
    raw = bytes.fromhex(req["ciphertext"])
    c = cipher(req["peer"])
    if req["type"] == "pkmsg":
        msg = PreKeyWhisperMessage(serialized=raw)
        # Oracle quirk: python-axolotl 0.2.3 reads an absent preKeyId as 0 (proto2 default)
        # and then fails to load pre-key 0, so it cannot accept sessions built from a bundle
        # without a one-time pre-key (its own messages included). Restore "absent".
        body = whisperprotos.PreKeyWhisperMessage()
        body.ParseFromString(raw[1:])
        if not body.HasField("preKeyId"):
            msg.preKeyId = None
        pt = c.decryptPkmsg(msg)
    elif req["type"] == "msg":
        pt = c.decryptMsg(WhisperMessage(serialized=raw))
    else:
        raise ValueError("unknown type %r" % req["type"])
    return {"data": bytes(pt).hex()}


def op_group_encrypt(req):
    name = sk_name(req["group"], req["me"])
    skdm = GroupSessionBuilder(sender_keys).create(name)
    ct = GroupCipher(sender_keys, name).encrypt(bytes.fromhex(req["data"]))
    return {"ciphertext": bytes(ct).hex(), "skdm": bytes(skdm.serialize()).hex()}


def op_group_process(req):
    name = sk_name(req["group"], req["author"])
    msg = SenderKeyDistributionMessage(serialized=bytes.fromhex(req["skdm"]))
    GroupSessionBuilder(sender_keys).process(name, msg)
    return {}


def op_group_decrypt(req):
    name = sk_name(req["group"], req["author"])
    pt = GroupCipher(sender_keys, name).decrypt(bytes.fromhex(req["ciphertext"]))
    return {"data": bytes(pt).hex()}


OPS = {
    "bundle": op_bundle, "inject": op_inject, "encrypt": op_encrypt, "decrypt": op_decrypt,
    "group_encrypt": op_group_encrypt, "group_process": op_group_process,
    "group_decrypt": op_group_decrypt,
}


def run(req):
    try:
        if req.get("op") == "batch":
            return {"results": [run(r) for r in req["ops"]]}
        return OPS[req["op"]](req)
    except Exception as e:  # report every failure to the driver
        return {"error": "%s: %s" % (type(e).__name__, e)}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            out = run(json.loads(line))
        except ValueError as e:
            out = {"error": "bad request: %s" % e}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
