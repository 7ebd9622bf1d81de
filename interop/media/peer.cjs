// Media oracle: baileys 6.17.16's own encryptedStream (encryption) and
// downloadContentFromMessage (decryption, fetched over loopback HTTP from this process),
// driven by newline-delimited JSON on stdin/stdout. Files are passed by path; bytes are hex.
//
//   {"op":"encrypt","type":T,"in":PATH,"out":PATH}
//       -> {"mediaKey":H,"fileSha256":H,"fileEncSha256":H,"fileLength":n,"mac":H}
//   {"op":"decrypt","type":T,"mediaKey":H,"in":PATH,"out":PATH}
//       -> {"macOk":bool,"fileSha256":H,"fileLength":n}
//
// T is a baileys media type key ("image", "md-app-state", "thumbnail-link", ...). Baileys 6
// knows no sticker-pack types; for "sticker-pack" and "thumbnail-sticker-pack" this script
// adds whatsmeow's names to baileys' table, so those two check the crypto, not the names.
// baileys' download does not check the 10-byte MAC, so "decrypt" also recomputes it with the
// MAC key baileys' getMediaKeys derives.
'use strict'
const fs = require('fs')
const http = require('http')
const crypto = require('crypto')
const readline = require('readline')
const Defaults = require('baileys6/lib/Defaults')
const media = require('baileys6/lib/Utils/messages-media')

Defaults.MEDIA_HKDF_KEY_MAPPING['sticker-pack'] = 'Sticker Pack'
Defaults.MEDIA_HKDF_KEY_MAPPING['thumbnail-sticker-pack'] = 'Sticker Pack Thumbnail'

const H = (b) => Buffer.from(b).toString('hex')
const sha256 = (b) => crypto.createHash('sha256').update(b).digest()

// One loopback server serves whatever file the current decrypt request names.
let serving = null
const server = http.createServer((req, res) => {
	res.writeHead(200, { 'content-type': 'application/octet-stream' })
	fs.createReadStream(serving).pipe(res)
})
const listening = new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))

const ops = {
	async encrypt({ type, in: input, out }) {
		const r = await media.encryptedStream({ url: input }, type)
		const chunks = []
		for await (const c of r.encWriteStream) chunks.push(c)
		fs.writeFileSync(out, Buffer.concat(chunks))
		return {
			mediaKey: H(r.mediaKey), fileSha256: H(r.fileSha256), fileEncSha256: H(r.fileEncSha256),
			fileLength: r.fileLength, mac: H(r.mac),
		}
	},
	async decrypt({ type, mediaKey, in: input, out }) {
		await listening
		serving = input
		const url = `http://127.0.0.1:${server.address().port}/media`
		const stream = await media.downloadContentFromMessage({ mediaKey: Buffer.from(mediaKey, 'hex'), directPath: '/media', url }, type)
		const chunks = []
		for await (const c of stream) chunks.push(c)
		const plain = Buffer.concat(chunks)
		fs.writeFileSync(out, plain)
		const upload = fs.readFileSync(input)
		const { iv, macKey } = await media.getMediaKeys(Buffer.from(mediaKey, 'hex'), type)
		const mac = crypto.createHmac('sha256', macKey).update(iv).update(upload.subarray(0, -10)).digest().subarray(0, 10)
		return { macOk: mac.equals(upload.subarray(-10)), fileSha256: H(sha256(plain)), fileLength: plain.length }
	},
}

const rl = readline.createInterface({ input: process.stdin })
let queue = Promise.resolve()
rl.on('line', (line) => {
	queue = queue.then(async () => {
		let reply
		try {
			const req = JSON.parse(line)
			const op = ops[req.op]
			reply = op ? await op(req) : { error: `unknown op ${req.op}` }
		} catch (e) {
			reply = { error: String(e && e.message ? e.message : e) }
		}
		process.stdout.write(JSON.stringify(reply) + '\n')
	})
})
rl.on('close', () => queue.then(() => server.close()))
