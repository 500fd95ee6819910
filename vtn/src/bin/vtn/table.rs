//! Tables for operators' terminals. Every cell goes through [`cell`]: names
//! and ids come from peers, and a control character (an ANSI escape in a
//! VEN name, say) is shown escaped, never sent to the terminal raw.

use std::fmt::Display;

use adr_schema::Timestamp;
use vtn::api::{EventView, ReadingView, VenView};

/// A value as a table cell: `-` for nothing, control characters escaped.
pub fn cell(v: impl Display) -> String {
    let s = v.to_string();
    if !s.chars().any(char::is_control) {
        return s;
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

pub fn opt<T: Display>(v: &Option<T>) -> String {
    v.as_ref().map(cell).unwrap_or_else(|| "-".into())
}

pub fn time(t: &Option<Timestamp>) -> String {
    t.as_ref()
        .map(vtn::api::time::write)
        .unwrap_or_else(|| "-".into())
}

pub fn events(v: &[EventView]) {
    println!(
        "{:<38} {:>4} {:<10} {:<24} {:<8} participants",
        "EVENT", "MOD", "STATUS", "START", "DURATION"
    );
    for e in v {
        println!(
            "{:<38} {:>4} {:<10} {:<24} {:<8} {}/{}",
            cell(&e.event_id),
            e.modification_number,
            cell(&e.status),
            time(&e.dtstart),
            cell(e.duration),
            e.participants,
            e.vens.len()
        );
    }
}

pub fn vens(v: &[VenView]) {
    println!(
        "{:<38} {:<20} {:<7} {:<10} {:<26} pending",
        "VEN", "NAME", "PROFILE", "REGISTERED", "LAST CONTACT"
    );
    for e in v {
        println!(
            "{:<38} {:<20} {:<7} {:<10} {:<26} {}",
            cell(&e.ven_id),
            opt(&e.ven_name),
            cell(&e.profile),
            e.registered,
            time(&e.last_contact),
            e.pending_messages
        );
    }
}

pub fn readings(v: &[ReadingView]) {
    println!(
        "{:<26} {:<38} {:<20} {:<18} value",
        "TIME", "VEN", "REPORT", "RID"
    );
    for r in v {
        let value = match (&r.value, &r.status) {
            (Some(x), _) => x.to_string(),
            (None, Some(s)) => cell(s),
            (None, None) => "-".into(),
        };
        println!(
            "{:<26} {:<38} {:<20} {:<18} {}",
            time(&r.dtstart),
            cell(&r.ven_id),
            opt(&r.report_name),
            cell(&r.rid),
            value
        );
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn control_characters_from_peers_are_escaped() {
        assert_eq!(cell("plain name"), "plain name");
        assert_eq!(cell("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(cell("x\ny\0"), "x\\ny\\u{0}");
    }
}
