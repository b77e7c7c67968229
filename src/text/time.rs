//! Time stamps: ISO 8601 in UTC as quarry writes them, today's date, and the many ways post
//! exports write a time ([`parse_time`]), read into seconds since 1970 (UTC).

/// `2014-12-26T23:13:35Z` for seconds since 1970.
pub fn iso_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Inverse of days_from_civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Today's date in UTC, `2026-12-07`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let iso = iso_utc(secs);
    iso.get(..10).unwrap_or(&iso).to_string()
}

/// Seconds since 1970 for a time as exports write it: Twitter's `Fri Dec 26 23:13:35 +0000
/// 2014`, ISO 8601 / RFC 3339 (`2020-12-20 06:06:44`, `2023-04-03T02:50:24.000Z`,
/// `...+02:00`), a bare date, or Unix seconds (Reddit's `created_utc`, also as `1.6e9`-style
/// floats or milliseconds). Times without an offset are taken as UTC.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let secs: f64 = s.parse().ok()?;
        // Milliseconds (13 digits) are common in exports too.
        let secs = if secs > 1e11 { secs / 1000.0 } else { secs };
        return Some(secs as i64);
    }
    twitter_time(s).or_else(|| iso_time(s))
}

fn twitter_time(s: &str) -> Option<i64> {
    // Fri Dec 26 23:13:35 +0000 2014
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, mon, day, hms, off, year] = parts.as_slice() else {
        return None;
    };
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as u32 + 1;
    let day: u32 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let secs = hms_secs(hms)?;
    let off = offset_secs(off)?;
    Some(days_from_civil(year, month, day)? * 86_400 + secs - off)
}

fn iso_time(s: &str) -> Option<i64> {
    let (date, rest) = if s.len() > 10 {
        (s.get(..10)?, s.get(10..)?)
    } else {
        (s, "")
    };
    let mut d = date.split('-');
    let year: i64 = d.next()?.parse().ok()?;
    let month: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    if d.next().is_some() {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    let rest = rest.trim_start_matches(['T', 't', ' ']);
    if rest.is_empty() {
        return Some(days * 86_400);
    }
    // hh:mm[:ss][.fff][Z|±hh:mm|±hhmm| UTC]
    let cut = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(cut);
    let clock = clock.split('.').next()?;
    let secs = hms_secs(clock)?;
    let zone = zone.trim();
    let off = match zone {
        "" | "Z" | "z" | "UTC" | "GMT" | "+00:00" => 0,
        z => offset_secs(&z.replace(':', ""))?,
    };
    Some(days * 86_400 + secs - off)
}

fn hms_secs(s: &str) -> Option<i64> {
    let mut it = s.split(':');
    let h: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let sec: i64 = match it.next() {
        Some(x) => x.parse().ok()?,
        None => 0,
    };
    if it.next().is_some() || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    Some(h * 3600 + m * 60 + sec)
}

fn offset_secs(s: &str) -> Option<i64> {
    let (sign, digits) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..].parse().ok()?;
    Some(sign * (h * 3600 + m * 60))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (None if the date does not exist).
fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
