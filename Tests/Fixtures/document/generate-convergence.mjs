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

// Each stream twice: with the root types declared before applying (as an application does), and declared only
// afterwards (a headless replay: the roots stay plain AbstractTypes while applying, so the root text gets no
// formatting cleanup, while nested XML texts still do).
for (const name of fs.readdirSync('.').filter(n => /^convergence-\d+\.ylog$/.test(n)).sort()) {
 for (const declared of [true, false]) {
  const log = fs.readFileSync(name)
  const doc = new Y.Doc()
  const roots = () => [doc.getText('text'), doc.getMap('map'), doc.getArray('array'), doc.getXmlFragment('prosemirror')]
  if (declared) roots()
  let i = 0
  while (i < log.length) {
    let len = 0; let shift = 0; let b
    do { b = log[i++]; len += (b & 0x7f) * 2 ** shift; shift += 7 } while (b >= 0x80)
    Y.applyUpdate(doc, log.subarray(i, i + len))
    i += len
  }
  const state = Y.encodeStateAsUpdate(doc)
  const [text, map, array, xml] = roots()
  fs.writeFileSync(name.replace('.ylog', declared ? '.yjs.json' : '.yjs-undeclared.json'), JSON.stringify({
    state: { bytes: state.length, fnv1a64: fnv(state) },
    text: text.toString(),
    delta: text.toDelta(),
    map: map.toJSON(),
    array: array.toJSON(),
    prosemirror: xml.toString()
  }, null, 1) + '\n')
 }
}
