// The CONFIGURATION record (format.md §5.1; migration/savevm.c vmstate_configuration): machine
// type, and the subsections that change how the rest of the stream is read.

import { latin1, type Cursor } from './cursor.ts';
import type { Problem } from './errors.ts';
import { CONFIGURATION_BODY } from './descriptions.ts';
import type { FieldNode } from './model.ts';
import { decodeBody, newContext } from './vmsd-decoder.ts';

export interface Configuration {
  fields: FieldNode[];
  machine: string;
  /** From configuration/target-page-bits (variable-page targets such as ARM). */
  pageBits?: number;
  /** Validated capabilities (configuration/capabilities), e.g. x-ignore-shared, mapped-ram. */
  capabilities: string[];
  problems: Problem[];
}

export function decodeConfiguration(c: Cursor): Configuration {
  // Not strict: the built-in description lists every optional subsection.
  const ctx = newContext(false);
  const fields = decodeBody(c, CONFIGURATION_BODY, 'configuration/', ctx);
  const name = fields.find((f) => f.name === 'name')?.value;
  const machine = name instanceof Uint8Array ? latin1(name) : '';
  const sub = (name: string) => fields.find((f) => f.name === name)?.children ?? [];
  const bits = sub('configuration/target-page-bits').find((f) => f.name === 'target_page_bits')?.value;
  const caps = sub('configuration/capabilities').find((f) => f.name === 'capabilities')?.children?.map((n) => String(n.value)) ?? [];
  return { fields, machine, pageBits: typeof bits === 'number' ? bits : undefined, capabilities: caps, problems: ctx.problems };
}
