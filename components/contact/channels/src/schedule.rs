//! Opening hours in the region's local time: a week of intervals (several a
//! day for split shifts), public holidays and one-off closures; whether a
//! channel is open at an instant, and when it opens next.
//!
//! Hours are wall-clock times in the region's time zone, so a `09:00`
//! opening stays at 09:00 across daylight-saving changes; instants are
//! converted with the real time-zone database (jiff's bundled copy).
//!
//! The text formats (operators write them in Spin variables):
//! - week: `mon-fri 08:00-12:00,13:00-20:00; sat 09:00-17:00`, or `closed`;
//!   days are `mon`..`sun`, ranges (`mon-fri`) and lists (`mon,wed`); hours
//!   are `HH:MM-HH:MM`, the end exclusive, `24:00` for midnight; clauses add up;
//! - holidays: `12-25, 12-26, 2027-04-05` (`MM-DD` is every year);
//! - closures: `2026-12-24 16:00-24:00; phone 2026-12-02 09:00-11:00; 2026-12-31`
//!   (an optional channel, a date, optional hours; no hours is the whole day).

use crate::channel::Channel;
use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

const MINUTES_PER_DAY: u16 = 24 * 60;

/// How far ahead the next opening is looked for: a year, as a closure of a
/// year or a channel closed on every day means "not scheduled" rather than a loop.
const HORIZON_DAYS: i32 = 370;

/// Opening minutes of one day, `[start, end)` since midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: u16,
    pub end: u16,
}

impl Interval {
    fn contains(self, minute: u16) -> bool {
        self.start <= minute && minute < self.end
    }

    /// `HH:MM-HH:MM`, start before end, within the day.
    fn parse(text: &str) -> Result<Self, String> {
        let (start, end) = text
            .split_once('-')
            .ok_or_else(|| format!("`{text}` is not a time range like 09:00-17:00"))?;
        let interval = Interval {
            start: parse_minute(start)?,
            end: parse_minute(end)?,
        };
        if interval.start >= interval.end {
            return Err(format!(
                "`{text}` ends before it starts (a range cannot cross midnight: split it into two days)"
            ));
        }
        Ok(interval)
    }
}

/// `HH:MM` as minutes since midnight, `24:00` included.
fn parse_minute(text: &str) -> Result<u16, String> {
    let text = text.trim();
    let bad = || format!("`{text}` is not a time like 09:00");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h * 60 + m > MINUTES_PER_DAY {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Monday is 0.
fn day_index(text: &str) -> Result<usize, String> {
    DAY_NAMES
        .iter()
        .position(|d| d.eq_ignore_ascii_case(text.trim()))
        .ok_or_else(|| format!("`{text}` is not a day: use {}", DAY_NAMES.join(", ")))
}

/// Opening intervals for each day of the week.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Week {
    days: [Vec<Interval>; 7],
}

impl Week {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("closed") {
            return Ok(Week::default());
        }
        if text.is_empty() {
            return Err("it is empty: write hours like `mon-fri 09:00-17:00`, or `closed`".into());
        }
        let mut week = Week::default();
        for clause in text.split(';').map(str::trim).filter(|c| !c.is_empty()) {
            let (days, hours) = clause.split_once(char::is_whitespace).ok_or_else(|| {
                format!("`{clause}` needs days and hours, like `mon-fri 09:00-17:00`")
            })?;
            let intervals = hours
                .split(',')
                .map(|h| Interval::parse(h.trim()))
                .collect::<Result<Vec<_>, _>>()?;
            for day in parse_days(days)? {
                if let Some(hours) = week.days.get_mut(day) {
                    hours.extend(&intervals);
                }
            }
        }
        Ok(week)
    }

    pub fn intervals(&self, weekday: Weekday) -> &[Interval] {
        self.days
            .get(usize::from(weekday.to_monday_zero_offset().unsigned_abs()))
            .map_or(&[], Vec::as_slice)
    }
}

/// `mon-fri`, `sat`, `mon,wed,fri`, `fri-mon` (wrapping round the weekend).
fn parse_days(text: &str) -> Result<Vec<usize>, String> {
    let mut days = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (day_index(from)?, day_index(to)?);
                let mut day = from;
                days.push(day);
                while day != to {
                    day = (day + 1) % 7;
                    days.push(day);
                }
            }
            None => days.push(day_index(part)?),
        }
    }
    Ok(days)
}

/// A day every channel is closed: a date, or a month and day every year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday {
    pub year: Option<i16>,
    pub month: i8,
    pub day: i8,
}

impl Holiday {
    fn falls_on(self, date: Date) -> bool {
        self.year.is_none_or(|y| y == date.year())
            && self.month == date.month()
            && self.day == date.day()
    }
}

/// `12-25, 2027-04-05`; empty is none.
pub fn parse_holidays(text: &str) -> Result<Vec<Holiday>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| {
            let bad = || format!("`{h}` is not a date like 2026-12-25, or 12-25 for every year");
            match h.split('-').collect::<Vec<_>>().as_slice() {
                [month, day] => {
                    let (month, day) = (
                        month.parse().map_err(|_| bad())?,
                        day.parse().map_err(|_| bad())?,
                    );
                    // 2024 is a leap year, so 02-29 is accepted.
                    Date::new(2024, month, day).map_err(|_| bad())?;
                    Ok(Holiday {
                        year: None,
                        month,
                        day,
                    })
                }
                [_, _, _] => {
                    let date: Date = h.parse().map_err(|_| bad())?;
                    Ok(Holiday {
                        year: Some(date.year()),
                        month: date.month(),
                        day: date.day(),
                    })
                }
                _ => Err(bad()),
            }
        })
        .collect()
}

/// A one-off closure: a date's hours (all of it by default), of one channel or all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closure {
    pub channel: Option<Channel>,
    pub date: Date,
    pub hours: Interval,
}

/// `2026-12-24 16:00-24:00; phone 2026-12-02 09:00-11:00; 2026-12-31`; empty is none.
pub fn parse_closures(text: &str) -> Result<Vec<Closure>, String> {
    text.split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|clause| {
            let mut words = clause.split_whitespace().peekable();
            let channel = words.peek().and_then(|w| Channel::parse(w));
            if channel.is_some() {
                words.next();
            }
            if channel == Some(Channel::Email) {
                return Err(format!(
                    "`{clause}`: email never closes; name chat or phone, or no channel for both"
                ));
            }
            let date = words.next().unwrap_or("");
            let date: Date = date.parse().map_err(|_| {
                format!("`{clause}` needs a date like 2026-12-24 (after an optional chat or phone)")
            })?;
            let hours = match words.next() {
                Some(hours) => Interval::parse(hours)?,
                None => Interval {
                    start: 0,
                    end: MINUTES_PER_DAY,
                },
            };
            if let Some(extra) = words.next() {
                return Err(format!("`{clause}`: unexpected `{extra}`"));
            }
            Ok(Closure {
                channel,
                date,
                hours,
            })
        })
        .collect()
}

/// Why a channel is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    OutsideHours,
    Holiday,
    Closure,
}

impl Closed {
    pub fn as_str(self) -> &'static str {
        match self {
            Closed::OutsideHours => "outside_hours",
            Closed::Holiday => "holiday",
            Closed::Closure => "closure",
        }
    }
}

/// One channel's hours for one language, in a time zone.
pub struct Calendar<'a> {
    pub week: &'a Week,
    pub holidays: &'a [Holiday],
    /// Every closure; those of another channel are skipped.
    pub closures: &'a [Closure],
    pub channel: Channel,
    pub tz: &'a TimeZone,
}

impl Calendar<'_> {
    fn closures_today(&self, date: Date) -> impl Iterator<Item = &Closure> {
        self.closures
            .iter()
            .filter(move |c| c.date == date && c.channel.is_none_or(|only| only == self.channel))
    }

    /// Open at this wall-clock time in the calendar's time zone, or why not.
    pub fn check(&self, at: DateTime) -> Result<(), Closed> {
        let date = at.date();
        if self.holidays.iter().any(|h| h.falls_on(date)) {
            return Err(Closed::Holiday);
        }
        let minute = (at.hour() as u16) * 60 + at.minute() as u16;
        if !self
            .week
            .intervals(date.weekday())
            .iter()
            .any(|i| i.contains(minute))
        {
            return Err(Closed::OutsideHours);
        }
        if self.closures_today(date).any(|c| c.hours.contains(minute)) {
            return Err(Closed::Closure);
        }
        Ok(())
    }

    /// Open at `now`, or why not.
    pub fn status(&self, now: Timestamp) -> Result<(), Closed> {
        self.check(self.tz.to_datetime(now))
    }

    /// The first instant after `now` at which the channel is open; `None`
    /// when it opens on no day within a year.
    pub fn next_opening(&self, now: Timestamp) -> Option<Timestamp> {
        let today = self.tz.to_datetime(now).date();
        for offset in 0..HORIZON_DAYS {
            let date = today.checked_add(offset.days()).ok()?;
            // An opening is where an interval starts or a closure ends.
            let mut candidates: Vec<u16> = self
                .week
                .intervals(date.weekday())
                .iter()
                .map(|i| i.start)
                .collect();
            candidates.extend(self.closures_today(date).map(|c| c.hours.end));
            candidates.sort_unstable();
            for minute in candidates.into_iter().filter(|m| *m < MINUTES_PER_DAY) {
                let Ok(time) = Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0) else {
                    continue;
                };
                // A time skipped by a daylight-saving change resolves to the
                // instant after the gap; it counts if the channel is open then.
                let Ok(at) = self.tz.to_timestamp(date.to_datetime(time)) else {
                    continue;
                };
                if at > now && self.status(at).is_ok() {
                    return Some(at);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amsterdam() -> TimeZone {
        TimeZone::get("Europe/Amsterdam").unwrap()
    }

    fn at(tz: &TimeZone, local: &str) -> Timestamp {
        tz.to_timestamp(local.parse().unwrap()).unwrap()
    }

    fn local(tz: &TimeZone, ts: Timestamp) -> String {
        tz.to_datetime(ts).strftime("%a %Y-%m-%d %H:%M").to_string()
    }

    fn calendar<'a>(
        week: &'a Week,
        holidays: &'a [Holiday],
        closures: &'a [Closure],
        tz: &'a TimeZone,
    ) -> Calendar<'a> {
        Calendar {
            week,
            holidays,
            closures,
            channel: Channel::Chat,
            tz,
        }
    }

    const CHAT: &str = "mon-fri 08:00-20:00; sat 09:00-17:00";

    #[test]
    fn a_week_reads_ranges_lists_split_shifts_and_closed() {
        let week = Week::parse("mon-fri 08:00-12:00,13:00-20:00; sat,sun 10:00-14:00").unwrap();
        assert_eq!(
            week.intervals(Weekday::Wednesday),
            [
                Interval {
                    start: 480,
                    end: 720
                },
                Interval {
                    start: 780,
                    end: 1200
                }
            ]
        );
        assert_eq!(
            week.intervals(Weekday::Sunday),
            [Interval {
                start: 600,
                end: 840
            }]
        );
        assert!(
            Week::parse("closed")
                .unwrap()
                .days
                .iter()
                .all(Vec::is_empty)
        );
        let weekend = Week::parse("fri-mon 09:00-24:00").unwrap();
        assert!(
            weekend.intervals(Weekday::Sunday).len() == 1
                && weekend.intervals(Weekday::Tuesday).is_empty()
        );
    }

    #[test]
    fn malformed_weeks_say_what_is_wrong() {
        for (text, says) in [
            ("", "empty"),
            ("mon-fri", "needs days and hours"),
            ("mon-fry 09:00-17:00", "`fry` is not a day"),
            ("mon 9:00-17:00", "`9:00` is not a time"),
            ("mon 09:00-25:00", "`25:00` is not a time"),
            ("mon 09:60-10:00", "`09:60` is not a time"),
            ("mon 17:00-09:00", "cannot cross midnight"),
            ("mon 09:00", "not a time range"),
        ] {
            let err = Week::parse(text).unwrap_err();
            assert!(err.contains(says), "{text:?}: {err}");
        }
    }

    #[test]
    fn holidays_and_closures_parse_and_refuse_nonsense() {
        assert_eq!(
            parse_holidays("12-25, 2027-04-05").unwrap(),
            [
                Holiday {
                    year: None,
                    month: 12,
                    day: 25
                },
                Holiday {
                    year: Some(2027),
                    month: 4,
                    day: 5
                }
            ]
        );
        assert!(parse_holidays("").unwrap().is_empty());
        assert!(parse_holidays("02-29").is_ok());
        assert!(parse_holidays("13-01").unwrap_err().contains("`13-01`"));
        assert!(parse_holidays("2026-02-30").is_err());
        let closures =
            parse_closures("2026-12-24 16:00-24:00; phone 2026-12-02 09:00-11:00; 2026-12-31")
                .unwrap();
        assert_eq!(closures[0].channel, None);
        assert_eq!(closures[1].channel, Some(Channel::Phone));
        assert_eq!(
            closures[2].hours,
            Interval {
                start: 0,
                end: 1440
            }
        );
        assert!(
            parse_closures("email 2026-12-24")
                .unwrap_err()
                .contains("email never closes")
        );
        assert!(
            parse_closures("tomorrow")
                .unwrap_err()
                .contains("needs a date")
        );
        assert!(
            parse_closures("2026-12-24 10:00-11:00 extra")
                .unwrap_err()
                .contains("unexpected")
        );
    }

    #[test]
    fn open_from_the_opening_minute_until_the_closing_minute() {
        let (tz, week) = (amsterdam(), Week::parse(CHAT).unwrap());
        let chat = calendar(&week, &[], &[], &tz);
        // Monday 2026-11-23.
        assert_eq!(
            chat.status(at(&tz, "2026-11-23T07:59")),
            Err(Closed::OutsideHours)
        );
        assert_eq!(chat.status(at(&tz, "2026-11-23T08:00")), Ok(()));
        assert_eq!(chat.status(at(&tz, "2026-11-23T19:59:59")), Ok(()));
        assert_eq!(
            chat.status(at(&tz, "2026-11-23T20:00")),
            Err(Closed::OutsideHours)
        );
        assert_eq!(chat.status(at(&tz, "2026-11-28T16:30")), Ok(()), "Saturday");
        assert_eq!(
            chat.status(at(&tz, "2026-11-29T12:00")),
            Err(Closed::OutsideHours),
            "Sunday"
        );
    }

    #[test]
    fn the_next_opening_skips_nights_sundays_holidays_and_closures() {
        let (tz, week) = (amsterdam(), Week::parse(CHAT).unwrap());
        let chat = calendar(&week, &[], &[], &tz);
        assert_eq!(
            local(&tz, chat.next_opening(at(&tz, "2026-11-23T07:00")).unwrap()),
            "Mon 2026-11-23 08:00"
        );
        assert_eq!(
            local(&tz, chat.next_opening(at(&tz, "2026-11-23T20:00")).unwrap()),
            "Tue 2026-11-24 08:00"
        );
        assert_eq!(
            local(&tz, chat.next_opening(at(&tz, "2026-11-28T17:00")).unwrap()),
            "Mon 2026-11-30 08:00"
        );

        let holidays = parse_holidays("12-25, 12-26").unwrap();
        let chat = calendar(&week, &holidays, &[], &tz);
        assert_eq!(
            chat.status(at(&tz, "2026-12-25T10:00")),
            Err(Closed::Holiday)
        );
        // Christmas is a Friday, Boxing Day a Saturday: next is Monday.
        assert_eq!(
            local(&tz, chat.next_opening(at(&tz, "2026-12-25T10:00")).unwrap()),
            "Mon 2026-12-28 08:00"
        );

        let closures = parse_closures("2026-11-24 08:00-13:00").unwrap();
        let chat = calendar(&week, &[], &closures, &tz);
        assert_eq!(
            chat.status(at(&tz, "2026-11-24T09:00")),
            Err(Closed::Closure)
        );
        assert_eq!(
            local(&tz, chat.next_opening(at(&tz, "2026-11-24T09:00")).unwrap()),
            "Tue 2026-11-24 13:00"
        );
    }

    #[test]
    fn hours_stay_on_the_wall_clock_across_daylight_saving_changes() {
        let tz = amsterdam();
        let week = Week::parse("mon-sun 09:00-17:00").unwrap();
        let cal = calendar(&week, &[], &[], &tz);
        // Summer time starts on Sunday 2026-03-29 (UTC+1 to UTC+2), ends Sunday 2026-10-25.
        let march = cal.next_opening(at(&tz, "2026-03-28T18:00")).unwrap();
        assert_eq!(march.to_string(), "2026-03-29T07:00:00Z");
        let october = cal.next_opening(at(&tz, "2026-10-24T18:00")).unwrap();
        assert_eq!(october.to_string(), "2026-10-25T08:00:00Z");
        // An opening inside the skipped hour starts when the clock jumps.
        let early = Week::parse("sun 02:30-04:00").unwrap();
        let cal = calendar(&early, &[], &[], &tz);
        assert_eq!(
            local(&tz, cal.next_opening(at(&tz, "2026-03-28T18:00")).unwrap()),
            "Sun 2026-03-29 03:30"
        );
    }

    #[test]
    fn a_channel_that_never_opens_has_no_next_opening() {
        let (tz, week) = (amsterdam(), Week::parse("closed").unwrap());
        assert_eq!(
            calendar(&week, &[], &[], &tz).next_opening(at(&tz, "2026-11-23T10:00")),
            None
        );
    }
}
