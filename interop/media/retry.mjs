// Media-retry crypto through Baileys 7's own functions (encryptMediaRetryRequest,
// decryptMediaRetryData). One JSON command per stdin line, one JSON answer per stdout line.
//   {"op":"request","mediaKey":hex,"id":..,"remoteJid":..,"fromMe":bool,"participant":..,"me":..}
//     -> {"attrs":{...},"rmr":{...},"encP":hex,"encIv":hex}
//   {"op":"decrypt","mediaKey":hex,"id":..,"ciphertext":hex,"iv":hex}
//     -> {"stanzaId":..,"directPath":..,"result":n} or {"error":msg}
import { createInterface } from 'node:readline';
import {
  encryptMediaRetryRequest,
  decryptMediaRetryData,
} from 'baileys7/lib/Utils/messages-media.js';

const child = (node, tag) => (node.content || []).find((c) => c.tag === tag);
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  const cmd = JSON.parse(line);
  let out;
  try {
    const mediaKey = Buffer.from(cmd.mediaKey, 'hex');
    if (cmd.op === 'request') {
      const key = {
        id: cmd.id,
        remoteJid: cmd.remoteJid,
        fromMe: cmd.fromMe,
        participant: cmd.participant || undefined,
      };
      const node = await encryptMediaRetryRequest(key, mediaKey, cmd.me);
      const enc = child(node, 'encrypt');
      out = {
        attrs: node.attrs,
        rmr: child(node, 'rmr').attrs,
        encP: Buffer.from(child(enc, 'enc_p').content).toString('hex'),
        encIv: Buffer.from(child(enc, 'enc_iv').content).toString('hex'),
      };
    } else if (cmd.op === 'decrypt') {
      const n = decryptMediaRetryData(
        { ciphertext: Buffer.from(cmd.ciphertext, 'hex'), iv: Buffer.from(cmd.iv, 'hex') },
        mediaKey,
        cmd.id,
      );
      out = { stanzaId: n.stanzaId, directPath: n.directPath, result: n.result };
    } else {
      out = { error: `unknown op ${cmd.op}` };
    }
  } catch (e) {
    out = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
