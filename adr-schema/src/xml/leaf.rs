//! Simple-typed values: how each is parsed from element text and written back.

use std::fmt::Write as _;

use super::Writer;

pub(crate) trait Leaf: Sized {
    /// Parse element text; the error is a short reason.
    fn parse(s: &str) -> Result<Self, String>;
    fn write(&self, w: &mut Writer);
}

impl Leaf for String {
    fn parse(s: &str) -> Result<Self, String> {
        Ok(s.to_owned())
    }
    fn write(&self, w: &mut Writer) {
        w.text(self)
    }
}

impl Leaf for u32 {
    fn parse(s: &str) -> Result<Self, String> {
        s.trim()
            .parse()
            .map_err(|_| "expected an unsigned 32-bit integer".into())
    }
    fn write(&self, w: &mut Writer) {
        crate::time::push_uint(&mut w.out, *self)
    }
}

/// xs:float / xs:decimal values. Kept as f64 so a peer's double-precision
/// readings survive a round trip unchanged.
impl Leaf for f64 {
    fn parse(s: &str) -> Result<Self, String> {
        parse_float(s.trim())
    }
    fn write(&self, w: &mut Writer) {
        write_float(*self, &mut w.out)
    }
}

pub(crate) fn parse_float(s: &str) -> Result<f64, String> {
    match s {
        "INF" | "+INF" => Ok(f64::INFINITY),
        "-INF" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        // Rust also accepts "inf"/"infinity"/"nan", which XSD does not.
        _ if s
            .bytes()
            .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E') =>
        {
            Err("expected a number".into())
        }
        _ => s.parse().map_err(|_| "expected a number".into()),
    }
}

pub(crate) fn write_float(v: f64, out: &mut String) {
    if v.is_nan() {
        out.push_str("NaN")
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "INF" } else { "-INF" })
    } else if v == 0.0 || (1e-5..1e15).contains(&v.abs()) {
        // ryu's shortest digits are Display's, several times faster; in this
        // range it writes no exponent, and Display's "1000" is ryu's "1000.0".
        let mut buf = ryu::Buffer::new();
        let s = buf.format_finite(v);
        out.push_str(s.strip_suffix(".0").unwrap_or(s));
    } else {
        let _ = write!(out, "{v}");
    }
}

impl Leaf for bool {
    fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err("expected true or false".into()),
        }
    }
    fn write(&self, w: &mut Writer) {
        w.out.push_str(if *self { "true" } else { "false" })
    }
}
