//! Writes XML into a `String`. Tags come with their prefix (`ei:eventID`);
//! the namespaces are declared once on `oadrPayload`.

use quick_xml::escape::partial_escape;

use super::Leaf;

pub(crate) struct Writer {
    pub out: String,
    /// Writing a 2.0a message: no schemaVersion, no 2.0b-only elements.
    pub profile_a: bool,
}

impl Writer {
    pub fn with_capacity(n: usize) -> Self {
        Writer {
            out: String::with_capacity(n),
            profile_a: false,
        }
    }

    /// The `ei:schemaVersion` attribute a message element carries (none in 2.0a).
    pub fn schema_version(&self) -> &'static str {
        if self.profile_a {
            ""
        } else {
            crate::model::SCHEMA_VERSION
        }
    }

    #[inline]
    pub fn open(&mut self, tag: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// An opening tag with raw attribute text (already escaped), e.g. ` a="b"`.
    #[inline]
    pub fn open_attrs(&mut self, tag: &str, attrs: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push_str(attrs);
        self.out.push('>');
    }

    #[inline]
    pub fn close(&mut self, tag: &str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    #[inline]
    pub fn empty(&mut self, tag: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push_str("/>");
    }

    /// Escaped text content.
    #[inline]
    pub fn text(&mut self, s: &str) {
        self.out.push_str(&partial_escape(s));
    }

    /// `<tag>value</tag>` for any leaf value.
    #[inline]
    pub fn leaf<T: Leaf>(&mut self, tag: &str, v: &T) {
        self.open(tag);
        v.write(self);
        self.close(tag);
    }

    #[inline]
    pub fn leaf_str(&mut self, tag: &str, s: &str) {
        self.open(tag);
        self.text(s);
        self.close(tag);
    }

    #[inline]
    pub fn opt_leaf<T: Leaf>(&mut self, tag: &str, v: &Option<T>) {
        if let Some(v) = v {
            self.leaf(tag, v);
        }
    }
}
