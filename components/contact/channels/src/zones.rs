//! Time zones by IANA name, cheaply. Parsing a zone's TZif data (a few
//! hundred historical transitions) took a tenth of a contact request, twice
//! (the team's zone and the caller's). Contact only asks about now and the
//! days ahead, and for those most zones are their POSIX rule (`EST5EDT,
//! M3.2.0,M11.1.0`), which the build script proved gives the same
//! transitions from 2025 to 2070. Other zones (Morocco's, whose Ramadan
//! changes are listed year by year, and the few whose listed changes after
//! 2025 differ from their rule), and any instant before the rules apply, get
//! the whole zone from jiff's bundled database.

use jiff::Timestamp;
use jiff::tz::TimeZone;

include!(concat!(env!("OUT_DIR"), "/zone_rules.rs"));

/// The zone named `name` (any ASCII case), good for `now` and after.
pub fn by_name(name: &str, now: Timestamp) -> Result<TimeZone, jiff::Error> {
    if now.as_second() >= RULES_FROM
        && let Some(rule) = rule_of(name)
    {
        return TimeZone::posix(rule);
    }
    TimeZone::get(name)
}

fn rule_of(name: &str) -> Option<&'static str> {
    ZONE_RULES
        .binary_search_by(|(key, _)| {
            key.bytes()
                .cmp(name.bytes().map(|b| b.to_ascii_lowercase()))
        })
        .ok()
        .map(|i| ZONE_RULES[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// Every hour of 2026 and 2027 in `zone`, by rule and by the whole zone.
    fn assert_same_offsets_hourly(name: &str) {
        let rule = by_name(name, at("2026-01-01T00:00:00Z")).unwrap();
        let whole = TimeZone::get(name).unwrap();
        let start = at("2026-01-01T00:00:00Z").as_second();
        for hour in 0..(2 * 366 * 24) {
            let instant = Timestamp::from_second(start + hour * 3600).unwrap();
            assert_eq!(rule.to_offset(instant), whole.to_offset(instant), "{name} at {instant}");
        }
    }

    #[test]
    fn the_rules_give_the_whole_zones_offsets() {
        // Both hemispheres' daylight saving, half-hour steps, none at all.
        for name in [
            "America/New_York",
            "Europe/Amsterdam",
            "Europe/Warsaw",
            "Australia/Lord_Howe",
            "America/Sao_Paulo",
            "Asia/Shanghai",
            "Asia/Kolkata",
        ] {
            assert!(rule_of(name).is_some(), "{name} has no rule");
            assert_same_offsets_hourly(name);
        }
    }

    #[test]
    fn names_are_found_in_any_case_and_unknown_ones_are_errors() {
        assert_eq!(rule_of("america/new_york"), rule_of("America/New_York"));
        assert_eq!(rule_of("America/New_York"), Some("EST5EDT,M3.2.0,M11.1.0"));
        assert!(by_name("Mars/Olympus_Mons", at("2026-06-01T00:00:00Z")).is_err());
        assert!(by_name("", at("2026-06-01T00:00:00Z")).is_err());
    }

    #[test]
    fn a_zone_whose_rule_does_not_say_it_all_is_read_whole() {
        // Morocco leaves its rule for every Ramadan: the changes are listed.
        assert_eq!(rule_of("Africa/Casablanca"), None);
        let zone = by_name("Africa/Casablanca", at("2026-06-01T00:00:00Z")).unwrap();
        assert_eq!(zone.iana_name(), Some("Africa/Casablanca"));
    }

    #[test]
    fn before_the_rules_apply_the_whole_zone_is_read() {
        let zone = by_name("America/New_York", at("2020-06-01T00:00:00Z")).unwrap();
        assert_eq!(zone.iana_name(), Some("America/New_York"));
    }
}
