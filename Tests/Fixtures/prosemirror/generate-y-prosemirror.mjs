// Reference data from y-prosemirror 1.3.7 itself (Tests/YCRDTTests/ProseMirrorConformanceTests.swift):
// `prosemirrorJSONToYXmlFragment` (the body of `prosemirrorJSONToYDoc`, into a doc whose clientID is 1) and
// `yXmlFragmentToProseMirrorRootNode(...).toJSON()`, with a TipTap-like schema covering cases.json.
//   cd <repo> && mkdir -p node_modules/yjs node_modules/lib0 node_modules/y-prosemirror
//   git --git-dir=/work/.mirror/yjs+yjs/repo archive v13.6.31 | tar -x -C node_modules/yjs
//   git --git-dir=/work/.mirror/dmonad+lib0/repo archive v0.2.117 | tar -x -C node_modules/lib0
//   git --git-dir=/work/.mirror/yjs+y-prosemirror/repo archive v1.3.7 src package.json | tar -x -C node_modules/y-prosemirror
//   (in node_modules/yjs/package.json point the "import" export at ./src/index.js, so both resolve to one Yjs)
//   apt-get install node-prosemirror-model node-prosemirror-state node-prosemirror-view node-prosemirror-transform
//   for p in model state view transform; do ln -s /usr/share/nodejs/prosemirror-$p node_modules/prosemirror-$p; done
//   NODE_PATH=/usr/share/nodejs node Tests/Fixtures/prosemirror/generate-y-prosemirror.mjs \
//     > Tests/Fixtures/prosemirror/y-prosemirror.json
import * as Y from 'yjs'
import { prosemirrorJSONToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from '../../../node_modules/y-prosemirror/src/lib.js'
import { Schema } from 'prosemirror-model'
import * as fs from 'fs'

const block = (content, attrs = {}) => ({ content, group: 'block', attrs })
const schema = new Schema({
  nodes: {
    doc: { content: 'block+' },
    paragraph: block('inline*', { textAlign: { default: null } }),
    heading: block('inline*', { level: { default: 1 } }),
    blockquote: block('block+'),
    bulletList: block('listItem+'),
    orderedList: block('listItem+', { start: { default: 1 } }),
    listItem: { content: 'paragraph block*' },
    taskList: block('taskItem+'),
    taskItem: { content: 'paragraph block*', attrs: { checked: { default: false } } },
    codeBlock: { ...block('text*', { language: { default: null } }), marks: '' },
    horizontalRule: block(''),
    image: block('', { src: { default: null }, alt: { default: null }, title: { default: null } }),
    table: block('tableRow+'),
    tableRow: { content: '(tableCell | tableHeader)*' },
    tableHeader: { content: 'block+', attrs: { colspan: { default: 1 }, rowspan: { default: 1 }, colwidth: { default: null } } },
    tableCell: { content: 'block+', attrs: { colspan: { default: 1 }, rowspan: { default: 1 }, colwidth: { default: null } } },
    details: block('block+', { open: { default: false } }),
    text: { group: 'inline' },
    hardBreak: { group: 'inline', inline: true }
  },
  marks: {
    link: { attrs: { href: { default: null }, target: { default: '_blank' }, rel: { default: 'noopener noreferrer nofollow' }, class: { default: null } } },
    bold: {},
    italic: {},
    strike: {},
    underline: {},
    code: {},
    highlight: { attrs: { color: { default: null } } },
    comment: { attrs: { id: { default: null } } }
  }
})

const cases = JSON.parse(fs.readFileSync(new URL('./cases.json', import.meta.url)))
const out = []
for (const { name, doc: json } of cases) {
  const doc = new Y.Doc()
  doc.clientID = 1
  const fragment = doc.getXmlFragment('prosemirror')
  let update = null
  doc.on('update', u => { update = u })
  prosemirrorJSONToYXmlFragment(schema, json, fragment)
  out.push({
    name,
    update: Buffer.from(update).toString('hex'),
    toJSON: yXmlFragmentToProseMirrorRootNode(fragment, schema).toJSON()
  })
}
// Overlapping marks (a mark type that does not exclude itself) are stored under `name--<hash>` attribute names.
{
  const spec = schema.spec
  const overlapping = new Schema({ nodes: spec.nodes, marks: spec.marks.update('comment', { attrs: { id: { default: null } }, excludes: '' }) })
  const json = { type: 'doc', content: [{ type: 'paragraph', content: [
    { type: 'text', text: 'one', marks: [{ type: 'comment', attrs: { id: 1 } }] },
    { type: 'text', text: 'both', marks: [{ type: 'comment', attrs: { id: 1 } }, { type: 'comment', attrs: { id: 2 } }] }
  ] }] }
  const doc = new Y.Doc()
  doc.clientID = 1
  const fragment = doc.getXmlFragment('prosemirror')
  prosemirrorJSONToYXmlFragment(overlapping, json, fragment)
  out.push({
    name: 'overlapping-marks',
    state: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('hex'),
    xml: fragment.toString(),
    toJSON: yXmlFragmentToProseMirrorRootNode(fragment, overlapping).toJSON()
  })
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n')
