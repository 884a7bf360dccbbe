// The field tree flattened to the rows currently visible, with long arrays split into groups.

import type { FieldNode } from '../../format/model.ts';
import { GROUP_SIZE, groupKey } from '../../store/field-index.ts';

export interface TreeRow {
  key: string;
  level: number;
  parentKey: string | null;
  node?: FieldNode;
  /** A group of array elements [from, to) of the array at `arrayPath`. */
  group?: { arrayPath: string; from: number; to: number };
  expandable: boolean;
  expanded: boolean;
  posInSet: number;
  setSize: number;
}

export function treeRows(fields: FieldNode[], expanded: ReadonlySet<string>): TreeRow[] {
  const rows: TreeRow[] = [];
  const addNodes = (nodes: FieldNode[], level: number, parentKey: string | null) => {
    nodes.forEach((node, i) => {
      const expandable = (node.children?.length ?? 0) > 0;
      const open = expandable && expanded.has(node.path);
      rows.push({ key: node.path, level, parentKey, node, expandable, expanded: open, posInSet: i + 1, setSize: nodes.length });
      if (open) addChildren(node, level + 1);
    });
  };
  const addChildren = (node: FieldNode, level: number) => {
    const children = node.children!;
    if (children.length <= GROUP_SIZE) {
      addNodes(children, level, node.path);
      return;
    }
    const groups = Math.ceil(children.length / GROUP_SIZE);
    for (let g = 0; g < groups; g++) {
      const key = groupKey(node.path, g);
      const from = g * GROUP_SIZE;
      const to = Math.min(children.length, from + GROUP_SIZE);
      const open = expanded.has(key);
      rows.push({ key, level, parentKey: node.path, group: { arrayPath: node.path, from, to }, expandable: true, expanded: open, posInSet: g + 1, setSize: groups });
      if (open) {
        const start = rows.length;
        addNodes(children.slice(from, to), level + 1, key);
        // Position within the whole array, not within the slice.
        for (let i = start; i < rows.length; i++) if (rows[i].parentKey === key) rows[i] = { ...rows[i], posInSet: rows[i].posInSet + from, setSize: children.length };
      }
    }
  };
  addNodes(fields, 1, null);
  return rows;
}
