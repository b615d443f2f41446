// Reference data for Tests/YCRDTTests/ProseMirrorConformanceTests.swift, produced by Yjs 13.6.31.
//
// y-prosemirror itself needs prosemirror-model/-state/-view, which are not available here, so this script applies
// y-prosemirror v1.3.7's `prosemirrorJSONToYDoc` steps by hand with the Yjs API (its sync-plugin.js
// `updateYFragment` on an empty fragment: `createTypeFromElementNode` sets the non-null attrs, except `ychange`, on a
// prelim Y.XmlElement and inserts the children; `normalizePNodeContent` groups adjacent text nodes into one
// Y.XmlText filled by `applyDelta` with `marksToAttributes` (mark type -> mark attrs, {} when none)), and its
// lib.js `yXmlFragmentToProsemirrorJSON` for the JSON read back.
//   cd <repo> && mkdir -p node_modules/yjs node_modules/lib0
//   git --git-dir=/work/.mirror/yjs+yjs/repo archive v13.6.31 | tar -x -C node_modules/yjs
//   git --git-dir=/work/.mirror/dmonad+lib0/repo archive v0.2.117 | tar -x -C node_modules/lib0
//   node Tests/Fixtures/prosemirror/generate.mjs > Tests/Fixtures/prosemirror/expected.json
import * as Y from '../../../node_modules/yjs/src/index.js'
import * as fs from 'fs'

const cases = JSON.parse(fs.readFileSync(new URL('./cases.json', import.meta.url)))

const marksToAttributes = marks => {
  const attrs = {}
  for (const mark of marks || []) {
    if (mark.type !== 'ychange') attrs[mark.type] = mark.attrs || {}
  }
  return attrs
}

const normalize = content => {
  const res = []
  for (let i = 0; i < content.length; i++) {
    if (content[i].type === 'text') {
      const texts = []
      while (i < content.length && content[i].type === 'text') texts.push(content[i++])
      i--
      res.push(texts)
    } else {
      res.push(content[i])
    }
  }
  return res
}

const toY = node => {
  if (Array.isArray(node)) {
    const text = new Y.XmlText()
    text.applyDelta(node.map(n => ({ insert: n.text, attributes: marksToAttributes(n.marks) })))
    return text
  }
  const el = new Y.XmlElement(node.type)
  for (const key in node.attrs || {}) {
    const value = node.attrs[key]
    if (value !== null && key !== 'ychange') el.setAttribute(key, value)
  }
  el.insert(0, normalize(node.content || []).map(toY))
  return el
}

const yattr2markname = name => /(.*)(--[a-zA-Z0-9+/=]{8})$/.exec(name)?.[1] ?? name

const serialize = item => {
  if (item instanceof Y.XmlText) {
    return item.toDelta().map(d => {
      const text = { type: 'text', text: d.insert }
      if (d.attributes) {
        text.marks = Object.keys(d.attributes).map(type => ({ type: yattr2markname(type), attrs: d.attributes[type] }))
      }
      return text
    })
  }
  const response = { type: item.nodeName }
  const attrs = item.getAttributes()
  if (Object.keys(attrs).length) response.attrs = attrs
  const children = item.toArray()
  if (children.length) response.content = children.map(serialize).flat()
  return response
}

const out = []
for (const { name, doc: json } of cases) {
  const doc = new Y.Doc()
  doc.clientID = 1
  const fragment = doc.getXmlFragment('prosemirror')
  let update = null
  doc.on('update', u => { update = u })
  doc.transact(() => { fragment.insert(0, normalize(json.content || []).map(toY)) })
  out.push({
    name,
    update: Buffer.from(update).toString('hex'),
    state: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('hex'),
    xml: fragment.toString(),
    yProsemirrorJSON: { type: 'doc', content: fragment.toArray().map(serialize).flat() }
  })
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n')
