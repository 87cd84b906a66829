//! Human-readable durations as `kubectl get` prints them (apimachinery
//! `util/duration.HumanDuration`): the AGE and REQUESTEDDURATION columns.

use jiff::Timestamp;

/// Formats a duration in whole seconds exactly as `HumanDuration` does: `45s`, `9m59s`,
/// `179m`, `7h59m`, `47h`, `7d23h`, `729d`, `7y364d`, `8y`; `0s` for up to one second of
/// clock skew and `<invalid>` below that.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// The AGE column (`translateTimestampSince`): `<unknown>` without a timestamp, otherwise
/// the time since `then` (truncated to whole seconds, as Go's `int(d.Seconds())` does).
pub fn translate_timestamp_since(then: Option<Timestamp>, now: Timestamp) -> String {
    match then {
        None => "<unknown>".to_string(),
        Some(then) => human_duration(now.duration_since(then).as_secs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_examples() {
        for (seconds, want) in [
            (600, "10m"),
            (3600, "60m"),
            (7200, "120m"),
            (10800, "3h"),
            (86400, "24h"),
            (864000, "10d"),
            (31536000, "365d"),
        ] {
            assert_eq!(human_duration(seconds), want, "{seconds}");
        }
    }

    #[test]
    fn every_boundary() {
        let day = 86400;
        let year = 365 * day;
        for (seconds, want) in [
            (-2, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (1, "1s"),
            (119, "119s"),
            (120, "2m"),
            (121, "2m1s"),
            (599, "9m59s"),
            (601, "10m"),
            (179 * 60 + 59, "179m"),
            (180 * 60, "3h"),
            (3 * 3600 + 60, "3h1m"),
            (8 * 3600 - 1, "7h59m"),
            (8 * 3600, "8h"),
            (8 * 3600 + 60, "8h"),
            (48 * 3600 - 1, "47h"),
            (2 * day, "2d"),
            (2 * day + 3600, "2d1h"),
            (8 * day - 1, "7d23h"),
            (8 * day, "8d"),
            (730 * day - 1, "729d"),
            (2 * year, "2y"),
            (2 * year + day, "2y1d"),
            (8 * year - 1, "7y364d"),
            (8 * year, "8y"),
            (20 * year + 100 * day, "20y"),
        ] {
            assert_eq!(human_duration(seconds), want, "{seconds}");
        }
    }

    #[test]
    fn age_column() {
        let now: Timestamp = "2026-01-02T00:00:00Z".parse().expect("ts");
        assert_eq!(translate_timestamp_since(None, now), "<unknown>");
        let then: Timestamp = "2026-01-01T23:59:00Z".parse().expect("ts");
        assert_eq!(translate_timestamp_since(Some(then), now), "60s");
        let future: Timestamp = "2026-01-02T00:00:05Z".parse().expect("ts");
        assert_eq!(translate_timestamp_since(Some(future), now), "<invalid>");
    }
}
