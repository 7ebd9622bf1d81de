#!/usr/bin/env python3
"""Produce waproto's domain-split .proto schema from a WhatsApp protobuf dump.

WhatsApp's message/field names, numbers and types are protocol facts; this
script only selects and organises them. It:

  1. parses a proto2 dump (the subset WhatsApp's schema uses: messages, enums,
     oneofs, maps, field options), resolving every type reference with
     protobuf's scoping rules;
  2. keeps the transitive closure of the root types the library uses (ROOTS);
  3. assigns each kept top-level type to a domain file (DOMAINS), then merges
     domain files whose types reference each other in a cycle (protobuf
     forbids import cycles), and writes one .proto per domain, with imports,
     in a normalised layout (fields, then nested enums, then nested messages).

Usage:
    python3 waproto/tools/gen_schema.py <path/to/whatsapp.proto> [waproto/proto]

Re-run it whenever the dump is refreshed and commit the output; build.rs
compiles the output with protox, so neither this script nor protoc are needed
to build the crate.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field as dc_field

# --------------------------------------------------------------------------
# What the library needs. Everything reachable from these is kept.
ROOTS = [
    # Messages and their envelopes
    "Message", "WebMessageInfo", "MessageKey", "ContextInfo", "MessageContextInfo",
    "DeviceListMetadata", "DisappearingMode", "EphemeralSetting", "Reaction",
    "UserReceipt", "PollUpdate", "PollEncValue", "PinInChat", "KeepInChat",
    "MessageAddOn", "MessageSecretMessage", "Location", "Money", "StatusPSA",
    "PaymentInfo", "NotificationMessageInfo", "WebNotificationsInfo", "WebFeatures",
    "LegacyMessage", "MediaData", "PhotoChange", "PremiumMessageInfo",
    "EventResponse", "EventAdditionalMetadata", "LimitSharing",
    # History sync
    "HistorySync", "HistorySyncMsg", "Conversation", "Pushname", "GlobalSettings",
    "PastParticipants", "GroupParticipant", "PhoneNumberToLIDMapping",
    # App state
    "SyncActionValue", "SyncActionData", "SyncdPatch", "SyncdSnapshot",
    "SyncdMutations", "SyncdMutation", "SyncdRecord", "SyncdIndex", "SyncdValue",
    "SyncdVersion", "SyncdPlainTextRecord", "SyncdSnapshotRecovery", "KeyId",
    "ExternalBlobReference", "PatchDebugData",
    # Connection and pairing
    "HandshakeMessage", "ClientPayload", "CertChain", "NoiseCertificate",
    "DeviceProps", "RoutingInfo", "ClientPairingProps", "PrimaryEphemeralIdentity",
    "CompanionEphemeralIdentity", "CompanionCommitment", "ProloguePayload",
    "PairingRequest", "EncryptedPairingRequest",
    # Device identity
    "ADVDeviceIdentity", "ADVKeyIndexList", "ADVSignedDeviceIdentity",
    "ADVSignedDeviceIdentityHMAC", "ADVSignedKeyIndexList", "ADVEncryptionType",
    # Signal wire messages and records
    "PreKeySignalMessage", "SignalMessage", "SenderKeyMessage",
    "SenderKeyDistributionMessage", "KeyExchangeMessage",
    "DeviceConsistencyCodeMessage", "SessionStructure", "RecordStructure",
    "PreKeyRecordStructure", "SignedPreKeyRecordStructure",
    "IdentityKeyPairStructure", "SenderKeyRecordStructure",
    "SenderKeyStateStructure",
    # Notifications, receipts, business identity
    "MediaRetryNotification", "ServerErrorReceipt", "VerifiedNameCertificate",
    "LocalizedName", "BizIdentityInfo", "BizAccountPayload", "BizAccountLinkInfo",
    "LIDMigrationMappingSyncMessage", "LIDMigrationMappingSyncPayload",
    "LIDMigrationMapping",
]

# Domain of each top-level type: first matching rule wins. Types matching no
# rule go to DEFAULT_DOMAIN. Files that would import each other are merged.
DOMAINS = [
    ("handshake", r"^(HandshakeMessage|ClientPayload|CertChain|NoiseCertificate|RoutingInfo)$"),
    ("adv", r"^(ADV\w+|ClientPairingProps|PrimaryEphemeralIdentity|CompanionEphemeralIdentity"
            r"|CompanionCommitment|ProloguePayload|PairingRequest|EncryptedPairingRequest)$"),
    ("device", r"^(DeviceProps)$"),
    ("signal", r"^(PreKeySignalMessage|SignalMessage|SenderKeyMessage|SenderKeyDistributionMessage"
               r"|KeyExchangeMessage|DeviceConsistencyCodeMessage|\w+Structure)$"),
    ("appstate", r"^(Syncd\w+|SyncAction\w+|KeyId|ExternalBlobReference|PatchDebugData|CollectionName"
                 r"|CallLogRecord|ChatLockSettings|RecentEmojiWeight|UserPassword|DeviceCapabilities|ExitCode)$"),
    ("history", r"^(HistorySync\w*|Conversation|Pushname|GlobalSettings|PastParticipants?|GroupParticipant"
                r"|AutoDownloadSettings|AvatarUserSettings|WallpaperSettings"
                r"|NotificationSettings|ChatLockSettings|MediaVisibility|RecentEmojiWeight|StickerMetadata"
                r"|MsgOpaqueData|MsgRowOpaqueData|ChatRowOpaqueData"
                r"|Account|MediaEntry)$"),
    ("lid", r"^(LIDMigration\w+|PhoneNumberToLIDMapping)$"),
    ("business", r"^(VerifiedNameCertificate|LocalizedName|Biz\w+)$"),
    ("bot", r"^(Bot\w+|AI\w+|BOT\w+)$"),
    ("webmessage", r"^(StatusMentionMessage|WebMessageInfo\w*|UserReceipt|Reaction|PollUpdate|PinInChat|KeepInChat|StatusPSA"
                   r"|PaymentInfo|NotificationMessageInfo|WebNotificationsInfo|WebFeatures|LegacyMessage"
                   r"|MediaData|PremiumMessageInfo|EventResponse|EventAdditionalMetadata|MessageAddOn\w*"
                   r"|ReportingTokenInfo|CommentMetadata|Citation|QuarantinedMessage|GroupHistory\w*"
                   r"|PhotoChange|PollAdditionalMetadata)$"),
    ("media", r"^(MediaRetryNotification|ServerErrorReceipt)$"),
]
DEFAULT_DOMAIN = "message"

# Types kept next to Message although Message does not need them in a cycle:
# they sit above `common` and `bot` (they reference both), below Message.
MESSAGE_FILE_EXTRAS = {"MessageContextInfo", "CoexStateSync"}

# Order in which domains absorb one another when merged (earlier wins).
MERGE_PRIORITY = ["message", "webmessage", "history", "appstate", "bot", "common", "lid", "business",
                  "handshake", "adv", "device", "signal", "media"]

DESCRIPTIONS = {
    "message": "Message content: the Message container and everything that can travel inside it.",
    "webmessage": "WebMessageInfo: a message with its key, status, receipts and reactions as history and storage keep it.",
    "history": "History sync blobs: conversations, push names and account settings sent to a new companion.",
    "appstate": "App state sync: patches, snapshots, mutations and the SyncActionValue they carry.",
    "handshake": "Noise handshake messages, the server certificate chain and the ClientPayload sent at login.",
    "adv": "Account device verification (ADV) identities and companion pairing messages.",
    "device": "Properties a companion device announces when it registers.",
    "signal": "Signal protocol wire messages and the session, pre-key and sender-key records.",
    "business": "Business identity: verified-name certificates and business account data.",
    "bot": "Meta AI / bot metadata that messages and context infos can carry.",
    "lid": "Phone-number to LID (linked identity) migration mappings.",
    "common": "Small types shared by messages, bots, app state and history: keys, device lists, modes.",
    "media": "Media retry notifications and server error receipts.",
}

SCALARS = {
    "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64",
    "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes",
}

# --------------------------------------------------------------------------
# Parsing


@dataclass
class Field:
    label: str | None  # "optional", "repeated", "required" or None (oneof member / map)
    type: str  # as written, or "map<K, V>"
    name: str
    number: int
    options: str  # normalised option text inside [...], or ""
    refs: list[str] = dc_field(default_factory=list)  # type names referenced (unresolved)


@dataclass
class Oneof:
    name: str
    fields: list[Field]


@dataclass
class EnumDef:
    name: str
    values: list[tuple[str, int]]


@dataclass
class MessageDef:
    name: str
    items: list  # Field | Oneof, in declaration order
    enums: list[EnumDef]
    messages: list["MessageDef"]


TOKEN = re.compile(r'\s+|//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\])*"|[A-Za-z_][\w.]*|\.[\w.]+|-?\d+|[{}\[\]()<>;=,]',
                   re.S)


def tokenize(text: str) -> list[str]:
    out = []
    pos = 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise SystemExit(f"cannot tokenize at offset {pos}: {text[pos:pos + 40]!r}")
        tok = m.group(0)
        pos = m.end()
        if tok.isspace() or tok.startswith("//") or tok.startswith("/*"):
            continue
        out.append(tok)
    return out


class Parser:
    def __init__(self, toks: list[str]):
        self.toks = toks
        self.i = 0

    def peek(self) -> str:
        return self.toks[self.i] if self.i < len(self.toks) else ""

    def next(self) -> str:
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, tok: str) -> None:
        got = self.next()
        if got != tok:
            raise SystemExit(f"expected {tok!r}, got {got!r} near token {self.i}")

    def file(self) -> tuple[list[MessageDef], list[EnumDef]]:
        messages, enums = [], []
        while self.peek():
            tok = self.next()
            if tok in ("syntax", "package", "option", "import"):
                while self.next() != ";":
                    pass
            elif tok == "message":
                messages.append(self.message())
            elif tok == "enum":
                enums.append(self.enum())
            else:
                raise SystemExit(f"unexpected top-level token {tok!r}")
        return messages, enums

    def enum(self) -> EnumDef:
        name = self.next()
        self.expect("{")
        values = []
        while self.peek() != "}":
            if self.peek() == "option":
                while self.next() != ";":
                    pass
                continue
            vname = self.next()
            self.expect("=")
            number = int(self.next())
            if self.peek() == "[":
                self.options()
            self.expect(";")
            values.append((vname, number))
        self.expect("}")
        return EnumDef(name, values)

    def options(self) -> str:
        self.expect("[")
        parts = []
        depth = 1
        while True:
            tok = self.next()
            if tok == "[":
                depth += 1
            elif tok == "]":
                depth -= 1
                if depth == 0:
                    break
            parts.append(tok)
        text = " ".join(parts).replace(" ,", ",")
        return text

    def field(self, label: str | None) -> Field:
        ftype = self.next()
        refs = []
        if ftype == "map":
            self.expect("<")
            key = self.next()
            self.expect(",")
            value = self.next()
            self.expect(">")
            ftype = f"map<{key}, {value}>"
            if value not in SCALARS:
                refs.append(value)
        elif ftype not in SCALARS:
            refs.append(ftype)
        name = self.next()
        self.expect("=")
        number = int(self.next())
        opts = self.options() if self.peek() == "[" else ""
        self.expect(";")
        return Field(label, ftype, name, number, opts, refs)

    def message(self) -> MessageDef:
        name = self.next()
        self.expect("{")
        msg = MessageDef(name, [], [], [])
        while self.peek() != "}":
            tok = self.peek()
            if tok == "message":
                self.next()
                msg.messages.append(self.message())
            elif tok == "enum":
                self.next()
                msg.enums.append(self.enum())
            elif tok == "oneof":
                self.next()
                oname = self.next()
                self.expect("{")
                fields = []
                while self.peek() != "}":
                    fields.append(self.field(None))
                self.expect("}")
                msg.items.append(Oneof(oname, fields))
            elif tok in ("optional", "repeated", "required"):
                self.next()
                msg.items.append(self.field(tok))
            elif tok == "map":
                msg.items.append(self.field(None))
            elif tok in ("option", "reserved", "extensions"):
                while self.next() != ";":
                    pass
            else:
                raise SystemExit(f"unexpected token {tok!r} in message {name}")
        self.expect("}")
        return msg


# --------------------------------------------------------------------------
# Type resolution and dependency graph


def index_defs(messages, enums):
    """Map every definition's full path (tuple of names) to its node."""
    table = {}

    def walk(msg, prefix):
        path = prefix + (msg.name,)
        table[path] = msg
        for e in msg.enums:
            table[path + (e.name,)] = e
        for m in msg.messages:
            walk(m, path)

    for m in messages:
        walk(m, ())
    for e in enums:
        table[(e.name,)] = e
    return table


def resolve(ref: str, scope: tuple, table) -> tuple:
    """Resolve a type reference written inside `scope` the way protoc does."""
    if ref.startswith("."):
        parts = tuple(ref.lstrip(".").split("."))
        if parts and parts[0] == "whatsapp":
            parts = parts[1:]
        if parts in table:
            return parts
        raise SystemExit(f"unresolved absolute reference {ref}")
    parts = tuple(ref.split("."))
    for depth in range(len(scope), -1, -1):
        base = scope[:depth]
        if base + parts[:1] in table:
            full = base + parts
            if full in table:
                return full
            raise SystemExit(f"reference {ref} in {'.'.join(scope)} resolves to missing {full}")
    raise SystemExit(f"unresolved reference {ref} in {'.'.join(scope)}")


def top_level_deps(messages, table):
    """For every top-level message, the set of top-level names it references."""
    deps = {}

    def fields_of(msg):
        for item in msg.items:
            if isinstance(item, Oneof):
                yield from item.fields
            else:
                yield item

    def walk(msg, path, acc):
        for f in fields_of(msg):
            for ref in f.refs:
                acc.add(resolve(ref, path, table)[0])
        for m in msg.messages:
            walk(m, path + (m.name,), acc)

    for m in messages:
        acc = set()
        walk(m, (m.name,), acc)
        acc.discard(m.name)
        deps[m.name] = acc
    return deps


def closure(roots, deps):
    seen = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(deps.get(name, ()))
    return seen


def domain_of(name: str) -> str:
    for domain, pattern in DOMAINS:
        if re.match(pattern, name):
            return domain
    return DEFAULT_DOMAIN


def file_sccs(files, deps, owner):
    """Strongly connected components of the file import graph (Tarjan)."""
    graph = {f: set() for f in files}
    for name, f in owner.items():
        for dep in deps.get(name, ()):
            if owner[dep] != f:
                graph[f].add(owner[dep])
    index, low, stack, on_stack, comps = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            comps.append(comp)

    for f in sorted(graph):
        if f not in index:
            visit(f)
    return comps, graph


def assign_files(kept, deps):
    """Give every kept top-level type a file, avoiding import cycles.

    The strongly connected component around `Message` (Message, ContextInfo and
    the types that quote messages back) must share one file. A domain file that
    holds both types depending on that core and types the core depends on would
    import message.proto while being imported by it, so the latter move to a
    `<domain>_base` file (`common` for the message domain). Any cycle left
    after that is resolved by merging files, reported on stderr.
    """
    from_message = closure(["Message"], deps)
    core = {n for n in from_message if "Message" in closure([n], deps)}
    pinned = core | MESSAGE_FILE_EXTRAS
    owner = {name: ("message" if name in pinned else domain_of(name)) for name in kept}
    for f in set(owner.values()):
        members = [n for n in kept if owner[n] == f]
        has_upper = any(n in core or closure([n], deps) & core for n in members)
        if not has_upper:
            continue
        base = "common" if f == "message" else f"{f}_base"
        for n in members:
            if n in from_message and n not in pinned:
                owner[n] = base
    while True:
        comps, _ = file_sccs(set(owner.values()), deps, owner)
        cyclic = [c for c in comps if len(c) > 1]
        if not cyclic:
            return owner
        for comp in cyclic:
            comp.sort(key=lambda d: MERGE_PRIORITY.index(d) if d in MERGE_PRIORITY else 99)
            target = comp[0]
            print(f"merging {', '.join(comp[1:])} into {target} (their types reference each other)",
                  file=sys.stderr)
            for name, f in owner.items():
                if f in comp:
                    owner[name] = target


# --------------------------------------------------------------------------
# Emission

HEADER = """\
// waproto schema: {file}
//
// {description}
//
// Generated by waproto/tools/gen_schema.py from WhatsApp Web {version}'s
// protobuf schema; names, numbers and types are WhatsApp's wire facts.
// Edit the generator's root/domain lists, not this file.

syntax = "proto2";
package whatsapp;
"""


def emit_field(f: Field, indent: str) -> str:
    label = f"{f.label} " if f.label else ""
    opts = f" [{f.options}]" if f.options else ""
    return f"{indent}{label}{f.type} {f.name} = {f.number}{opts};\n"


def emit_enum(e: EnumDef, indent: str) -> str:
    out = f"{indent}enum {e.name} {{\n"
    for vname, number in e.values:
        out += f"{indent}  {vname} = {number};\n"
    return out + f"{indent}}}\n"


def emit_message(m: MessageDef, indent: str) -> str:
    out = f"{indent}message {m.name} {{\n"
    inner = indent + "  "
    for item in m.items:
        if isinstance(item, Oneof):
            out += f"{inner}oneof {item.name} {{\n"
            for f in item.fields:
                out += emit_field(f, inner + "  ")
            out += f"{inner}}}\n"
        else:
            out += emit_field(item, inner)
    for e in sorted(m.enums, key=lambda e: e.name):
        out += "\n" + emit_enum(e, inner)
    for sub in sorted(m.messages, key=lambda s: s.name):
        out += "\n" + emit_message(sub, inner)
    return out + f"{indent}}}\n"


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    src = sys.argv[1]
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "proto")
    text = open(src, encoding="utf-8").read()
    version_match = re.search(r"WhatsApp Version:\s*([\d.]+)", text)
    version = version_match.group(1) if version_match else "(unknown version)"

    messages, enums = Parser(tokenize(text)).file()
    table = index_defs(messages, enums)
    deps = top_level_deps(messages, table)
    for e in enums:
        deps[e.name] = set()
    missing = [r for r in ROOTS if (r,) not in table]
    if missing:
        raise SystemExit(f"roots missing from the dump: {missing}")
    kept = closure(ROOTS, deps)
    owner = assign_files(kept, deps)

    defs = {m.name: m for m in messages}
    defs.update({e.name: e for e in enums})
    files = sorted(set(owner.values()))
    _, graph = file_sccs(files, deps, owner)

    os.makedirs(out_dir, exist_ok=True)
    for old in os.listdir(out_dir):
        if old.endswith(".proto"):
            os.remove(os.path.join(out_dir, old))
    for f in files:
        names = sorted(n for n in kept if owner[n] == f)
        body = HEADER.format(file=f"{f}.proto", description=DESCRIPTIONS.get(f, ""), version=version)
        imports = sorted(graph[f])
        if imports:
            body += "\n" + "".join(f'import "{i}.proto";\n' for i in imports)
        for n in names:
            node = defs[n]
            body += "\n" + (emit_message(node, "") if isinstance(node, MessageDef) else emit_enum(node, ""))
        with open(os.path.join(out_dir, f"{f}.proto"), "w", encoding="utf-8") as fh:
            fh.write(body)
        print(f"{f}.proto: {len(names)} top-level types, imports {imports}", file=sys.stderr)
    print(f"kept {len(kept)} of {len(defs)} top-level types", file=sys.stderr)


if __name__ == "__main__":
    main()
