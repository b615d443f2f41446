// Reference numbers for `tandem-bench codec` and `tandem-bench doc`: the same operations in Yjs, the reference
// implementation. The counterpart of pycrdt_reference.py, with the same arguments and output.
//
// Run by tandem-bench with node ($TANDEM_NODE, else `node` on PATH) when $TANDEM_YJS names a Yjs checkout (its
// src/index.js is imported; set one up with Benchmarks/yjs_setup.sh, see Docs/benchmarks.md):
//     TANDEM_YJS=.yjs/yjs node Benchmarks/yjs_reference.mjs --log automerge-paper.ylog \
//         --trace automerge-paper.json.gz --ops doc,codec,b --repeat 3
// Prints one JSON object: {"yjs": version, "node": version, "results": {name: milliseconds or bytes}}. Names match
// the rows of tandem-bench and pycrdt_reference.py (apply, encode, state_bytes, load, merge_<N>, B1.1 … B4), plus
// encode_v2 and state_v2_bytes. As with pycrdt, the whole log is not merged: Yjs's mergeUpdates is super-linear in
// the number of small updates (the 259,778 automerge-paper updates did not finish in 10 minutes).
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'

const N = 6000

function parseArgs (argv) {
  const args = { log: null, trace: null, ops: 'doc,codec,b', repeat: 3, merge: '1000,10000' }
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '')
    if (!(key in args) || i + 1 >= argv.length) throw new Error(`usage: unknown or incomplete option ${argv[i]}`)
    args[key] = key === 'repeat' ? Number(argv[i + 1]) : argv[i + 1]
  }
  return args
}

function readYlog (path) {
  const data = readFileSync(path)
  const out = []
  let i = 0
  while (i < data.length) {
    let length = 0
    let shift = 0
    for (;;) {
      const b = data[i++]
      length += (b & 0x7f) * 2 ** shift
      shift += 7
      if (b < 0x80) break
    }
    out.push(data.subarray(i, i + length))
    i += length
  }
  return out
}

function ms (f) {
  const start = performance.now()
  const value = f()
  return [performance.now() - start, value]
}

function best (repeat, f) {
  let min = Infinity
  let value
  for (let r = 0; r < repeat; r++) {
    const [t, v] = ms(f)
    min = Math.min(min, t)
    value = v
  }
  return [min, value]
}

function logOps (Y, results, updates, repeat) {
  let doc
  ;[results.apply, doc] = best(repeat, () => {
    const d = new Y.Doc()
    for (const u of updates) Y.applyUpdate(d, u)
    return d
  })
  let state
  ;[results.encode, state] = best(Math.max(repeat, 5), () => Y.encodeStateAsUpdate(doc))
  results.state_bytes = state.length
  ;[results.load] = best(Math.max(repeat, 5), () => {
    const d = new Y.Doc()
    Y.applyUpdate(d, state)
    return d
  })
  let v2
  ;[results.encode_v2, v2] = best(1, () => Y.encodeStateAsUpdateV2(doc))
  results.state_v2_bytes = v2.length
  results.text_length = doc.getText('text').length
}

function mergeOps (Y, results, updates, repeat, mergeCounts) {
  for (const n of mergeCounts) {
    const [t, merged] = best(repeat, () => Y.mergeUpdates(updates.slice(0, n)))
    results[`merge_${n}`] = t
    results[`merge_${n}_bytes`] = merged.length
  }
}

// mulberry32: a small seeded generator (the inputs have pycrdt_reference.py's shape, not its bytes).
function random (seed) {
  let a = seed
  return (n) => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n)
  }
}

function bOps (Y, results, tracePath) {
  const rand = random(42)
  const chars = Array.from({ length: N }, () => String.fromCharCode(97 + rand(26)))
  const string = chars.join('')
  const positions = Array.from({ length: N }, (_, i) => rand(i + 1))
  const words = Array.from({ length: N }, () => 'w'.repeat(2 + rand(8)))
  const numbers = Array.from({ length: N }, () => rand(0x7fffffff))
  // One transaction per operation, an update observer, client id 1: as the crdt-benchmarks harness does.
  const local = (body) => {
    const doc = new Y.Doc()
    doc.clientID = 1
    const updates = []
    doc.on('update', (u) => updates.push(u))
    return ms(() => body(doc))[0]
  }
  const cases = {
    'B1.1': (d) => { const t = d.getText('text'); for (let i = 0; i < N; i++) t.insert(i, chars[i]) },
    'B1.2': (d) => { d.getText('text').insert(0, string) },
    'B1.3': (d) => { const t = d.getText('text'); for (let i = 0; i < N; i++) t.insert(0, chars[i]) },
    'B1.4': (d) => { const t = d.getText('text'); for (let i = 0; i < N; i++) t.insert(positions[i], chars[i]) },
    'B1.5': (d) => {
      const t = d.getText('text')
      let length = 0
      for (let i = 0; i < N; i++) { t.insert(positions[i] % (length + 1), words[i]); length += words[i].length }
    },
    'B1.6': (d) => { const t = d.getText('text'); t.insert(0, string); t.delete(0, N) },
    'B1.8': (d) => { const a = d.getArray('array'); for (let i = 0; i < N; i++) a.insert(i, [numbers[i]]) },
    'B1.9': (d) => { d.getArray('array').insert(0, numbers) },
    'B1.10': (d) => { const a = d.getArray('array'); for (let i = 0; i < N; i++) a.insert(0, [numbers[i]]) }
  }
  for (const [name, body] of Object.entries(cases)) results[name] = local(body)
  const pair = () => {
    const a = new Y.Doc(); a.clientID = 1
    const b = new Y.Doc(); b.clientID = 2
    return [a, b]
  }
  ;[results['B2.1']] = ms(() => {
    const [a, b] = pair()
    a.getText('text').insert(0, string)
    b.getText('text').insert(0, [...string].reverse().join(''))
    const ua = Y.encodeStateAsUpdate(a)
    const ub = Y.encodeStateAsUpdate(b)
    Y.applyUpdate(a, ub)
    Y.applyUpdate(b, ua)
  })
  ;[results['B2.2']] = ms(() => {
    const [a, b] = pair()
    const ua = []
    const ub = []
    a.on('update', (u, origin) => { if (origin !== 'remote') ua.push(u) })
    b.on('update', (u, origin) => { if (origin !== 'remote') ub.push(u) })
    const ta = a.getText('text')
    const tb = b.getText('text')
    for (let i = 0; i < N; i++) {
      ta.insert(positions[i], chars[i])
      tb.insert(positions[N - 1 - i] % (i + 1), chars[i])
    }
    for (const u of ub) Y.applyUpdate(a, u, 'remote')
    for (const u of ua) Y.applyUpdate(b, u, 'remote')
  })
  const clients = Math.round(20 * Math.sqrt(N))
  ;[results['B3.1']] = ms(() => {
    const updates = []
    for (let c = 0; c < clients; c++) {
      const peer = new Y.Doc()
      peer.clientID = c + 10
      peer.getMap('map').set('v', c)
      updates.push(Y.encodeStateAsUpdate(peer))
    }
    const doc = new Y.Doc()
    doc.clientID = 1
    for (const u of updates) Y.applyUpdate(doc, u)
  })
  if (tracePath) {
    const trace = JSON.parse(gunzipSync(readFileSync(tracePath)).toString('utf8'))
    const patches = trace.txns.flatMap((txn) => txn.patches)
    results.B4 = local((doc) => {
      const text = doc.getText('text')
      for (const [pos, dels, ins] of patches) {
        if (dels) text.delete(pos, dels)
        if (ins) text.insert(pos, ins)
      }
      if (text.toString() !== trace.endContent) results.B4_check = 1
    })
  }
}

async function main () {
  const args = parseArgs(process.argv.slice(2))
  const checkout = process.env.TANDEM_YJS
  if (!checkout) throw new Error('set TANDEM_YJS to a Yjs checkout (Benchmarks/yjs_setup.sh)')
  const Y = await import(pathToFileURL(join(resolve(checkout), 'src/index.js')).href)
  const version = JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')).version
  const ops = new Set(args.ops.split(','))
  const results = {}
  const updates = args.log ? readYlog(args.log) : []
  const mergeCounts = args.merge.split(',').filter((n) => n).map(Number)
  if (ops.has('doc') && updates.length) logOps(Y, results, updates, args.repeat)
  if (ops.has('codec') && updates.length) mergeOps(Y, results, updates, args.repeat, mergeCounts)
  if (ops.has('b')) bOps(Y, results, args.trace)
  process.stdout.write(JSON.stringify({ yjs: version, node: process.versions.node, results }) + '\n')
}

main().catch((error) => {
  process.stderr.write(`yjs_reference: ${error.message}\n`)
  process.exit(1)
})
