// Devnet account keys, derived from the public test mnemonics in
// settings/Devnet.toml the way Clarinet and the Stacks wallets do it:
// BIP39 seed (no passphrase) -> BIP32 path m/44'/5757'/0'/0/0 -> secp256k1 key.
//
// These mnemonics are Clarinet's well-known test phrases: the keys are public
// and must never hold anything of value.
import { createHmac, pbkdf2Sync } from "node:crypto";
import { readFileSync } from "node:fs";
import { getAddressFromPrivateKey, privateKeyToPublic } from "@stacks/transactions";

export const STACKS_PATH = "m/44'/5757'/0'/0/0";
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n; // secp256k1 order
const HARDENED = 0x80000000;

const hex = (b) => Buffer.from(b).toString("hex");
const big = (b) => BigInt("0x" + hex(b));
const ser256 = (n) => Buffer.from(n.toString(16).padStart(64, "0"), "hex");
const ser32 = (i) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(i >>> 0);
  return b;
};

export function mnemonicToSeed(mnemonic, passphrase = "") {
  const m = mnemonic.normalize("NFKD").trim().split(/\s+/).join(" ");
  return pbkdf2Sync(m, ("mnemonic" + passphrase).normalize("NFKD"), 2048, 64, "sha512");
}

/** BIP32 private derivation; returns the 32-byte private key as hex. */
export function derivePrivateKey(seed, path = STACKS_PATH) {
  let I = createHmac("sha512", "Bitcoin seed").update(seed).digest();
  let k = big(I.subarray(0, 32));
  let c = I.subarray(32);
  const parts = path.split("/");
  if (parts.shift() !== "m") throw new Error(`bad path ${path}`);
  for (const part of parts) {
    const hardened = part.endsWith("'");
    const i = Number.parseInt(hardened ? part.slice(0, -1) : part, 10) + (hardened ? HARDENED : 0);
    const data = hardened
      ? Buffer.concat([Buffer.alloc(1), ser256(k), ser32(i)])
      : Buffer.concat([Buffer.from(privateKeyToPublic(hex(ser256(k)) + "01"), "hex"), ser32(i)]);
    I = createHmac("sha512", c).update(data).digest();
    const il = big(I.subarray(0, 32));
    if (il >= N) throw new Error("invalid child key (IL >= n)");
    k = (il + k) % N;
    if (k === 0n) throw new Error("invalid child key (zero)");
    c = I.subarray(32);
  }
  return hex(ser256(k));
}

/** `[accounts.NAME]` sections of a Clarinet settings file: name -> mnemonic. */
export function readMnemonics(devnetToml) {
  const out = new Map();
  let current = null;
  for (const line of readFileSync(devnetToml, "utf8").split("\n")) {
    const sec = line.match(/^\s*\[accounts\.([A-Za-z0-9_-]+)\]\s*$/);
    if (sec) {
      current = sec[1];
      continue;
    }
    if (/^\s*\[/.test(line)) current = null;
    const m = line.match(/^\s*mnemonic\s*=\s*"([^"]+)"/);
    if (m && current) out.set(current, m[1]);
  }
  return out;
}

/**
 * Every devnet account: name -> { address, private_key (hex, 33 bytes with the
 * 01 "compressed" suffix, as @stacks/transactions and stacks-rs take it), path }.
 */
export function devnetAccounts(devnetToml) {
  const out = {};
  for (const [name, mnemonic] of readMnemonics(devnetToml)) {
    const privateKey = derivePrivateKey(mnemonicToSeed(mnemonic)) + "01";
    out[name] = { address: getAddressFromPrivateKey(privateKey, "testnet"), private_key: privateKey, path: STACKS_PATH };
  }
  return out;
}
