import { GatewayDecodeError } from './errors.js';

/** A JSON number kept as written, so 64-bit integers keep every digit. */
export class JsonNumber {
  constructor(readonly raw: string) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | Map<string, JsonValue>;

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Reads a stream of JSON values one at a time, as Go's json.Decoder does for grpc-gateway: a
 * body may hold several values (a watch or keep-alive stream), whitespace between them. Error
 * texts follow Go's, since the gateway sends them to the client.
 */
export class JsonReader {
  private pos = 0;

  constructor(private readonly text: string) {}

  /** How many characters the values read so far took, with the whitespace after them. */
  get offset(): number {
    this.skip();
    return this.pos;
  }

  /** The next value, or undefined at the end of the input. Throws GatewayDecodeError. */
  next(): JsonValue | undefined {
    this.skip();
    if (this.pos >= this.text.length) return undefined;
    return this.value('looking for beginning of value');
  }

  private skip(): void {
    while (this.pos < this.text.length && WS.has(this.text.charCodeAt(this.pos))) this.pos++;
  }

  private fail(context: string): never {
    if (this.pos >= this.text.length) throw new GatewayDecodeError('unexpected EOF');
    throw new GatewayDecodeError(`invalid character ${quoteChar(this.text[this.pos] ?? '')} ${context}`);
  }

  private value(context: string): JsonValue {
    this.skip();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === 't') return this.literal('true', true);
    if (c === 'f') return this.literal('false', false);
    if (c === 'n') return this.literal('null', null);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    return this.fail(context);
  }

  private literal<T extends JsonValue>(word: string, v: T): T {
    for (let i = 0; i < word.length; i++, this.pos++) {
      if (this.text[this.pos] !== word[i]) this.fail(`in literal ${word} (expecting ${quoteChar(word[i] ?? '')})`);
    }
    return v;
  }

  private number(): JsonNumber {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (m === null) {
      this.pos++;
      return this.fail('in numeric literal');
    }
    this.pos += m[0].length;
    return new JsonNumber(m[0]);
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '"') {
        this.pos++;
        try {
          return JSON.parse(this.text.slice(start, this.pos)) as string;
        } catch {
          this.pos = start;
          return this.fail('in string literal');
        }
      }
      this.pos += c === '\\' ? 2 : 1;
    }
    return this.fail('in string literal');
  }

  private object(): Map<string, JsonValue> {
    const out = new Map<string, JsonValue>();
    this.pos++;
    this.skip();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skip();
      if (this.text[this.pos] !== '"') this.fail('looking for beginning of object key string');
      const key = this.string();
      this.skip();
      if (this.text[this.pos] !== ':') this.fail('after object key');
      this.pos++;
      out.set(key, this.value('looking for beginning of value'));
      this.skip();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return out;
      if (c !== ',') {
        this.pos--;
        this.fail('after object key:value pair');
      }
    }
  }

  private array(): JsonValue[] {
    const out: JsonValue[] = [];
    this.pos++;
    this.skip();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value('looking for beginning of value'));
      this.skip();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return out;
      if (c !== ',') {
        this.pos--;
        this.fail('after array element');
      }
    }
  }
}

/** A character as Go's JSON errors quote it. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const q = JSON.stringify(c);
  return `'${q.slice(1, -1)}'`;
}
