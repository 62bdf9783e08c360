// ESLint rule openmace/feature-boundaries: a feature (src/features/<name>/) may use another feature only through
// its service (<other>/<other>-service.ts, or any *-service.ts there): never its repository, validation,
// views or other internals. Cross-feature work goes through services (docs/adding-a-feature.md).
import path from 'node:path'

const FEATURES = `${path.sep}src${path.sep}features${path.sep}`

function featureOf(file) {
  const at = file.lastIndexOf(FEATURES)
  if (at === -1) return undefined
  return file.slice(at + FEATURES.length).split(path.sep)[0]
}

/** @type {import('eslint').Rule.RuleModule} */
export const featureBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: "a feature imports another feature's service only" },
    messages: {
      internal:
        "{{from}} may not import {{file}} from feature '{{feature}}': use that feature's service ({{feature}}/*-service.ts)",
    },
    schema: [],
  },
  create(context) {
    const file = context.filename
    const own = featureOf(file)
    if (own === undefined || /\.test\.ts$/.test(file)) return {}
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return
      const target = path.resolve(path.dirname(file), source)
      const other = featureOf(target)
      if (other === undefined || other === own) return
      if (/-service\.ts$/.test(path.basename(target))) return
      context.report({
        node,
        messageId: 'internal',
        data: { from: `feature '${own}'`, file: path.basename(target), feature: other },
      })
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    }
  },
}

export default { rules: { 'feature-boundaries': featureBoundaries } }
