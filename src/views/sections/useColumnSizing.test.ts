import { describe, expect, it } from 'vitest';
import { parseSizing } from './useColumnSizing.ts';

const IDS = ['type', 'device', 'status'];

describe('saved column widths', () => {
  it('keeps positive widths of known columns', () => {
    expect(parseSizing('{"device":240.4,"type":50}', IDS)).toEqual({ device: 240, type: 50 });
  });

  it('drops unknown columns, bad values and broken JSON', () => {
    expect(parseSizing('{"device":"wide","nope":30,"type":-4,"status":1e9}', IDS)).toEqual({});
    expect(parseSizing('[1,2', IDS)).toEqual({});
    expect(parseSizing('null', IDS)).toEqual({});
    expect(parseSizing(null, IDS)).toEqual({});
  });
});
