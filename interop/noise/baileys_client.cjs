// baileys 6's WhatsApp Noise client (makeNoiseHandler), driven over JSON lines (bytes as hex), to
// test our Noise *responder* against an independent initiator. Everything the client writes goes
// through baileys' own encodeFrame (connection intro, optional edge-routing pre-intro, 3-byte
// framing, transport encryption); the server hello goes through baileys' decodeFrame.
//
//   {"op":"hello","routing_info"?:hex}       -> {"out":hex}   intro + framed clientHello
//   {"op":"server_hello","data":hex}         -> {"out":hex}   framed clientFinish; handshake done
//   {"op":"send","data":hex}                 -> {"out":hex}   one encrypted transport frame
//   {"op":"recv","data":hex}                 -> {"frames":[hex]}  decrypted transport frames
//   {"op":"sign","private":hex,"data":hex}   -> {"signature":hex}     libsignal XEdDSA
//   {"op":"verify","public":hex,"data":hex,"signature":hex} -> {"valid":bool}
// The prologue is WA 06 03 unless NOISE_HEADER_HEX says otherwise. The ClientPayload sent is a
// login payload for username 15551234567, device 7.
'use strict'
const readline = require('readline')
const B = require('baileys6')
const { proto } = require('baileys6/WAProto')
const libsignalCurve = require('libsignal/src/curve')
const logger = require('pino')({ level: 'silent' })

const H = (b) => Buffer.from(b).toString('hex')
const U = (h) => Buffer.from(h, 'hex')
const header = U(process.env.NOISE_HEADER_HEX || '57410603')
const ephemeral = B.Curve.generateKeyPair()
const noiseKey = B.Curve.generateKeyPair()
let noise = null
let pending = Buffer.alloc(0)

const CLIENT_PAYLOAD = {
	username: 15551234567,
	device: 7,
	passive: true,
	pull: true,
	userAgent: {
		platform: proto.ClientPayload.UserAgent.Platform.WEB,
		appVersion: { primary: 2, secondary: 3000, tertiary: 1023456789 },
		osVersion: '0.1',
	},
}

const ops = {
	hello: async (r) => {
		noise = B.makeNoiseHandler({
			keyPair: ephemeral,
			NOISE_HEADER: header,
			logger,
			routingInfo: r.routing_info ? U(r.routing_info) : undefined,
		})
		const hello = proto.HandshakeMessage.encode({ clientHello: { ephemeral: ephemeral.public } }).finish()
		return { out: H(noise.encodeFrame(hello)), client_static: H(noiseKey.public) }
	},
	server_hello: async (r) => {
		let frame = null
		await noise.decodeFrame(U(r.data), (f) => { frame = f })
		if (!frame) throw new Error('no complete server hello frame')
		const handshake = proto.HandshakeMessage.decode(frame)
		const keyEnc = await noise.processHandshake(handshake, noiseKey)
		const payloadEnc = noise.encrypt(proto.ClientPayload.encode(CLIENT_PAYLOAD).finish())
		const finish = proto.HandshakeMessage.encode({ clientFinish: { static: keyEnc, payload: payloadEnc } }).finish()
		const out = noise.encodeFrame(finish)
		await noise.finishInit()
		return { out: H(out) }
	},
	send: async (r) => ({ out: H(noise.encodeFrame(U(r.data))) }),
	recv: async (r) => {
		// Transport frames: split with the 3-byte length and decrypt with baileys' cipher (its
		// decodeFrame would also parse the plaintext as a binary node, which is not ours to test).
		pending = Buffer.concat([pending, U(r.data)])
		const frames = []
		while (pending.length >= 3) {
			const len = (pending[0] << 16) | pending.readUInt16BE(1)
			if (pending.length < 3 + len) break
			frames.push(H(noise.decrypt(pending.subarray(3, 3 + len))))
			pending = pending.subarray(3 + len)
		}
		return { frames }
	},
	sign: async (r) => ({ signature: H(B.Curve.sign(U(r.private), U(r.data))) }),
	// libsignal's verifySignature returns the verdict (baileys' Curve.verify ignores it, so call it
	// directly).
	verify: async (r) => ({
		valid: libsignalCurve.verifySignature(B.generateSignalPubKey(U(r.public)), U(r.data), U(r.signature)),
	}),
}

let chain = Promise.resolve()
readline.createInterface({ input: process.stdin }).on('line', (line) => {
	chain = chain.then(async () => {
		let out
		try {
			const req = JSON.parse(line)
			out = await ops[req.op](req)
		} catch (e) {
			out = { error: String((e && e.stack) || e) }
		}
		process.stdout.write(JSON.stringify(out) + '\n')
	})
})
