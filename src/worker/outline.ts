// The section table of a model without its field trees (see protocol.ts OutlineEvent).

import type { FieldNode, StreamModel } from '../format/model.ts';

/** Field nodes in the model, counting stops at `atLeast` (the caller only asks "this many?"). */
export function fieldNodes(model: StreamModel, atLeast = Infinity): number {
  let n = 0;
  const walk = (nodes: FieldNode[]): void => {
    for (const node of nodes) {
      if (++n >= atLeast) return;
      if (node.children) walk(node.children);
    }
  };
  for (const r of model.records) {
    if (n >= atLeast) break;
    if (r.fields) walk(r.fields);
  }
  return n;
}

/** The same model, every record without `fields`: the page fills the trees in from the reply. */
export function outline(model: StreamModel): StreamModel {
  return { ...model, records: model.records.map(({ fields: _fields, ...rest }) => rest) };
}
