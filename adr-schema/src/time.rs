//! xs:dateTime and xs:duration as OpenADR uses them (xCal).

use std::fmt::{self, Write as _};

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use serde::{Serialize, Serializer};

use crate::xml::{Leaf, Writer};

/// Every timestamp is held in UTC. We read any zone offset (and a missing
/// zone as UTC, the only reading the xCal pattern leaves) and always write `Z`.
pub type Timestamp = DateTime<Utc>;

impl Leaf for Timestamp {
    fn parse(s: &str) -> Result<Self, String> {
        parse_timestamp(s.trim())
    }
    fn write(&self, w: &mut Writer) {
        write_timestamp(self, &mut w.out)
    }
}

/// Read an xs:dateTime. Only years 0000 to 9999 (in UTC) are accepted: no
/// 2.0b message needs more, every peer writes four digits, and chrono's
/// general parser would otherwise take a signed year of any width
/// (`+262142-06-01T00:00:00`), past which date arithmetic overflows.
pub fn parse_timestamp(s: &str) -> Result<Timestamp, String> {
    let t = if let Some(t) = parse_timestamp_fast(s.as_bytes()) {
        t
    } else if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        t.with_timezone(&Utc)
    } else {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .map(|n| n.and_utc())
            .map_err(|_| String::from("expected a date-time such as 2026-11-25T14:00:00Z"))?
    };
    if !in_range(&t) {
        return Err("a date-time must lie in the years 0000 to 9999 (UTC)".into());
    }
    Ok(t)
}

/// The first instant a [`Timestamp`] read from a peer may hold.
pub fn earliest() -> Timestamp {
    chrono::NaiveDate::from_ymd_opt(0, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| n.and_utc())
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The last instant a [`Timestamp`] read from a peer may hold.
pub fn latest() -> Timestamp {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 999_999_999))
        .map(|n| n.and_utc())
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Whether `t` lies in the years 0000 to 9999.
pub fn in_range(t: &Timestamp) -> bool {
    use chrono::Datelike;
    (0..=9999).contains(&t.year())
}

/// Date arithmetic that cannot panic. chrono's `DateTime + TimeDelta`
/// panics on overflow; a peer controls both a dtstart and a duration, so
/// every sum or difference on their values goes through these.
pub trait TimestampExt: Sized {
    /// `self + d`, or `None` outside the years 0000 to 9999.
    fn checked_plus(self, d: chrono::Duration) -> Option<Timestamp>;
    /// `self + d`, held to the years 0000 to 9999 (an event that ends
    /// after 9999 is treated as ending at the last instant of 9999).
    fn saturating_plus(self, d: chrono::Duration) -> Timestamp;
    /// `self - d`, held to the years 0000 to 9999.
    fn saturating_minus(self, d: chrono::Duration) -> Timestamp;
}

impl TimestampExt for Timestamp {
    fn checked_plus(self, d: chrono::Duration) -> Option<Timestamp> {
        self.checked_add_signed(d).filter(in_range)
    }
    fn saturating_plus(self, d: chrono::Duration) -> Timestamp {
        match self.checked_add_signed(d) {
            Some(t) => t.clamp(earliest(), latest()),
            None if d < chrono::Duration::zero() => earliest(),
            None => latest(),
        }
    }
    fn saturating_minus(self, d: chrono::Duration) -> Timestamp {
        match self.checked_sub_signed(d) {
            Some(t) => t.clamp(earliest(), latest()),
            None if d < chrono::Duration::zero() => latest(),
            None => earliest(),
        }
    }
}

/// The common shape `YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM]` without
/// chrono's general parser (timestamps are on every interval). Anything else
/// falls back to the general path.
fn parse_timestamp_fast(b: &[u8]) -> Option<Timestamp> {
    use chrono::{FixedOffset, NaiveDate, TimeZone};
    fn num(b: &[u8]) -> Option<u32> {
        b.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32)
        })
    }
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(&b[0..4])? as i32, num(&b[5..7])?, num(&b[8..10])?)?;
    let (h, mi, sec) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let Some((&b'.', frac)) = rest.split_first() {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        nanos = num(&frac[..n])? * 10u32.pow(9 - n as u32);
        rest = &frac[n..];
    }
    let naive = date.and_hms_nano_opt(h, mi, sec, nanos)?;
    let offset_secs = match rest {
        b"" | b"Z" => 0,
        [sign @ (b'+' | b'-'), hh @ .., b':', m1, m2] if hh.len() == 2 => {
            let secs = (num(hh)? * 3600 + num(&[*m1, *m2])? * 60) as i32;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let t = FixedOffset::east_opt(offset_secs)?
        .from_local_datetime(&naive)
        .single()?;
    Some(t.with_timezone(&Utc))
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]Z`, fractions only when present (exactly what
/// the xCal pattern accepts).
pub fn write_timestamp(t: &Timestamp, out: &mut String) {
    use chrono::Datelike;
    // Digits by hand: `write!` with padding is most of a report's write time.
    let n = t.naive_utc();
    let y = n.year();
    if (0..=9999).contains(&y) {
        push_2(out, (y / 100) as u32);
        push_2(out, (y % 100) as u32);
    } else {
        let _ = write!(out, "{y:04}");
    }
    out.push('-');
    push_2(out, n.month());
    out.push('-');
    push_2(out, n.day());
    out.push('T');
    push_2(out, n.hour());
    out.push(':');
    push_2(out, n.minute());
    out.push(':');
    push_2(out, n.second());
    push_fraction(out, n.nanosecond() % 1_000_000_000);
    out.push('Z');
}

/// Two decimal digits of `v` (< 100).
fn push_2(out: &mut String, v: u32) {
    out.push(char::from(b'0' + (v / 10 % 10) as u8));
    out.push(char::from(b'0' + (v % 10) as u8));
}

/// `.` and the nanoseconds without trailing zeros; nothing for 0.
fn push_fraction(out: &mut String, ns: u32) {
    if ns == 0 {
        return;
    }
    let mut digits = [b'0'; 9];
    let mut v = ns;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let len = 9 - digits.iter().rev().take_while(|&&d| d == b'0').count();
    out.push('.');
    out.extend(digits[..len].iter().map(|&d| char::from(d)));
}

pub(crate) fn push_uint(out: &mut String, v: u32) {
    out.push_str(itoa::Buffer::new().format(v));
}

/// An xs:duration in the xCal form `[+-]P[nY][nM][nD][T[nH][nM][nS]]` or `PnW`.
///
/// The components are kept as written (PT60M stays PT60M), so a message
/// re-serialises to the same value. Two readings for lenient peers: weeks
/// (`P2W`) are read as days, because the xCal pattern has no valid week form,
/// and seconds may carry a fraction, which the pattern does not allow either.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Duration {
    pub negative: bool,
    pub years: u32,
    pub months: u32,
    pub days: u32,
    pub hours: u32,
    pub minutes: u32,
    pub seconds: u32,
    pub nanos: u32,
}

impl Duration {
    pub const ZERO: Duration = Duration {
        negative: false,
        years: 0,
        months: 0,
        days: 0,
        hours: 0,
        minutes: 0,
        seconds: 0,
        nanos: 0,
    };

    pub fn from_secs(secs: u64) -> Self {
        let secs = secs.min(u32::MAX as u64 * 3600);
        Duration {
            hours: (secs / 3600) as u32,
            minutes: ((secs % 3600) / 60) as u32,
            seconds: (secs % 60) as u32,
            ..Duration::ZERO
        }
    }

    pub fn minutes(m: u32) -> Self {
        Duration {
            minutes: m,
            ..Duration::ZERO
        }
    }

    /// The length as a chrono duration. Years and months are taken as 365
    /// and 30 days: OpenADR durations are offsets from a dtstart, and no
    /// certified peer sends calendar units.
    ///
    /// Lengths over [`Duration::MAX_SECONDS`] (refused when read, but the
    /// fields are public) are cut to it rather than overflow.
    pub fn to_chrono(&self) -> chrono::Duration {
        let secs = self.total_seconds().min(Self::MAX_SECONDS) as i64;
        let d = chrono::Duration::seconds(secs)
            + chrono::Duration::nanoseconds(i64::from(self.nanos.min(999_999_999)));
        if self.negative {
            -d
        } else {
            d
        }
    }

    /// The longest length read: 100 years of 365 days.
    pub const MAX_SECONDS: u64 = 100 * 365 * 86_400;

    /// Whole seconds, years and months as 365 and 30 days (no overflow:
    /// every component is a u32).
    fn total_seconds(&self) -> u64 {
        let days = u64::from(self.years) * 365 + u64::from(self.months) * 30 + u64::from(self.days);
        days * 86_400
            + u64::from(self.hours) * 3600
            + u64::from(self.minutes) * 60
            + u64::from(self.seconds)
    }

    pub fn as_secs_f64(&self) -> f64 {
        let d = self.to_chrono();
        d.num_milliseconds() as f64 / 1000.0
    }

    pub fn is_zero(&self) -> bool {
        self.to_chrono().is_zero()
    }
}

impl Duration {
    /// Append the xs:duration form (what `Display` prints) to `out`.
    pub fn write_to(&self, out: &mut String) {
        if self.negative {
            out.push('-');
        }
        out.push('P');
        let unit = |out: &mut String, v: u32, u: char| {
            if v > 0 {
                push_uint(out, v);
                out.push(u);
            }
        };
        unit(out, self.years, 'Y');
        unit(out, self.months, 'M');
        unit(out, self.days, 'D');
        let has_time = self.hours > 0 || self.minutes > 0 || self.seconds > 0 || self.nanos > 0;
        let nothing = self.years == 0 && self.months == 0 && self.days == 0 && !has_time;
        if has_time || nothing {
            out.push('T');
        }
        unit(out, self.hours, 'H');
        unit(out, self.minutes, 'M');
        if self.seconds > 0 || self.nanos > 0 || nothing {
            push_uint(out, self.seconds);
            push_fraction(out, self.nanos);
            out.push('S');
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(16);
        self.write_to(&mut s);
        f.write_str(&s)
    }
}

impl std::str::FromStr for Duration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_duration(s.trim())
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    const WHAT: &str = "expected a duration such as PT1H30M";
    let mut d = Duration::default();
    let mut rest = s;
    if let Some(r) = rest.strip_prefix('-') {
        d.negative = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    rest = rest.strip_prefix('P').ok_or(WHAT)?;
    // OpenADR's DurationValueType is a pattern on xs:string in which every
    // component is optional: "P" and "PT" are valid and mean zero (openleadr
    // writes "P" for a zero timedelta).
    if rest.is_empty() || rest == "T" {
        return Ok(Duration::default());
    }
    let mut in_time = false;
    let mut seen_any = false;
    let mut last_rank = 0u8;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('T') {
            if in_time {
                return Err(WHAT.into());
            }
            in_time = true;
            rest = r;
            continue;
        }
        let digits = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if digits == 0 || digits >= rest.len() {
            return Err(WHAT.into());
        }
        let (num, tail) = rest.split_at(digits);
        let unit = tail.as_bytes()[0];
        rest = &tail[1..];
        let (int_part, frac) = match num.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (num, None),
        };
        let n: u32 = int_part
            .parse()
            .map_err(|_| "duration component out of range".to_string())?;
        let rank = match (in_time, unit) {
            (false, b'Y') => 1,
            (false, b'M') => 2,
            (false, b'W') => 3,
            (false, b'D') => 4,
            (true, b'H') => 5,
            (true, b'M') => 6,
            (true, b'S') => 7,
            _ => return Err(WHAT.into()),
        };
        if rank <= last_rank || (frac.is_some() && rank != 7) {
            return Err(WHAT.into());
        }
        last_rank = rank;
        seen_any = true;
        match rank {
            1 => d.years = n,
            2 => d.months = n,
            3 => d.days = n.checked_mul(7).ok_or("duration component out of range")?,
            4 => {
                d.days = d
                    .days
                    .checked_add(n)
                    .ok_or("duration component out of range")?
            }
            5 => d.hours = n,
            6 => d.minutes = n,
            _ => {
                d.seconds = n;
                if let Some(f) = frac {
                    if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(WHAT.into());
                    }
                    let pad = format!("{f:0<9}");
                    d.nanos = pad.parse().map_err(|_| WHAT.to_string())?;
                }
            }
        }
    }
    // "P1DT": a time designator must be followed by a time component.
    if !seen_any || (in_time && last_rank < 5) {
        return Err(WHAT.into());
    }
    // Every length is added to a dtstart somewhere; nothing in demand
    // response lasts a century, and refusing it here keeps that arithmetic
    // in range.
    if d.total_seconds() > Duration::MAX_SECONDS {
        return Err("duration longer than 100 years".into());
    }
    Ok(d)
}

impl Leaf for Duration {
    fn parse(s: &str) -> Result<Self, String> {
        parse_duration(s.trim())
    }
    fn write(&self, w: &mut Writer) {
        self.write_to(&mut w.out)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Read from the xs:duration text, with the same bounds as the wire.
impl<'de> serde::Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_outside_years_0000_to_9999_are_refused() {
        for s in [
            "+262142-06-01T00:00:00",
            "+262142-12-31T00:00:00Z",
            "10000-01-01T00:00:00Z",
            "-0001-12-31T00:00:00Z",
            "9999-12-31T23:00:00-05:00",
            "0000-01-01T00:00:00+01:00",
        ] {
            assert!(super::parse_timestamp(s).is_err(), "{s}");
        }
        for s in [
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "9999-12-31T23:59:59",
        ] {
            assert!(super::parse_timestamp(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn date_arithmetic_saturates_instead_of_panicking() {
        use super::{earliest, latest, parse_timestamp, TimestampExt};
        let end = parse_timestamp("9999-12-31T23:59:59Z").unwrap();
        let hundred_years = "P100Y".parse::<super::Duration>().unwrap().to_chrono();
        assert_eq!(end.checked_plus(hundred_years), None);
        assert_eq!(end.saturating_plus(hundred_years), latest());
        assert_eq!(end.saturating_plus(chrono::Duration::MAX), latest());
        assert_eq!(end.saturating_minus(chrono::Duration::MAX), earliest());
        assert_eq!(end.saturating_plus(chrono::Duration::MIN), earliest());
        let start = earliest();
        assert_eq!(start.saturating_minus(hundred_years), earliest());
        assert_eq!(
            start.saturating_plus(hundred_years),
            parse_timestamp("0100-01-01T00:00:00Z").unwrap() - chrono::Duration::days(25)
        );
    }

    use super::*;
    use proptest::prelude::*;

    /// The hand-written digit writers agree with core::fmt, which they replaced.
    fn timestamp_by_fmt(t: &Timestamp) -> String {
        use chrono::Datelike;
        let mut out = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
        let ns = t.nanosecond() % 1_000_000_000;
        if ns != 0 {
            out.push_str(format!(".{ns:09}").trim_end_matches('0'));
        }
        out.push('Z');
        out
    }

    proptest! {
        #[test]
        fn timestamp_writer_matches_fmt(secs in -62_000_000_000i64..250_000_000_000i64, ns in 0u32..1_000_000_000) {
            let t = DateTime::<Utc>::from_timestamp(secs, ns).unwrap();
            let mut out = String::new();
            write_timestamp(&t, &mut out);
            prop_assert_eq!(&out, &timestamp_by_fmt(&t));
            prop_assert_eq!(parse_timestamp(&out).unwrap(), t);
        }

        #[test]
        fn float_writer_matches_display(v in any::<f64>()) {
            let mut out = String::new();
            crate::xml::write_float(v, &mut out);
            if v.is_finite() {
                prop_assert_eq!(&out, &v.to_string());
                prop_assert_eq!(crate::xml::parse_float(&out).unwrap().to_bits(), v.to_bits());
            }
        }

        #[test]
        fn float_writer_matches_display_in_the_usual_range(v in -1e9f64..1e9) {
            let mut out = String::new();
            crate::xml::write_float(v, &mut out);
            prop_assert_eq!(out, v.to_string());
        }
    }

    #[test]
    fn huge_durations_are_refused_not_panicked_on() {
        for s in [
            "P4294967295M",
            "P99999999D",
            "PT4294967295H",
            "P101Y",
            "P4294967295Y",
        ] {
            assert!(s.parse::<Duration>().is_err(), "{s}");
        }
        assert!("P100Y".parse::<Duration>().is_ok());
        // Built by hand past the bound: cut, not overflowed.
        let d = Duration {
            years: u32::MAX,
            months: u32::MAX,
            seconds: u32::MAX,
            ..Duration::ZERO
        };
        assert_eq!(
            d.to_chrono(),
            chrono::Duration::seconds(Duration::MAX_SECONDS as i64)
        );
        let mut out = String::new();
        Duration {
            hours: u32::MAX,
            minutes: 1,
            ..Duration::ZERO
        }
        .write_to(&mut out);
        assert_eq!(out, "PT4294967295H1M");
    }

    #[test]
    fn durations_round_trip() {
        for s in [
            "PT0S",
            "PT1H",
            "PT1H30M",
            "P1D",
            "-PT5M",
            "P1Y2M3DT4H5M6S",
            "PT0.5S",
            "PT60M",
        ] {
            let d: Duration = s.parse().unwrap();
            assert_eq!(d.to_string(), s, "{s}");
        }
        assert_eq!("+PT1M".parse::<Duration>().unwrap().to_string(), "PT1M");
        assert_eq!("P2W".parse::<Duration>().unwrap().to_string(), "P14D");
        assert_eq!(Duration::from_secs(5400).to_string(), "PT1H30M");
        assert_eq!(
            "PT1H30M"
                .parse::<Duration>()
                .unwrap()
                .to_chrono()
                .num_seconds(),
            5400
        );
    }

    /// openleadr writes a zero timedelta as "P" (e.g. oadrRegisteredReport's
    /// durations); OpenADR's pattern allows it.
    #[test]
    fn a_bare_p_is_a_zero_duration() {
        for s in ["P", "PT", "-P", "+PT"] {
            let d = s.parse::<Duration>().unwrap();
            assert!(d.is_zero(), "{s:?}");
            assert!(!d.negative, "{s:?}");
            assert_eq!(d.to_string(), "PT0S");
        }
    }

    #[test]
    fn bad_durations_are_errors() {
        for s in [
            "",
            "1H",
            "PT1",
            "PTH",
            "PT1M1H",
            "P1H",
            "PT99999999999S",
            "PT1.5M",
            "P1DT",
        ] {
            assert!(s.parse::<Duration>().is_err(), "{s:?} accepted");
        }
    }

    #[test]
    fn timestamps_in_any_zone_are_utc() {
        let t = parse_timestamp("2026-11-25T14:00:00+02:00").unwrap();
        let mut out = String::new();
        write_timestamp(&t, &mut out);
        assert_eq!(out, "2026-11-25T12:00:00Z");
        let t = parse_timestamp("2026-11-25T14:00:00.250").unwrap();
        assert_eq!(parse_timestamp_fast(b"2026-11-25T14:00:00.250"), Some(t));
        assert_eq!(
            parse_timestamp_fast(b"2026-11-25T14:00:00-05:30"),
            DateTime::parse_from_rfc3339("2026-11-25T14:00:00-05:30")
                .ok()
                .map(|t| t.with_timezone(&Utc))
        );
        out.clear();
        write_timestamp(&t, &mut out);
        assert_eq!(out, "2026-11-25T14:00:00.25Z");
        assert!(parse_timestamp("2026-13-25T14:00:00Z").is_err());
        assert!(parse_timestamp("yesterday").is_err());
        assert!(parse_timestamp("2026-11-25T24:00:00Z").is_err());
        assert!(parse_timestamp("2026-11-25T14:00:00.Z").is_err());
    }
}
