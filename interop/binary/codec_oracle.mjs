// Binary-node codec oracle for wacore-binary's interop tests: npm baileys 7 (v3 token dictionary).
// JSON lines on stdin, one answer line per request on stdout:
//   {"op":"encode","node":N}  -> {"hex":"<flag byte 00 + node bytes>"} | {"error":"..."}
//   {"op":"decode","hex":"…"} -> {"node":N}                             | {"error":"..."}
// N = {"tag":string, "attrs":[[key,value],...], "content"?: string | {"$hex":string} | [N,...]}
// Attributes travel as an ordered list of pairs so their order survives JSON; baileys itself
// keeps them in a JS object (whose key order puts integer-like keys first).
import readline from 'node:readline'
import { encodeBinaryNode, decodeBinaryNode } from 'baileys7'

const toBaileys = (n) => {
	const attrs = {}
	for (const [k, v] of n.attrs || []) attrs[k] = v
	let content = n.content
	if (Array.isArray(content)) content = content.map(toBaileys)
	else if (content && typeof content === 'object') content = Buffer.from(content.$hex, 'hex')
	const out = { tag: n.tag, attrs }
	if (content !== undefined) out.content = content
	return out
}

const fromBaileys = (n) => {
	const out = { tag: n.tag, attrs: Object.entries(n.attrs || {}) }
	if (Array.isArray(n.content)) out.content = n.content.map(fromBaileys)
	else if (typeof n.content === 'string') out.content = n.content
	else if (n.content !== undefined && n.content !== null) out.content = { $hex: Buffer.from(n.content).toString('hex') }
	return out
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
// Answer strictly in request order even though decode is async.
let chain = Promise.resolve()
rl.on('line', (line) => {
	chain = chain.then(async () => {
		let out
		try {
			const req = JSON.parse(line)
			if (req.op === 'encode') out = { hex: encodeBinaryNode(toBaileys(req.node)).toString('hex') }
			else if (req.op === 'decode') out = { node: fromBaileys(await decodeBinaryNode(Buffer.from(req.hex, 'hex'))) }
			else throw new Error('unknown op ' + req.op)
		} catch (e) {
			out = { error: String((e && e.message) || e) }
		}
		process.stdout.write(JSON.stringify(out) + '\n')
	})
})
