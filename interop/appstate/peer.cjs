// App-state oracle: baileys 6.17.16's own LTHash, encodeSyncdPatch, decodePatches and
// decodeSyncdSnapshot, driven by newline-delimited JSON on stdin/stdout. One request per
// line, one response per line; errors come back as {"error": "..."}.
//
// Encodings: all bytes are hex (this script converts key ids and index-MAC map keys to the
// base64 baileys keys them by). A state is {version, hash, indexValueMap: {hex(indexMac):
// hex(valueMac)}}. Keys are {hex(keyId): hex(keyData)}. SyncActionValue and SyncdPatch/SyncdSnapshot travel
// as protobuf bytes (hex), so both sides compare exact messages.
//
//   {"op":"lthash","base":H,"add":[H],"sub":[H]}              -> {"hash":H}
//   {"op":"encode","name":N,"keyId":H,"keys":K,"state":S,
//    "index":[..],"value":H,"apiVersion":n,"operation":0|1}    -> {"patch":H,"state":S}
//   {"op":"decode","name":N,"patch":H,"state":S,"keys":K}      -> {"state":S,"mutations":[{index,value:H}]}
//   {"op":"decode_snapshot","name":N,"snapshot":H,"keys":K}    -> {"state":S,"mutations":[...]}
'use strict'
const readline = require('readline')
const { proto } = require('baileys6/WAProto')
const chat = require('baileys6/lib/Utils/chat-utils')
const { LT_HASH_ANTI_TAMPERING } = require('baileys6/lib/Utils/lt-hash')

const U = (h) => Buffer.from(h, 'hex')
const H = (b) => Buffer.from(b).toString('hex')
const hexToB64 = (h) => U(h).toString('base64')
const b64ToHex = (b) => Buffer.from(b, 'base64').toString('hex')

const stateIn = (s) => ({
	version: s.version,
	hash: U(s.hash),
	indexValueMap: Object.fromEntries(Object.entries(s.indexValueMap).map(([k, v]) => [hexToB64(k), { valueMac: U(v) }])),
})
const stateOut = (s) => ({
	version: Number(s.version),
	hash: H(s.hash),
	indexValueMap: Object.fromEntries(Object.entries(s.indexValueMap).map(([k, v]) => [b64ToHex(k), H(v.valueMac)])),
})
const keyGetter = (keys) => async (b64) => {
	const data = keys[b64ToHex(b64)]
	return data ? { keyData: U(data) } : undefined
}
const mutationsOut = (map) => Object.values(map).map((m) => ({
	index: m.index,
	value: m.syncAction.value ? H(proto.SyncActionValue.encode(m.syncAction.value).finish()) : null,
}))

const ops = {
	async lthash({ base, add, sub }) {
		const buf = (h) => new Uint8Array(U(h)).buffer
		const out = await LT_HASH_ANTI_TAMPERING.subtractThenAdd(buf(base), add.map(buf), sub.map(buf))
		return { hash: H(Buffer.from(out)) }
	},
	async encode({ name, keyId, keys, state, index, value, apiVersion, operation }) {
		const syncAction = proto.SyncActionValue.decode(U(value))
		const { patch, state: next } = await chat.encodeSyncdPatch(
			{ type: name, index, syncAction, apiVersion, operation },
			hexToB64(keyId), stateIn(state), keyGetter(keys))
		return { patch: H(proto.SyncdPatch.encode(patch).finish()), state: stateOut(next) }
	},
	async decode({ name, patch, state, keys }) {
		const msg = proto.SyncdPatch.decode(U(patch))
		// As baileys' extractSyncdPatches does for patches that carry no version.
		if (!msg.version) msg.version = { version: state.version + 1 }
		const { state: next, mutationMap } = await chat.decodePatches(
			name, [msg], stateIn(state), keyGetter(keys), undefined, undefined, undefined, true)
		return { state: stateOut(next), mutations: mutationsOut(mutationMap) }
	},
	async decode_snapshot({ name, snapshot, keys }) {
		const msg = proto.SyncdSnapshot.decode(U(snapshot))
		const { state, mutationMap } = await chat.decodeSyncdSnapshot(name, msg, keyGetter(keys), undefined, true)
		return { state: stateOut(state), mutations: mutationsOut(mutationMap) }
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
