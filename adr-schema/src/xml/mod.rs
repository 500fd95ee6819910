//! The XML layer: a bounded, namespace-aware pull reader and a plain writer.
//! The typed model (in `model/`) is built on these two and nothing else.

pub(crate) mod leaf;
pub(crate) mod locate;
pub(crate) mod reader;
pub(crate) mod writer;

pub(crate) use leaf::Leaf;
#[cfg(test)]
pub(crate) use leaf::{parse_float, write_float};
pub(crate) use reader::Reader;
pub(crate) use writer::Writer;

use crate::error::Result;

/// A complex element: read after its start tag, written with the tag its parent gives.
pub(crate) trait Element: Sized {
    fn read(r: &mut Reader<'_>) -> Result<Self>;
    fn write(&self, w: &mut Writer, tag: &str);
}

/// Set an `Option` slot once; a second occurrence is an error.
macro_rules! once {
    ($r:expr, $slot:ident, $name:literal, $val:expr) => {{
        let v = $val;
        if $slot.is_some() {
            return Err($r.error($crate::error::ErrorKind::Duplicate($name)));
        }
        $slot = Some(v);
    }};
}

/// Take a required slot, or fail naming the missing element.
macro_rules! need {
    ($r:expr, $slot:ident, $name:literal) => {
        match $slot {
            Some(v) => v,
            None => return Err($r.missing($name)),
        }
    };
}

/// Push onto a repeated slot, within the item limit.
macro_rules! push {
    ($r:expr, $vec:expr, $val:expr) => {{
        let v = $val;
        $r.check_items($vec.len())?;
        $vec.push(v);
    }};
}

pub(crate) use {need, once, push};
