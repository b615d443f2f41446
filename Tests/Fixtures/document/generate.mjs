// Reference data for Tests/YCRDTTests/DocumentStateTests.swift, produced by Yjs 13.6.31.
//   mkdir -p node_modules/yjs node_modules/lib0
//   git --git-dir=/work/.mirror/yjs+yjs/repo archive v13.6.31 | tar -x -C node_modules/yjs
//   git --git-dir=/work/.mirror/dmonad+lib0/repo archive v0.2.117 | tar -x -C node_modules/lib0
//   node generate.mjs /work/shared > automerge-paper.state.json   (imports ./node_modules/yjs/src/index.js)
import * as Y from './node_modules/yjs/src/index.js'
import * as fs from 'fs'

const shared = process.argv[2] || '../../../../shared'
const log = fs.readFileSync(`${shared}/fixtures/yjs/automerge-paper.ylog`)

// FNV-1a, 64 bit, over the bytes.
const fnv = bytes => {
  let h = 0xcbf29ce484222325n
  for (const b of bytes) { h ^= BigInt(b); h = (h * 0x100000001b3n) & 0xffffffffffffffffn }
  return h.toString(16).padStart(16, '0')
}

const doc = new Y.Doc()
let i = 0
let count = 0
while (i < log.length) {
  let len = 0; let shift = 0; let b
  do { b = log[i++]; len |= (b & 0x7f) << shift; shift += 7 } while (b >= 0x80)
  Y.applyUpdate(doc, log.subarray(i, i + len))
  i += len
  count++
}
const state = Y.encodeStateAsUpdate(doc)
const stateV2 = Y.encodeStateAsUpdateV2(doc)
console.log(JSON.stringify({
  updates: count,
  textLength: doc.getText('text').length,
  stateV1: { bytes: state.length, fnv1a64: fnv(state) },
  stateV2: { bytes: stateV2.length, fnv1a64: fnv(stateV2) },
  stateVector: fnv(Y.encodeStateVector(doc))
}, null, 1))
