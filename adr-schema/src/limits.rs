//! Bounds on what a document from outside may cost us.

/// Limits applied while reading. The defaults fit the largest real messages
/// (a distribute of 1,000 events is about 2 MB) with room to spare.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Whole document, in bytes.
    pub max_document_bytes: usize,
    /// Element nesting depth (OpenADR needs about 15).
    pub max_depth: usize,
    /// One start tag including its attributes, in bytes.
    pub max_tag_bytes: usize,
    /// One text value, in bytes.
    pub max_text_bytes: usize,
    /// Repeated elements of one kind in one parent (events, intervals, targets...).
    pub max_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_bytes: 16 * 1024 * 1024,
            max_depth: 64,
            max_tag_bytes: 16 * 1024,
            max_text_bytes: 64 * 1024,
            max_items: 100_000,
        }
    }
}
