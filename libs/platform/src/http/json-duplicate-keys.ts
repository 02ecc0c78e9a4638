/**
 * The first key that appears twice in one JSON object of `text`, as a dotted path, or
 * undefined. JSON.parse keeps the last of two equal keys silently, so `{"amount":1,"amount":
 * 100000}` means one thing to us and another to a proxy or a log reader that keeps the first
 * (issue 12, item 9: such bodies are 422). Keys are compared decoded (`"a"` equals `"\u0061"`).
 * One pass over at most 64 KiB; text that is not JSON is left to the parser to refuse.
 */
export function duplicateJsonKey(text: string): string | undefined {
  const QUOTE = 34;
  const BACKSLASH = 92;
  interface Frame {
    keys?: Set<string>;
    expectKey: boolean;
    name: string;
  }
  const stack: Frame[] = [];
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      // Jump to the closing quote: one not preceded by an odd number of backslashes.
      let end = text.indexOf('"', start + 1);
      while (end > 0) {
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end < 0) return undefined;
      i = end;
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const raw = text.slice(start + 1, i);
        const key = raw.includes('\\') ? decode(text.slice(start, i + 1)) : raw;
        const path = top.name ? `${top.name}.${key}` : key;
        if (top.keys.has(key)) return path;
        top.keys.add(key);
        top.expectKey = false;
        lastKey = path;
      }
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      const top = stack[stack.length - 1];
      const name = top?.keys ? lastKey : (top?.name ?? '');
      stack.push(c === 123 ? { keys: new Set(), expectKey: true, name } : { expectKey: false, name });
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      stack.pop();
    } else if (c === 44 /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
  return undefined;
}

function decode(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted;
  }
}
