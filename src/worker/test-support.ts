// Test support: sends one request through the worker's handler in-process and returns its reply.
import { handle } from './handle.ts';
import type { Replies, Request } from './protocol.ts';
import type { Session } from './session.ts';

export async function ask<T extends keyof Replies>(s: Session, request: Request & { type: T }): Promise<Replies[T]> {
  let value: unknown;
  await handle(s, 1, request, (m) => {
    if (m.kind !== 'reply') return;
    if (!m.ok) throw new Error(m.error.message);
    value = m.value;
  });
  return value as Replies[T];
}
