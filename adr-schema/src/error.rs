//! The crate's one error type.

use std::fmt;

/// Where in the document a problem was found.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Element path from the root, by local name, e.g. `oadrPayload/oadrSignedObject/oadrPoll`.
    pub path: String,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "line {}, column {}", self.line, self.column)
        } else {
            write!(
                f,
                "line {}, column {} (in {})",
                self.line, self.column, self.path
            )
        }
    }
}

/// What went wrong, without the position.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    #[error("malformed XML: {0}")]
    Syntax(String),
    #[error("document type declarations are not allowed in OpenADR messages")]
    DocType,
    #[error("undefined entity reference &{0};")]
    Entity(String),
    #[error("unexpected element <{0}>")]
    UnexpectedElement(String),
    #[error("unexpected text {0:?}")]
    UnexpectedText(String),
    #[error("missing required element <{0}>")]
    Missing(&'static str),
    #[error("element <{0}> appears more than once")]
    Duplicate(&'static str),
    #[error("invalid value {value:?}: {reason}")]
    InvalidValue { value: String, reason: String },
    #[error("limit exceeded: {0}")]
    Limit(String),
    #[error("not supported: {0}")]
    Unsupported(String),
    #[error("the document is not UTF-8")]
    NotUtf8,
}

/// An error reading an OpenADR message: what is wrong and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at {position}")]
pub struct Error {
    pub kind: ErrorKind,
    pub position: Position,
}

impl Error {
    /// A value error not tied to a document (building a value in code).
    pub fn value(value: impl Into<String>, reason: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::InvalidValue {
                value: value.into(),
                reason: reason.into(),
            },
            position: Position::default(),
        }
    }

    /// The OpenADR response code this error maps to at the wire.
    ///
    /// Every reading error means the request's data could not be understood:
    /// 454 (invalid data). Servers decide 452/463/... from the parsed content.
    pub fn response_code(&self) -> u16 {
        454
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
