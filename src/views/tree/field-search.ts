// Search by field path or value across every section, e.g. "regs" or "0xfff0".

import type { FieldNode, StreamRecord } from '../../format/model.ts';
import { formatValue } from '../common/format-value.ts';

export interface SearchHit {
  record: StreamRecord;
  node: FieldNode;
  value: string;
}

export function searchFields(records: StreamRecord[], query: string, limit = 200): { hits: SearchHit[]; more: boolean } {
  const q = query.trim().toLowerCase();
  const hits: SearchHit[] = [];
  if (!q) return { hits, more: false };
  let more = false;
  const visit = (record: StreamRecord, nodes: FieldNode[]): boolean => {
    for (const node of nodes) {
      const leaf = !node.children?.length;
      const value = leaf ? formatValue(node) : '';
      if (node.path.toLowerCase().includes(q) || (leaf && value.toLowerCase().includes(q))) {
        if (hits.length === limit) {
          more = true;
          return false;
        }
        hits.push({ record, node, value });
      }
      if (node.children && !visit(record, node.children)) return false;
    }
    return true;
  };
  for (const r of records) if (r.fields && !visit(r, r.fields)) break;
  return { hits, more };
}
