//! `oadr`: a small tool for integrators working with OpenADR 2.0b messages.
#![forbid(unsafe_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use adr_schema::Message;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "oadr",
    version,
    about = "Inspect, format and validate OpenADR 2.0b messages"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Print the message as JSON (FILE or - for stdin).
    Parse { file: String },
    /// Print the canonical XML our codec writes for the message.
    Fmt { file: String },
    /// Check the file against the OpenADR 2.0b XSDs (with xmllint) and our codec.
    Validate {
        file: String,
        /// Path to oadr_20b.xsd (default: $OADR_XSD, then known locations).
        #[arg(long, env = "OADR_XSD")]
        xsd: Option<PathBuf>,
    },
    /// Print the 29-character OpenADR fingerprint of a PEM (or DER) certificate.
    Fingerprint { cert: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.cmd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oadr: {e}");
            ExitCode::FAILURE
        }
    }
}

/// At most what the VTN accepts, so `oadr` never reads a multi-gigabyte file into memory.
const MAX_INPUT: u64 = 64 * 1024 * 1024;

fn read_input(file: &str) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    let res = if file == "-" {
        std::io::stdin().take(MAX_INPUT + 1).read_to_end(&mut buf)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut buf))
    };
    res.map_err(|e| format!("{file}: {e}"))?;
    if buf.len() as u64 > MAX_INPUT {
        return Err(format!("{file}: larger than {MAX_INPUT} bytes"));
    }
    Ok(buf)
}

fn parse(file: &str) -> Result<Message, String> {
    let bytes = read_input(file)?;
    Message::from_slice(&bytes).map_err(|e| format!("{file}: {e}"))
}

fn run(cmd: Cmd) -> Result<(), String> {
    match cmd {
        Cmd::Parse { file } => {
            let msg = parse(&file)?;
            let json = serde_json::to_string_pretty(&msg).map_err(|e| e.to_string())?;
            println!("{json}");
        }
        Cmd::Fmt { file } => {
            println!("{}", parse(&file)?.to_xml());
        }
        Cmd::Validate { file, xsd } => {
            let bytes = read_input(&file)?;
            let xsd = find_xsd(xsd).ok_or(
                "OpenADR 2.0b XSDs not found: pass --xsd or set OADR_XSD to oadr_20b.xsd \
                 (the openleadr package on PyPI ships them under openleadr/schema/)",
            )?;
            let schema_ok = xmllint(&bytes, &xsd)?;
            let codec = Message::from_slice(&bytes);
            if let Err(e) = &codec {
                eprintln!("{file}: codec: {e}");
            }
            if !schema_ok || codec.is_err() {
                return Err(format!("{file}: invalid"));
            }
            println!(
                "{file}: valid ({})",
                codec.map(|m| m.name()).unwrap_or_default()
            );
        }
        Cmd::Fingerprint { cert } => {
            let raw = std::fs::read(&cert).map_err(|e| format!("{}: {e}", cert.display()))?;
            let der = match pem::parse(&raw) {
                Ok(p) if p.tag() == "CERTIFICATE" => p.into_contents(),
                Ok(p) => {
                    return Err(format!(
                        "{}: PEM block is {}, not CERTIFICATE",
                        cert.display(),
                        p.tag()
                    ))
                }
                Err(_) if looks_like_der(&raw) => raw,
                Err(_) => {
                    return Err(format!(
                        "{}: neither a PEM certificate nor DER",
                        cert.display()
                    ))
                }
            };
            println!("{}", adr_schema::fingerprint::fingerprint(&der));
        }
    }
    Ok(())
}

/// A DER certificate is one ASN.1 SEQUENCE spanning the whole file.
fn looks_like_der(b: &[u8]) -> bool {
    let (Some(&0x30), Some(&l)) = (b.first(), b.get(1)) else {
        return false;
    };
    let (len, head) = match l {
        0x00..=0x7f => (l as usize, 2),
        0x81..=0x84 => {
            let n = (l & 0x7f) as usize;
            match b.get(2..2 + n) {
                Some(bytes) => (
                    bytes.iter().fold(0usize, |a, &x| a << 8 | x as usize),
                    2 + n,
                ),
                None => return false,
            }
        }
        _ => return false,
    };
    head + len == b.len()
}

fn find_xsd(given: Option<PathBuf>) -> Option<PathBuf> {
    if let Some(p) = given {
        return p.is_file().then_some(p);
    }
    // The test scripts' venv, relative to a checkout.
    let candidates = ["target/interop-venv"];
    for c in candidates {
        let lib = Path::new(c).join("lib");
        if let Ok(entries) = std::fs::read_dir(&lib) {
            for e in entries.flatten() {
                let p = e.path().join("site-packages/openleadr/schema/oadr_20b.xsd");
                if p.is_file() {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// Run xmllint; its own messages (with line numbers) go to stderr as they are.
fn xmllint(bytes: &[u8], xsd: &Path) -> Result<bool, String> {
    use std::io::Write;
    let mut child = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(xsd)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run xmllint ({e}); install libxml2-utils"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(bytes).map_err(|e| e.to_string())?;
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok(status.success())
}

#[cfg(test)]
mod tests {
    use super::looks_like_der;

    #[test]
    fn der_is_one_sequence_spanning_the_input() {
        assert!(looks_like_der(&[0x30, 0x03, 1, 2, 3]));
        let mut long = vec![0x30, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(0, 256));
        assert!(looks_like_der(&long));
        assert!(!looks_like_der(b"garbage\n"));
        assert!(!looks_like_der(&[0x30, 0x05, 1, 2]));
        assert!(!looks_like_der(&[]));
    }
}
