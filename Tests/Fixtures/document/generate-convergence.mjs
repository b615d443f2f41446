// Yjs 13.6.31's view of the convergence streams (convergence-*.ylog, written by ConvergenceTests): each stream is
// applied in order to a fresh Y.Doc; the state bytes (size, FNV-1a 64) and content are recorded for
// Tests/YCRDTTests/YjsStreamTests.swift. Same node_modules setup as generate.mjs:
//   node generate-convergence.mjs   (run in this folder; imports ./node_modules/yjs/src/index.js)
import * as Y from './node_modules/yjs/src/index.js'
import * as fs from 'fs'

const fnv = bytes => {
  let h = 0xcbf29ce484222325n
  for (const b of bytes) { h ^= BigInt(b); h = (h * 0x100000001b3n) & 0xffffffffffffffffn }
  return h.toString(16).padStart(16, '0')
}

for (const name of fs.readdirSync('.').filter(n => /^convergence-\d+\.ylog$/.test(n)).sort()) {
  const log = fs.readFileSync(name)
  const doc = new Y.Doc()
  // Declare the root types first, as an application would.
  const text = doc.getText('text')
  const map = doc.getMap('map')
  const array = doc.getArray('array')
  const xml = doc.getXmlFragment('prosemirror')
  let i = 0
  while (i < log.length) {
    let len = 0; let shift = 0; let b
    do { b = log[i++]; len += (b & 0x7f) * 2 ** shift; shift += 7 } while (b >= 0x80)
    Y.applyUpdate(doc, log.subarray(i, i + len))
    i += len
  }
  const state = Y.encodeStateAsUpdate(doc)
  fs.writeFileSync(name.replace('.ylog', '.yjs.json'), JSON.stringify({
    state: { bytes: state.length, fnv1a64: fnv(state) },
    text: text.toString(),
    delta: text.toDelta(),
    map: map.toJSON(),
    array: array.toJSON(),
    prosemirror: xml.toString()
  }, null, 1) + '\n')
}
