import protobuf from 'protobufjs';

/**
 * Reads protobuf text format (what Triton's config.pbtxt is written in) into a plain object,
 * checked field by field against a protobufjs Type: an unknown field, an enum value the schema
 * lacks, or a scalar where a message belongs is an error. protobufjs reads .proto, JSON and
 * binary but not text format, hence this reader, kept to the tests.
 */
export function parseTextFormat(text: string, type: protobuf.Type): Record<string, unknown> {
  const tokens = text.replace(/#[^\n]*/g, '').match(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[A-Za-z_][\w.]*|[{}[\]:,;<>]/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    if (i >= tokens.length) throw new Error('pbtxt: unexpected end of text');
    return tokens[i++];
  };
  const expect = (t: string) => {
    const got = next();
    if (got !== t) throw new Error(`pbtxt: expected '${t}', got '${got}' at token ${i}`);
  };

  function scalar(field: protobuf.Field): unknown {
    const tok = next();
    if (field.resolvedType instanceof protobuf.Enum) {
      if (!(tok in field.resolvedType.values)) throw new Error(`pbtxt: ${field.name}: '${tok}' is not a value of ${field.resolvedType.name}`);
      return tok;
    }
    if (field.type === 'string' || field.type === 'bytes') {
      if (!tok.startsWith('"')) throw new Error(`pbtxt: ${field.name}: expected a quoted string, got ${tok}`);
      return JSON.parse(tok) as string;
    }
    if (field.type === 'bool') {
      if (tok !== 'true' && tok !== 'false') throw new Error(`pbtxt: ${field.name}: expected true or false, got ${tok}`);
      return tok === 'true';
    }
    const n = Number(tok);
    if (!Number.isFinite(n)) throw new Error(`pbtxt: ${field.name}: expected a number, got ${tok}`);
    return n;
  }

  function value(field: protobuf.Field): unknown {
    if (field.resolvedType instanceof protobuf.Type) {
      const close = peek() === '<' ? '>' : '}';
      expect(close === '>' ? '<' : '{');
      const m = message(field.resolvedType, close);
      expect(close);
      return m;
    }
    return scalar(field);
  }

  function message(t: protobuf.Type, close: string | null): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (i < tokens.length && peek() !== close) {
      const name = next();
      const field = t.fields[name];
      if (!field) throw new Error(`pbtxt: ${t.name} has no field '${name}' (fields: ${Object.keys(t.fields).join(', ')})`);
      field.resolve();
      if (peek() === ':') next();
      const values: unknown[] = [];
      if (peek() === '[') {
        next();
        while (peek() !== ']') {
          values.push(value(field));
          if (peek() === ',') next();
        }
        next();
      } else values.push(value(field));
      if (field.repeated) out[name] = [...((out[name] as unknown[]) ?? []), ...values];
      else {
        if (values.length !== 1 || name in out) throw new Error(`pbtxt: ${t.name}.${name} is not repeated but is given ${values.length + (name in out ? 1 : 0)} values`);
        out[name] = values[0];
      }
      if (peek() === ',' || peek() === ';') next();
    }
    return out;
  }

  const result = message(type, null);
  if (i !== tokens.length) throw new Error(`pbtxt: unexpected '${peek()}' at token ${i}`);
  return result;
}
