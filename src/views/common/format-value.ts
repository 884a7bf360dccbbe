// How a decoded value reads in the tree, the hex tooltips and the search: each field type's entry
// (format/field-types/) says it; containers get a summary here.

import { leafType } from '../../format/field-types/index.ts';
import type { FieldNode } from '../../format/model.ts';

export { intText } from '../../format/field-types/index.ts';

/** Display text of a node's value; containers get a summary. */
export function formatValue(node: FieldNode): string {
  const n = node.children?.length ?? 0;
  switch (node.kind) {
    case 'array':
      return `${n} element${n === 1 ? '' : 's'}`;
    case 'list':
      return `${n} item${n === 1 ? '' : 's'}`;
    case 'subsection':
      return `version ${node.version ?? '?'}`;
    case 'struct':
      return node.version !== undefined ? `version ${node.version}` : '';
  }
  if (node.value === undefined) return '';
  return leafType(node).display(node.value, node.size);
}

/** The text put on the clipboard: the full value, not the preview. */
export function copyText(node: FieldNode): string {
  if (node.children || node.value === undefined) return formatValue(node);
  return leafType(node).copy(node.value, node.size) || formatValue(node);
}
