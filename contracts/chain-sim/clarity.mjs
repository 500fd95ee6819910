// Clarity value helpers for chain-sim: the node's repr, argument type checks
// against a contract ABI, and the simple JSON form the /sim/* endpoints take.
import { Cl, ClarityType, hexToCV, serializeCV, validateStacksAddress } from "@stacks/transactions";

export const toHex = (cv) => "0x" + serializeCV(cv);

/** Deserialise "0x..." Clarity hex; throws a readable error. */
export function fromHex(hex) {
  if (typeof hex !== "string" || !/^(0x)?([0-9a-fA-F]{2})+$/.test(hex)) throw new Error(`not a hex Clarity value: ${JSON.stringify(hex)}`);
  const cv = hexToCV(hex);
  if (serializeCV(cv).length !== hex.replace(/^0x/, "").length) throw new Error("trailing bytes after the Clarity value");
  return cv;
}

const escapeAscii = (s) =>
  [...s]
    .map((ch) => {
      const c = ch.charCodeAt(0);
      if (ch === '"') return '\\"';
      if (ch === "\\") return "\\\\";
      if (ch === "\n") return "\\n";
      if (ch === "\t") return "\\t";
      if (ch === "\r") return "\\r";
      if (c < 0x20 || c > 0x7e) return "\\x" + c.toString(16).padStart(2, "0");
      return ch;
    })
    .join("");

/**
 * The repr the Stacks node and API print (`tx_result.repr`, `contract_log.value.repr`):
 * principals are quoted ('ST...), tuples are `(tuple (k v) ...)` in key order.
 */
export function repr(cv) {
  switch (cv.type) {
    case ClarityType.Int:
      return String(cv.value);
    case ClarityType.UInt:
      return "u" + String(cv.value);
    case ClarityType.BoolTrue:
      return "true";
    case ClarityType.BoolFalse:
      return "false";
    case ClarityType.Buffer:
      return "0x" + cv.value;
    case ClarityType.PrincipalStandard:
    case ClarityType.PrincipalContract:
      return "'" + cv.value;
    case ClarityType.OptionalNone:
      return "none";
    case ClarityType.OptionalSome:
      return `(some ${repr(cv.value)})`;
    case ClarityType.ResponseOk:
      return `(ok ${repr(cv.value)})`;
    case ClarityType.ResponseErr:
      return `(err ${repr(cv.value)})`;
    case ClarityType.List:
      return "(list" + cv.value.map((v) => " " + repr(v)).join("") + ")";
    case ClarityType.Tuple:
      return (
        "(tuple" +
        Object.keys(cv.value)
          .sort()
          .map((k) => ` (${k} ${repr(cv.value[k])})`)
          .join("") +
        ")"
      );
    case ClarityType.StringASCII:
      return '"' + escapeAscii(cv.value) + '"';
    case ClarityType.StringUTF8:
      return (
        'u"' +
        [...cv.value]
          .map((ch) => {
            const cp = ch.codePointAt(0);
            return cp < 0x20 || cp > 0x7e ? `\\u{${cp.toString(16)}}` : escapeAscii(ch);
          })
          .join("") +
        '"'
      );
    default:
      throw new Error(`unsupported Clarity type ${cv.type}`);
  }
}

/** Plain JSON of a value: (u)ints as decimal strings, buffers 0x-hex, none null, responses {ok}/{err}. */
export function toPlain(cv) {
  switch (cv.type) {
    case ClarityType.Int:
    case ClarityType.UInt:
      return String(cv.value);
    case ClarityType.BoolTrue:
      return true;
    case ClarityType.BoolFalse:
      return false;
    case ClarityType.Buffer:
      return "0x" + cv.value;
    case ClarityType.PrincipalStandard:
    case ClarityType.PrincipalContract:
    case ClarityType.StringASCII:
    case ClarityType.StringUTF8:
      return cv.value;
    case ClarityType.OptionalNone:
      return null;
    case ClarityType.OptionalSome:
      return toPlain(cv.value);
    case ClarityType.ResponseOk:
      return { ok: toPlain(cv.value) };
    case ClarityType.ResponseErr:
      return { err: toPlain(cv.value) };
    case ClarityType.List:
      return cv.value.map(toPlain);
    case ClarityType.Tuple: {
      const o = {};
      for (const k of Object.keys(cv.value).sort()) o[k] = toPlain(cv.value[k]);
      return o;
    }
    default:
      throw new Error(`unsupported Clarity type ${cv.type}`);
  }
}

const typeName = (t) => (typeof t === "string" ? t : JSON.stringify(t));

/**
 * Why `cv` is not admitted by the ABI type `t` (clarinet-sdk contract interface
 * form: "uint128", {buffer: {length}}, {tuple: [{name, type}]}, ...), or null.
 */
export function typeMismatch(t, cv, path = "value") {
  const bad = () => `${path}: expected ${typeName(t)}, got ${cv.type}`;
  if (typeof t === "string") {
    switch (t) {
      case "uint128":
        return cv.type === ClarityType.UInt ? null : bad();
      case "int128":
        return cv.type === ClarityType.Int ? null : bad();
      case "bool":
        return cv.type === ClarityType.BoolTrue || cv.type === ClarityType.BoolFalse ? null : bad();
      case "principal":
        return cv.type === ClarityType.PrincipalStandard || cv.type === ClarityType.PrincipalContract ? null : bad();
      case "trait_reference":
        return cv.type === ClarityType.PrincipalContract ? null : bad();
      case "none":
        return bad();
      default:
        return `${path}: unsupported ABI type ${t}`;
    }
  }
  if (t.buffer) {
    if (cv.type !== ClarityType.Buffer) return bad();
    return cv.value.length / 2 <= t.buffer.length ? null : `${path}: buffer of ${cv.value.length / 2} bytes exceeds ${t.buffer.length}`;
  }
  if (t["string-ascii"]) {
    if (cv.type !== ClarityType.StringASCII) return bad();
    return cv.value.length <= t["string-ascii"].length ? null : `${path}: string-ascii longer than ${t["string-ascii"].length}`;
  }
  if (t["string-utf8"]) {
    if (cv.type !== ClarityType.StringUTF8) return bad();
    return [...cv.value].length <= t["string-utf8"].length ? null : `${path}: string-utf8 longer than ${t["string-utf8"].length}`;
  }
  if (t.optional !== undefined) {
    if (cv.type === ClarityType.OptionalNone) return null;
    if (cv.type !== ClarityType.OptionalSome) return bad();
    return typeMismatch(t.optional, cv.value, `${path}.some`);
  }
  if (t.response) {
    if (cv.type === ClarityType.ResponseOk) return typeMismatch(t.response.ok, cv.value, `${path}.ok`);
    if (cv.type === ClarityType.ResponseErr) return typeMismatch(t.response.error, cv.value, `${path}.err`);
    return bad();
  }
  if (t.list) {
    if (cv.type !== ClarityType.List) return bad();
    if (cv.value.length > t.list.length) return `${path}: list of ${cv.value.length} exceeds ${t.list.length}`;
    for (let i = 0; i < cv.value.length; i++) {
      const e = typeMismatch(t.list.type, cv.value[i], `${path}[${i}]`);
      if (e) return e;
    }
    return null;
  }
  if (t.tuple) {
    if (cv.type !== ClarityType.Tuple) return bad();
    const want = t.tuple.map((f) => f.name).sort();
    const got = Object.keys(cv.value).sort();
    if (want.join(",") !== got.join(",")) return `${path}: tuple fields {${got.join(", ")}}, expected {${want.join(", ")}}`;
    for (const f of t.tuple) {
      const e = typeMismatch(f.type, cv.value[f.name], `${path}.${f.name}`);
      if (e) return e;
    }
    return null;
  }
  return `${path}: unsupported ABI type ${typeName(t)}`;
}

/** Checks call arguments against an ABI function; returns a reason or null. */
export function argsMismatch(fn, args) {
  if (args.length !== fn.args.length) return `IncorrectArgumentCount(${fn.args.length}, ${args.length})`;
  for (let i = 0; i < args.length; i++) {
    const e = typeMismatch(fn.args[i].type, args[i], `argument ${i + 1} (${fn.args[i].name})`);
    if (e) return e;
  }
  return null;
}

/**
 * A /sim/* argument as a Clarity value:
 *   "0x0100..."                     consensus-serialised hex
 *   "u5", "'ST...", "\"text\"", ... a Clarity literal (Cl.parse)
 *   {"uint": 5}, {"int": -1}, {"bool": true}, {"principal": "wallet_1"|"ST..."|"ST....name"},
 *   {"buff": "0xab.."}, {"ascii": "s"}, {"utf8": "s"}, {"none": true}, {"some": X},
 *   {"ok": X}, {"err": X}, {"list": [X...]}, {"tuple": {"key": X}}
 * `resolve` maps account names (deployer, wallet_1, ...) to addresses.
 */
export function jsonToCV(v, resolve = (s) => s) {
  if (typeof v === "string") {
    if (/^0x/i.test(v)) return fromHex(v);
    try {
      return Cl.parse(v);
    } catch {
      throw new Error(`not a Clarity literal: ${JSON.stringify(v)}`);
    }
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`bad argument ${JSON.stringify(v)}`);
  const keys = Object.keys(v);
  if (keys.length !== 1) throw new Error(`an argument object has exactly one key (its type): ${JSON.stringify(v)}`);
  const [k] = keys;
  const x = v[k];
  const int = (n) => {
    if (typeof n === "number" && !Number.isSafeInteger(n)) throw new Error(`integer ${n} is not exact: pass it as a string`);
    if (typeof n !== "number" && !(typeof n === "string" && /^-?\d+$/.test(n))) throw new Error(`bad integer ${JSON.stringify(n)}`);
    return BigInt(n);
  };
  switch (k) {
    case "uint":
      return Cl.uint(int(x));
    case "int":
      return Cl.int(int(x));
    case "bool":
      if (typeof x !== "boolean") throw new Error("bool takes true or false");
      return Cl.bool(x);
    case "principal": {
      if (typeof x !== "string") throw new Error("principal takes a string");
      const [addr, name] = x.split(".");
      const a = resolve(addr);
      if (!validateStacksAddress(a)) throw new Error(`bad principal ${x}`);
      return name === undefined ? Cl.principal(a) : Cl.contractPrincipal(a, name);
    }
    case "buff":
      if (typeof x !== "string" || !/^(0x)?([0-9a-fA-F]{2})*$/.test(x)) throw new Error("buff takes hex");
      return Cl.bufferFromHex(x.replace(/^0x/, ""));
    case "ascii":
      if (typeof x !== "string" || !/^[\x00-\x7f]*$/.test(x)) throw new Error("ascii takes an ASCII string");
      return Cl.stringAscii(x);
    case "utf8":
      if (typeof x !== "string") throw new Error("utf8 takes a string");
      return Cl.stringUtf8(x);
    case "none":
      return Cl.none();
    case "some":
      return Cl.some(jsonToCV(x, resolve));
    case "ok":
      return Cl.ok(jsonToCV(x, resolve));
    case "err":
      return Cl.error(jsonToCV(x, resolve));
    case "list":
      if (!Array.isArray(x)) throw new Error("list takes an array");
      return Cl.list(x.map((e) => jsonToCV(e, resolve)));
    case "tuple": {
      if (x === null || typeof x !== "object" || Array.isArray(x)) throw new Error("tuple takes an object");
      const o = {};
      for (const key of Object.keys(x).sort()) o[key] = jsonToCV(x[key], resolve);
      return Cl.tuple(o);
    }
    default:
      throw new Error(`unknown argument type ${k}`);
  }
}
