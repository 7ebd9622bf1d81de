// A Baileys 7 (npm baileys@7.0.0-rc14, unmodified) client pointed at the open test server.
//
// Usage: node baileys_client.mjs --ws URL --root HEX --admin URL --phone DIGITS --auth DIR [--name N]
//        [--pair qr|code] [--history on|off]
//
// The only configuration that differs from talking to WhatsApp is the public API Baileys offers
// for it: `waWebSocketUrl`, and the certificate root (`WA_CERT_DETAILS.PUBLIC_KEY`, which Baileys
// checks the server's intermediate certificate against) set to the test server's root.
//
// Pairing goes through the server's admin API, as a phone would scan the QR
// (`POST /admin/mock-phone/scan-qr`), or by entering the pair code (`POST /admin/phones/<p>/pair-code`).
//
// Protocol: JSON lines. Events on stdout: {"event": "...", ...}. Commands on stdin:
// {"id": N, "cmd": "send", "to": JID, "text": T} -> {"reply": N, "msgId": ...}
// {"id": N, "cmd": "read", "keys": [key...]}      -> {"reply": N}
// {"id": N, "cmd": "groupMetadata", "jid": J}     -> {"reply": N, "meta": {...}}
// {"id": N, "cmd": "call", "fn": F, "args": [...]} -> {"reply": N, "result": ...} (any socket function)
// {"id": N, "cmd": "sendMedia", "to": JID, "kind": "image"|"document"|..., "path": FILE,
//   "mimetype": M, "fileName"?: F, "caption"?: C}  -> {"reply": N, "msgId": ..., "media": {...}}
// {"id": N, "cmd": "download", "msgId": ID, "out"?: FILE}
//                                                 -> {"reply": N, "length": L, "sha256": HEX, "media": {...}}
//   (downloads and decrypts a received or sent media message with Baileys' downloadMediaMessage,
//   writing the plaintext to FILE when given)
// {"id": N, "cmd": "end"}                          -> closes the socket without logging out
// Message events carry "media": {...} (type, mimetype, fileLength, fileName, url, directPath,
// fileSha256 hex) for media messages.
//
// TLS: with a test server started with TLS, pass --ws wss://... and --admin https://..., and start
// node with NODE_EXTRA_CA_CERTS=<the server's CA PEM>; Baileys uploads and downloads media over
// https only (to the hosts of the server's media_conn answer / the message URL's host).
// Logs (pino) go to stderr at $BAILEYS_LOG (default "warn").
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import pino from 'pino';
import makeWASocket, {
    Browsers,
    DisconnectReason,
    downloadMediaMessage,
    extractMessageContent,
    getContentType,
    useMultiFileAuthState
} from 'baileys7';
import { WA_CERT_DETAILS } from 'baileys7/lib/Defaults/index.js';

const args = Object.fromEntries(
    process.argv.slice(2).reduce((acc, v, i, all) => (i % 2 === 0 ? [...acc, [v.replace(/^--/, ''), all[i + 1]]] : acc), [])
);
for (const k of ['ws', 'root', 'admin', 'phone', 'auth']) {
    if (!args[k]) {
        console.error(`missing --${k}`);
        process.exit(2);
    }
}
WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(args.root, 'hex');
// stdout carries only our JSON lines: libsignal logs session changes with console.log.
console.log = (...a) => console.error(...a);
console.info = (...a) => console.error(...a);

const logger = pino({ level: process.env.BAILEYS_LOG || 'warn' }, pino.destination(2));
const emit = obj => process.stdout.write(JSON.stringify(obj) + '\n');
const sent = new Map();
// Full WAMessages by id (received, and our own sends), for media downloads.
const known = new Map();
let sock;
let stopping = false;
let pairCodeRequested = false;

const adminPost = async (path, body) => {
    const r = await fetch(`${args.admin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body)
    });
    const j = await r.json();
    if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(j)}`);
    return j;
};

const num = v => (v && typeof v === 'object' && typeof v.toNumber === 'function' ? v.toNumber() : v == null ? null : Number(v));
const hex = b => (b ? Buffer.from(b).toString('hex') : null);

// What a media message says about its blob, or null for other messages.
const mediaInfo = m => {
    const content = m ? extractMessageContent(m) : undefined;
    const type = content ? getContentType(content) : undefined;
    const media = type ? content[type] : undefined;
    if (!media || typeof media !== 'object' || !media.mediaKey || !(media.url || media.directPath)) return null;
    return {
        type,
        mimetype: media.mimetype ?? null,
        fileLength: num(media.fileLength),
        fileName: media.fileName ?? null,
        caption: media.caption ?? null,
        url: media.url ?? null,
        directPath: media.directPath ?? null,
        fileSha256: hex(media.fileSha256)
    };
};

const text = m =>
    m?.conversation ?? m?.extendedTextMessage?.text ?? m?.imageMessage?.caption ?? m?.ephemeralMessage?.message?.conversation ?? null;

async function start() {
    const { state, saveCreds } = await useMultiFileAuthState(args.auth);
    const history = (args.history || 'on') === 'on';
    sock = makeWASocket({
        waWebSocketUrl: args.ws,
        auth: state,
        logger,
        browser: Browsers.ubuntu('Chrome'),
        shouldSyncHistoryMessage: () => history,
        getMessage: async key => sent.get(key.id)
    });
    sock.ev.on('creds.update', saveCreds);
    // Baileys marks itself online at open only when it already knows its push name; on a first
    // session the name arrives later through app-state sync, so go online then.
    let online = false;
    sock.ev.on('creds.update', u => {
        if (u.me?.name && !online) {
            online = true;
            emit({ event: 'name', name: u.me.name });
            sock.sendPresenceUpdate('available').catch(e => emit({ event: 'error', where: 'presence', message: String(e) }));
        }
    });
    sock.ev.on('connection.update', u => {
        if (u.connection === 'open' && state.creds.me?.name) online = true;
    });
    // Baileys bumps accountSyncCounter once its first full app-state sync is done. Until then it
    // applies chat mutations in initial-sync mode, where a change to a chat that history did not
    // bring is dropped, so tests wait for this before changing chats from another device. (The
    // fresh credentials saved at pairing carry a counter of 0, which is not a finished sync.)
    sock.ev.on('creds.update', u => {
        if (u.accountSyncCounter > 0) emit({ event: 'app-state-synced', counter: u.accountSyncCounter });
    });
    sock.ev.on('connection.update', async u => {
        if (u.qr) {
            emit({ event: 'qr', qr: u.qr });
            if ((args.pair || 'qr') === 'qr') {
                try {
                    const r = await adminPost('/admin/mock-phone/scan-qr', { phone: args.phone, qr: u.qr });
                    emit({ event: 'scanned', ...r });
                } catch (e) {
                    emit({ event: 'error', where: 'scan-qr', message: String(e) });
                }
            } else if (!pairCodeRequested) {
                pairCodeRequested = true;
                try {
                    const code = await sock.requestPairingCode(args.phone);
                    emit({ event: 'pair-code', code });
                    const r = await adminPost(`/admin/phones/${args.phone}/pair-code`, { code });
                    emit({ event: 'scanned', ...r });
                } catch (e) {
                    emit({ event: 'error', where: 'pair-code', message: String(e) });
                }
            }
        }
        if (u.receivedPendingNotifications) emit({ event: 'offline-done' });
        if (u.connection === 'open') emit({ event: 'open', me: sock.user });
        if (u.connection === 'close') {
            const code = u.lastDisconnect?.error?.output?.statusCode;
            emit({ event: 'close', code, message: u.lastDisconnect?.error?.message });
            if (!stopping && code !== DisconnectReason.loggedOut) setTimeout(start, 200);
        }
    });
    sock.ev.on('messages.upsert', ({ messages, type }) => {
        for (const m of messages) {
            if (m.key?.id) rememberMessage(m);
            emit({
                event: 'message',
                type,
                id: m.key.id,
                remoteJid: m.key.remoteJid,
                participant: m.key.participant ?? null,
                fromMe: !!m.key.fromMe,
                text: text(m.message),
                key: m.key,
                stub: m.messageStubType ?? null,
                stubParams: m.messageStubParameters ?? null,
                protocol: m.message?.protocolMessage?.type ?? null,
                media: mediaInfo(m.message)
            });
        }
    });
    sock.ev.on('messages.update', updates => {
        for (const u of updates) {
            if (u.update?.status !== undefined) emit({ event: 'status', id: u.key.id, remoteJid: u.key.remoteJid, status: u.update.status });
        }
    });
    sock.ev.on('message-receipt.update', updates => {
        for (const u of updates) emit({ event: 'receipt', id: u.key.id, remoteJid: u.key.remoteJid, receipt: u.receipt });
    });
    sock.ev.on('groups.upsert', groups => {
        for (const g of groups) emit({ event: 'group', id: g.id, subject: g.subject, participants: g.participants?.map(p => p.id) });
    });
    sock.ev.on('group-participants.update', u => emit({ event: 'group-participants', ...u }));
    sock.ev.on('groups.update', us => {
        for (const u of us) emit({ event: 'group-update', ...u });
    });
    sock.ev.on('chats.update', us => {
        for (const u of us) emit({ event: 'chat-update', id: u.id, archived: u.archived ?? null, pinned: u.pinned ?? null, mute: u.muteEndTime ?? null });
    });
    sock.ev.on('contacts.upsert', cs => emit({ event: 'contacts', ids: cs.map(c => c.id) }));
    sock.ev.on('messaging-history.set', h => emit({ event: 'history', chats: h.chats?.length ?? 0, messages: h.messages?.length ?? 0, syncType: h.syncType ?? null }));
}

function rememberMessage(m) {
    known.set(m.key.id, m);
    // Bounded: a long-running client keeps the latest messages only.
    if (known.size > 1000) known.delete(known.keys().next().value);
}

const rl = createInterface({ input: process.stdin });
rl.on('line', async line => {
    let req;
    try {
        req = JSON.parse(line);
    } catch {
        return;
    }
    try {
        switch (req.cmd) {
            case 'send': {
                const m = await sock.sendMessage(req.to, { text: req.text });
                sent.set(m.key.id, m.message);
                emit({ reply: req.id, msgId: m.key.id });
                break;
            }
            case 'sendMedia': {
                const content = { [req.kind]: { url: req.path }, mimetype: req.mimetype };
                if (req.fileName) content.fileName = req.fileName;
                if (req.caption) content.caption = req.caption;
                const m = await sock.sendMessage(req.to, content);
                sent.set(m.key.id, m.message);
                rememberMessage(m);
                emit({ reply: req.id, msgId: m.key.id, media: mediaInfo(m.message) });
                break;
            }
            case 'download': {
                const m = known.get(req.msgId);
                if (!m) throw new Error(`no message ${req.msgId} seen`);
                const buf = await downloadMediaMessage(m, 'buffer', {}, { logger, reuploadRequest: sock.updateMediaMessage });
                if (req.out) await writeFile(req.out, buf);
                emit({
                    reply: req.id,
                    length: buf.length,
                    sha256: createHash('sha256').update(buf).digest('hex'),
                    media: mediaInfo(m.message)
                });
                break;
            }
            case 'read':
                await sock.readMessages(req.keys);
                emit({ reply: req.id });
                break;
            case 'groupMetadata': {
                const meta = await sock.groupMetadata(req.jid);
                emit({ reply: req.id, meta: { id: meta.id, subject: meta.subject, participants: meta.participants.map(p => p.id) } });
                break;
            }
            case 'call': {
                // Any socket function by name, e.g. groupCreate / groupParticipantsUpdate / chatModify.
                const f = sock[req.fn];
                if (typeof f !== 'function') throw new Error(`no socket function ${req.fn}`);
                const result = await f.apply(sock, req.args || []);
                emit({ reply: req.id, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) });
                break;
            }
            case 'end':
                stopping = true;
                sock.end(undefined);
                emit({ reply: req.id });
                break;
            case 'quit':
                stopping = true;
                sock.end(undefined);
                emit({ reply: req.id });
                setTimeout(() => process.exit(0), 100);
                break;
            default:
                emit({ reply: req.id, error: `unknown command ${req.cmd}` });
        }
    } catch (e) {
        emit({ reply: req.id, error: String(e?.stack || e) });
    }
});
rl.on('close', () => process.exit(0));
start().catch(e => {
    emit({ event: 'fatal', message: String(e?.stack || e) });
    process.exit(1);
});
