//! A bounded pull reader over quick-xml's `Reader`.
//!
//! Elements are matched by (namespace URI, local name), so any prefixes a peer
//! picks parse. Namespace scopes are tracked here rather than by quick-xml's
//! `NsReader`: declarations are rare (usually all on the root), so we only
//! look at attributes when a tag mentions `xmlns`, which keeps the per-element
//! cost close to a bare event scan. Depth, tag size, text size and repeat counts are bounded by
//! [`Limits`]; DTDs are refused outright (no entity can ever expand).

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};

use super::locate::locate;
use super::Leaf;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::ns::Ns;

pub(crate) struct Reader<'i> {
    xml: quick_xml::Reader<&'i [u8]>,
    /// In-scope namespace declarations: (depth declared at, prefix, namespace).
    /// The default namespace has the empty prefix.
    scopes: Vec<(usize, Cow<'i, str>, Ns)>,
    src: &'i str,
    limits: &'i Limits,
    depth: usize,
    /// The last child was `<x/>`: it has no content and no end event.
    empty_pending: bool,
    /// Offset of the last start tag read (errors about a value point here).
    last_start: usize,
    /// Offset of the last end tag read (errors about a missing child point here).
    last_end: usize,
    /// Reading a 2.0a document: its oadr namespace stands for [`Ns::Oadr`].
    profile_a: bool,
}

/// A child element just entered.
pub(crate) struct Child<'i> {
    pub ns: Ns,
    start: BytesStart<'i>,
    /// Where the local name starts (after `prefix:`).
    local_at: usize,
}

impl Child<'_> {
    #[inline]
    pub fn local(&self) -> &str {
        &self.start.name().into_inner()[self.local_at..]
    }
}

impl<'i> Reader<'i> {
    pub fn new(src: &'i str, limits: &'i Limits) -> Result<Self> {
        let mut xml = quick_xml::Reader::from_str(src);
        let cfg = xml.config_mut();
        cfg.check_end_names = true;
        cfg.trim_text_start = false;
        cfg.trim_text_end = false;
        cfg.expand_empty_elements = false;
        let r = Reader {
            xml,
            // Room for the usual declarations (openleadr repeats them on many elements).
            scopes: Vec::with_capacity(32),
            src,
            limits,
            depth: 0,
            empty_pending: false,
            last_start: 0,
            last_end: 0,
            profile_a: false,
        };
        if src.len() > limits.max_document_bytes {
            return Err(r.error_at(
                0,
                ErrorKind::Limit(format!(
                    "document is {} bytes, at most {} allowed",
                    src.len(),
                    limits.max_document_bytes
                )),
            ));
        }
        Ok(r)
    }

    pub fn error_at(&self, offset: usize, kind: ErrorKind) -> Error {
        Error {
            kind,
            position: locate(self.src, offset),
        }
    }

    /// An error about the element last entered.
    pub fn error(&self, kind: ErrorKind) -> Error {
        self.error_at(self.last_start, kind)
    }

    pub fn missing(&self, name: &'static str) -> Error {
        self.error_at(self.last_end, ErrorKind::Missing(name))
    }

    pub fn unexpected(&self, c: &Child<'_>) -> Error {
        let name = match c.ns {
            Ns::Other => format!("{} (unknown namespace)", c.local()),
            ns => format!("{}:{}", ns.prefix(), c.local()),
        };
        self.error(ErrorKind::UnexpectedElement(name))
    }

    pub fn check_items(&self, have: usize) -> Result<()> {
        if have >= self.limits.max_items {
            return Err(self.error(ErrorKind::Limit(format!(
                "more than {} repeated elements",
                self.limits.max_items
            ))));
        }
        Ok(())
    }

    fn syntax(&self, e: quick_xml::Error) -> Error {
        let at = self.xml.error_position() as usize;
        self.error_at(at, ErrorKind::Syntax(e.to_string()))
    }

    /// Enter an element: bound checks, its namespace declarations, and the
    /// namespace of its own name.
    fn enter(&mut self, offset: usize, start: &BytesStart<'_>) -> Result<(Ns, usize)> {
        self.last_start = offset;
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(self.error(ErrorKind::Limit(format!(
                "elements nested deeper than {}",
                self.limits.max_depth
            ))));
        }
        if start.len() > self.limits.max_tag_bytes {
            return Err(self.error(ErrorKind::Limit(format!(
                "start tag of {} bytes, at most {} allowed",
                start.len(),
                self.limits.max_tag_bytes
            ))));
        }
        // Only attributes can declare, and every element's attributes are
        // checked for well-formedness (a duplicate is not XML); most elements
        // have none.
        let attrs = start.attributes_raw().as_bytes();
        if !attrs.iter().all(u8::is_ascii_whitespace) {
            self.declare(start)?;
        }
        let name = start.name().into_inner();
        let (prefix, local_at) = match name.as_bytes().iter().position(|&b| b == b':') {
            Some(i) => (&name[..i], i + 1),
            None => ("", 0),
        };
        match self.scopes.iter().rev().find(|(_, p, _)| &**p == prefix) {
            Some((_, _, ns)) => Ok((*ns, local_at)),
            None if prefix.is_empty() || prefix == "xml" => Ok((Ns::Other, local_at)),
            None => Err(self.error(ErrorKind::Syntax(format!(
                "undeclared namespace prefix '{prefix}'"
            )))),
        }
    }

    fn ns_of(&self, uri: &str) -> Ns {
        if self.profile_a && uri == crate::ns::OADR_20A {
            Ns::Oadr
        } else {
            Ns::from_uri(uri)
        }
    }

    /// Check the attributes (quick-xml refuses duplicates and malformed
    /// ones) and push the namespace declarations among them.
    fn declare(&mut self, start: &BytesStart<'_>) -> Result<()> {
        for attr in start.attributes() {
            let attr = attr.map_err(|e| self.error(ErrorKind::Syntax(e.to_string())))?;
            let key = attr.key.into_inner();
            let prefix = match key.strip_prefix("xmlns") {
                Some("") => "",
                Some(p) if p.starts_with(':') => &p[1..],
                _ => continue,
            };
            // URIs almost never hold references: skip the normalising copy then.
            let ns = if attr.value.as_bytes().contains(&b'&') {
                let uri = attr
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|e| self.error(ErrorKind::Syntax(e.to_string())))?;
                self.ns_of(&uri)
            } else {
                self.ns_of(&attr.value)
            };
            if self.scopes.len() >= self.limits.max_depth * 16 {
                return Err(self.error(ErrorKind::Limit("too many namespace declarations".into())));
            }
            let prefix = self.borrow_from_src(prefix);
            self.scopes.push((self.depth, prefix, ns));
        }
        Ok(())
    }

    /// `s` as a slice of the input when it is one (it always is for a
    /// borrowed start tag), so scopes cost no allocation.
    fn borrow_from_src(&self, s: &str) -> Cow<'i, str> {
        let base = self.src.as_ptr() as usize;
        let at = s.as_ptr() as usize;
        match at.checked_sub(base) {
            Some(off) if off + s.len() <= self.src.len() && self.src.is_char_boundary(off) => {
                Cow::Borrowed(&self.src[off..off + s.len()])
            }
            _ => Cow::Owned(s.to_owned()),
        }
    }

    /// Leave the current element: drop the declarations it made.
    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        while matches!(self.scopes.last(), Some((d, _, _)) if *d > self.depth) {
            self.scopes.pop();
        }
    }

    /// The root element, after the prolog.
    /// Read the 2.0a profile's namespace as the oadr one.
    pub fn set_profile_a(&mut self) {
        self.profile_a = true;
    }

    /// Whether this is a 2.0a document.
    pub fn profile_a(&self) -> bool {
        self.profile_a
    }

    pub fn root(&mut self) -> Result<Child<'i>> {
        match self.next_child()? {
            Some(c) => Ok(c),
            None => Err(self.error_at(self.src.len(), ErrorKind::Syntax("no root element".into()))),
        }
    }

    /// After the root: only whitespace, comments and PIs may follow.
    pub fn finish(&mut self) -> Result<()> {
        loop {
            let pos = self.xml.buffer_position() as usize;
            match self.xml.read_event().map_err(|e| self.syntax(e))? {
                Event::Eof => return Ok(()),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if is_blank(&t) => {}
                _ => {
                    return Err(self.error_at(
                        pos,
                        ErrorKind::Syntax("content after the root element".into()),
                    ))
                }
            }
        }
    }

    /// The next child element of the current element, or `None` at its end.
    pub fn next_child(&mut self) -> Result<Option<Child<'i>>> {
        if self.empty_pending {
            self.empty_pending = false;
            self.leave();
            self.last_end = self.xml.buffer_position() as usize;
            return Ok(None);
        }
        loop {
            let pos = self.xml.buffer_position() as usize;
            let ev = self.xml.read_event().map_err(|e| self.syntax(e))?;
            match ev {
                Event::Start(start) => {
                    let (ns, local_at) = self.enter(pos, &start)?;
                    return Ok(Some(Child {
                        ns,
                        start,
                        local_at,
                    }));
                }
                Event::Empty(start) => {
                    let (ns, local_at) = self.enter(pos, &start)?;
                    self.empty_pending = true;
                    return Ok(Some(Child {
                        ns,
                        start,
                        local_at,
                    }));
                }
                Event::End(_) => {
                    self.last_end = pos;
                    self.leave();
                    return Ok(None);
                }
                Event::Text(t) => {
                    if !is_blank(&t) {
                        return Err(self.error_at(pos, ErrorKind::UnexpectedText(snippet(&t))));
                    }
                }
                Event::CData(t) => {
                    if !is_blank(&t) {
                        return Err(self.error_at(pos, ErrorKind::UnexpectedText(snippet(&t))));
                    }
                }
                Event::GeneralRef(r) => {
                    return Err(self.error_at(pos, ErrorKind::UnexpectedText(format!("&{};", &*r))))
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
                Event::DocType(_) => return Err(self.error_at(pos, ErrorKind::DocType)),
                Event::Eof => {
                    return Err(
                        self.error_at(pos, ErrorKind::Syntax("unexpected end of document".into()))
                    )
                }
            }
        }
    }

    /// The text content of the element just entered, up to its end tag.
    pub fn text(&mut self) -> Result<Cow<'i, str>> {
        if self.empty_pending {
            self.empty_pending = false;
            self.leave();
            self.last_end = self.xml.buffer_position() as usize;
            return Ok(Cow::Borrowed(""));
        }
        let mut acc: Cow<'i, str> = Cow::Borrowed("");
        loop {
            let pos = self.xml.buffer_position() as usize;
            let ev = self.xml.read_event().map_err(|e| self.syntax(e))?;
            match ev {
                Event::Text(t) => append(&mut acc, t.xml10_content()),
                Event::CData(t) => append(&mut acc, t.xml10_content()),
                Event::GeneralRef(r) => {
                    let ch = match &*r {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        _ => match r.resolve_char_ref() {
                            Ok(Some(c)) => c,
                            _ => return Err(self.error_at(pos, ErrorKind::Entity(r.to_string()))),
                        },
                    };
                    acc.to_mut().push(ch);
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::End(_) => {
                    self.last_end = pos;
                    self.leave();
                    return Ok(acc);
                }
                Event::Start(_) | Event::Empty(_) => {
                    return Err(self.error_at(
                        pos,
                        ErrorKind::UnexpectedElement(
                            "child element where text was expected".into(),
                        ),
                    ))
                }
                Event::DocType(_) => return Err(self.error_at(pos, ErrorKind::DocType)),
                Event::Decl(_) | Event::Eof => {
                    return Err(
                        self.error_at(pos, ErrorKind::Syntax("unexpected end of document".into()))
                    )
                }
            }
            if acc.len() > self.limits.max_text_bytes {
                return Err(self.error(ErrorKind::Limit(format!(
                    "text longer than {} bytes",
                    self.limits.max_text_bytes
                ))));
            }
        }
    }

    /// A leaf value of the element just entered.
    pub fn leaf<T: Leaf>(&mut self) -> Result<T> {
        let s = self.text()?;
        T::parse(&s).map_err(|reason| {
            self.error(ErrorKind::InvalidValue {
                value: snippet(&s),
                reason,
            })
        })
    }

    /// An optional leaf: an empty element (`<ei:venID/>`, as some peers
    /// write for "none") reads as `None`.
    pub fn leaf_opt<T: Leaf>(&mut self) -> Result<Option<T>> {
        let s = self.text()?;
        if s.trim().is_empty() {
            return Ok(None);
        }
        T::parse(&s).map(Some).map_err(|reason| {
            self.error(ErrorKind::InvalidValue {
                value: snippet(&s),
                reason,
            })
        })
    }

    /// Skip the element just entered with all its content.
    pub fn skip(&mut self, c: &Child<'_>) -> Result<()> {
        if self.empty_pending {
            self.empty_pending = false;
        } else {
            self.xml
                .read_to_end(c.start.name())
                .map_err(|e| self.syntax(e))?;
        }
        self.last_end = self.xml.buffer_position() as usize;
        self.leave();
        Ok(())
    }

    /// Read the single child `<ns:local>` of the element just entered, with `f`.
    pub fn wrapped<T>(
        &mut self,
        ns: Ns,
        local: &'static str,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        let c = match self.next_child()? {
            Some(c) => c,
            None => return Err(self.error_at(self.last_end, ErrorKind::Missing(local))),
        };
        if !(c.ns == ns && c.local() == local) {
            return Err(self.unexpected(&c));
        }
        let v = f(self)?;
        if let Some(extra) = self.next_child()? {
            return Err(self.unexpected(&extra));
        }
        Ok(v)
    }
}

impl<'i> Reader<'i> {
    /// Read the single child of the element just entered, whatever its name:
    /// `f` gets the child's namespace and local name and returns `None` for
    /// a name it does not know (a substitution group member).
    pub fn wrapped_any<T>(
        &mut self,
        f: impl FnOnce(&mut Self, Ns, &str) -> Result<Option<T>>,
    ) -> Result<T> {
        let c = match self.next_child()? {
            Some(c) => c,
            None => return Err(self.error_at(self.last_end, ErrorKind::Missing("child element"))),
        };
        let v = match f(self, c.ns, c.local())? {
            Some(v) => v,
            None => return Err(self.unexpected(&c)),
        };
        if let Some(extra) = self.next_child()? {
            return Err(self.unexpected(&extra));
        }
        Ok(v)
    }
}

fn append<'i>(acc: &mut Cow<'i, str>, s: Cow<'i, str>) {
    if acc.is_empty() {
        *acc = s;
    } else {
        acc.to_mut().push_str(&s);
    }
}

fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

fn snippet(s: &str) -> String {
    let mut out: String = s.chars().take(64).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
