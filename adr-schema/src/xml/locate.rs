//! Turn a byte offset into a line, column and element path. Only runs when
//! an error is reported, so the hot path keeps no path stack.

use crate::error::Position;
use quick_xml::events::Event;

pub(crate) fn locate(src: &str, offset: usize) -> Position {
    let offset = offset.min(src.len());
    let before = &src[..floor_char_boundary(src, offset)];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;

    let mut reader = quick_xml::Reader::from_str(src);
    let mut path: Vec<String> = Vec::new();
    loop {
        if reader.buffer_position() as usize >= offset {
            break;
        }
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if reader.buffer_position() as usize > offset && path.len() >= 64 {
                    break;
                }
                path.push(e.local_name().into_inner().to_owned());
                if path.len() > 64 {
                    break;
                }
            }
            Ok(Event::End(_)) => {
                path.pop();
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    Position {
        line,
        column,
        path: path.join("/"),
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
