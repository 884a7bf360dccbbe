// Pulling the vmdesc JSON out of a migration stream, and a JSON reader that reports duplicate keys
// (scripts/make-vmdesc-library.mjs).

// ------------------------------------------------------------------------------------------------
// vmdesc extraction and a duplicate-key-aware JSON reader

/** Returns {machine, json} from a migration stream buffer (format.md §4, §5.1), or throws. */
export function extractVmdesc(buf) {
  if (buf.length < 16 || buf.readUInt32BE(0) !== 0x5145564d) throw new Error('not a QEVM stream');
  let machine = null;
  if (buf[8] === 0x07) {
    const len = buf.readUInt32BE(9);
    machine = buf.subarray(13, 13 + len).toString('latin1');
  }
  // ... 00 (EOF) | 06 | be32 json_len | json; the JSON runs to the end of the file.
  for (let pos = buf.length - 7; pos >= 8; pos--) {
    if (buf[pos] === 0x00 && buf[pos + 1] === 0x06 && buf.readUInt32BE(pos + 2) === buf.length - pos - 6 && buf[pos + 6] === 0x7b) {
      return { machine, json: buf.subarray(pos + 6).toString('utf8') };
    }
  }
  throw new Error('no vmdesc JSON at the end of the stream');
}

/**
 * JSON.parse-compatible reader (later duplicate keys win, as with JSON.parse) that also reports
 * duplicate keys: QEMU repeats the element-vmsd keys of qtailq/qlist/gtree fields once per element
 * (format.md §3.7). For such objects the values of every occurrence are kept in `dups`.
 */
export function parseJsonWithDuplicates(text) {
  let i = 0;
  const dupObjects = [];
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const fail = (what) => {
    throw new Error(`JSON: ${what} at ${i}`);
  };
  function value() {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = {};
      let dups = null;
      ws();
      if (text[i] === '}') return i++, obj;
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected key');
        const k = string();
        ws();
        if (text[i++] !== ':') fail('expected :');
        const v = value();
        if (Object.prototype.hasOwnProperty.call(obj, k)) {
          dups ??= new Map();
          if (!dups.has(k)) dups.set(k, [obj[k]]);
          dups.get(k).push(v);
        }
        obj[k] = v;
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; break; }
        fail('expected , or }');
      }
      if (dups) dupObjects.push({ obj, dups });
      return obj;
    }
    if (c === '[') {
      i++;
      const arr = [];
      ws();
      if (text[i] === ']') return i++, arr;
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; break; }
        fail('expected , or ]');
      }
      return arr;
    }
    if (c === '"') return string();
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 40));
    if (!m) fail('unexpected character');
    i += m[0].length;
    return JSON.parse(m[0]);
  }
  function string() {
    const start = i;
    i++;
    while (text[i] !== '"') {
      if (text[i] === '\\') i++;
      i++;
      if (i >= text.length) fail('unterminated string');
    }
    i++;
    return JSON.parse(text.slice(start, i));
  }
  const result = value();
  ws();
  if (i !== text.length) fail('trailing data');
  return { result, dupObjects };
}
