// JSON that keeps u64 counters exact. Node 20's JSON cannot print a BigInt, nor read an
// integer above 2^53 without rounding it; beostat --json prints counters up to 2^64-1, so
// these two functions print BigInts as plain integers and read large integers back as
// BigInts (every other number as a number).

/** JSON text of value, with BigInts printed as integers. indent as JSON.stringify's. */
export function stringify(value: unknown, indent = 0): string {
  const pad = (depth: number): string => (indent ? "\n" + " ".repeat(indent * depth) : "");
  const colon = indent ? ": " : ":";
  const walk = (v: unknown, depth: number): string => {
    if (v === null || v === undefined) return "null";
    switch (typeof v) {
      case "bigint":
        return v.toString();
      case "number":
        return Number.isFinite(v) ? String(v) : "null";
      case "string":
      case "boolean":
        return JSON.stringify(v);
      case "object": {
        if (Array.isArray(v)) {
          if (v.length === 0) return "[]";
          return `[${v.map((x) => pad(depth + 1) + walk(x, depth + 1)).join(",")}${pad(depth)}]`;
        }
        const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
        if (entries.length === 0) return "{}";
        return `{${entries.map(([k, x]) => pad(depth + 1) + JSON.stringify(k) + colon + walk(x, depth + 1)).join(",")}${pad(depth)}}`;
      }
      default:
        return "null";
    }
  };
  return walk(value, 0);
}

/** Parses JSON text; integers beyond Number.MAX_SAFE_INTEGER become BigInts. Throws SyntaxError on bad input. */
export function parse(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`JSON: ${what} at offset ${i}`);
  };
  const space = (): void => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const value = (): unknown => {
    space();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: Record<string, unknown> = {};
      space();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail("expected a key");
        const key = str();
        space();
        if (text[i++] !== ":") fail("expected ':'");
        obj[key] = value();
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return obj;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr: unknown[] = [];
      space();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return arr;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith("true", i)) return (i += 4), true;
    if (text.startsWith("false", i)) return (i += 5), false;
    if (text.startsWith("null", i)) return (i += 4), null;
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail("unexpected character");
    i += m[0].length;
    if (!m[2] && !m[3]) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    return Number(m[0]);
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail("unterminated string");
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value();
  space();
  if (i !== text.length) fail("trailing characters");
  return v;
}
