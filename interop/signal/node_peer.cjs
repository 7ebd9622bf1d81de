// Signal peer over baileys 6.17.16's libsignal repository (npm libsignal 6.0.0 for 1:1,
// baileys' WASignalGroup for sender keys), driven by JSON lines on stdin/stdout.
// Used by wacore/libsignal/tests/interop_node.rs. All byte fields are hex; keys are
// 33-byte (0x05-prefixed) Signal public keys; peers are JIDs ("1111@s.whatsapp.net").
//
// Requests (one JSON object per line; one response line each):
//   {"op":"bundle","oneTime":bool}                       -> {registrationId, identityKey, signedPreKey:{keyId,publicKey,signature}, preKey?:{keyId,publicKey}}
//   {"op":"inject","peer":J,"bundle":{...}}              -> {}
//   {"op":"encrypt","peer":J,"data":H}                   -> {type:"pkmsg"|"msg", ciphertext:H}
//   {"op":"decrypt","peer":J,"type":T,"ciphertext":H}    -> {data:H}
//   {"op":"group_encrypt","group":G,"me":J,"data":H}     -> {ciphertext:H, skdm:H}
//   {"op":"group_process","group":G,"author":J,"skdm":H} -> {}
//   {"op":"group_decrypt","group":G,"author":J,"ciphertext":H} -> {data:H}
//   {"op":"batch","ops":[req, ...]}                      -> {results:[resp, ...]}
// A failing request answers {"error":"..."}; inside a batch, only that entry does.
'use strict'
const readline = require('readline')
const B = require('baileys6')
const { makeLibSignalRepository } = require('baileys6/lib/Signal/libsignal')

// libsignal logs session housekeeping on the console: keep stdout for responses.
console.log = console.info = console.warn = console.error = () => {}

const creds = B.initAuthCreds()
const data = {}
const keys = {
	get: async (type, ids) =>
		Object.fromEntries(ids.map((id) => [id, data[`${type}-${id}`]]).filter(([, v]) => v != null)),
	set: async (d) => {
		for (const t in d) for (const id in d[t]) {
			const v = d[t][id]
			if (v) data[`${t}-${id}`] = v
			else delete data[`${t}-${id}`]
		}
	},
}
const repo = makeLibSignalRepository({ creds, keys })
const H = (b) => Buffer.from(b).toString('hex')
const U = (h) => Buffer.from(h, 'hex')
let nextPreKeyId = 1

const ops = {
	async bundle({ oneTime = true }) {
		const out = {
			registrationId: creds.registrationId,
			identityKey: H(B.generateSignalPubKey(creds.signedIdentityKey.public)),
			signedPreKey: {
				keyId: creds.signedPreKey.keyId,
				publicKey: H(B.generateSignalPubKey(creds.signedPreKey.keyPair.public)),
				signature: H(creds.signedPreKey.signature),
			},
		}
		if (oneTime) {
			const id = nextPreKeyId++
			const pk = B.Curve.generateKeyPair()
			await keys.set({ 'pre-key': { [id]: pk } })
			out.preKey = { keyId: id, publicKey: H(B.generateSignalPubKey(pk.public)) }
		}
		return out
	},
	async inject({ peer, bundle: b }) {
		await repo.injectE2ESession({
			jid: peer,
			session: {
				registrationId: b.registrationId,
				identityKey: U(b.identityKey),
				signedPreKey: { keyId: b.signedPreKey.keyId, publicKey: U(b.signedPreKey.publicKey), signature: U(b.signedPreKey.signature) },
				preKey: b.preKey ? { keyId: b.preKey.keyId, publicKey: U(b.preKey.publicKey) } : undefined,
			},
		})
		return {}
	},
	async encrypt({ peer, data: d }) {
		const r = await repo.encryptMessage({ jid: peer, data: U(d) })
		return { type: r.type, ciphertext: H(r.ciphertext) }
	},
	async decrypt({ peer, type, ciphertext }) {
		return { data: H(await repo.decryptMessage({ jid: peer, type, ciphertext: U(ciphertext) })) }
	},
	async group_encrypt({ group, me, data: d }) {
		const r = await repo.encryptGroupMessage({ group, meId: me, data: U(d) })
		return { ciphertext: H(r.ciphertext), skdm: H(r.senderKeyDistributionMessage) }
	},
	async group_process({ group, author, skdm }) {
		await repo.processSenderKeyDistributionMessage({
			authorJid: author,
			item: { groupId: group, axolotlSenderKeyDistributionMessage: U(skdm) },
		})
		return {}
	},
	async group_decrypt({ group, author, ciphertext }) {
		return { data: H(await repo.decryptGroupMessage({ group, authorJid: author, msg: U(ciphertext) })) }
	},
}

async function run(req) {
	try {
		if (req.op === 'batch') {
			const results = []
			for (const r of req.ops) results.push(await run(r))
			return { results }
		}
		const f = ops[req.op]
		if (!f) throw new Error(`unknown op ${req.op}`)
		return await f(req)
	} catch (e) {
		return { error: String((e && e.message) || e) }
	}
}

const rl = readline.createInterface({ input: process.stdin })
let chain = Promise.resolve()
rl.on('line', (line) => {
	chain = chain.then(async () => {
		let out
		try {
			out = await run(JSON.parse(line))
		} catch (e) {
			out = { error: `bad request: ${e}` }
		}
		process.stdout.write(JSON.stringify(out) + '\n')
	})
})
