import { describe, expect, it } from 'vitest';
import { parsePatch } from './patch.ts';

describe('parsePatch of a file that is not JSON', () => {
  it('says so in one line without quoting the file\'s bytes', () => {
    const bytes = String.fromCharCode(0xff, 0xaa, 0x00, 0x0a, 0x8d);
    expect(() => parsePatch(bytes)).toThrow(/^not a vmstate-explorer patch: not JSON$/);
    expect(() => parsePatch('')).toThrow('not a vmstate-explorer patch: not JSON (empty file)');
    expect(() => parsePatch('{"a":1,}')).toThrow('not a vmstate-explorer patch: not JSON (at character 7)');
  });
  it('still names the members a JSON file lacks', () => {
    expect(() => parsePatch('{"bad":true}')).toThrow('not a vmstate-explorer patch (format/version/edits)');
  });
});
