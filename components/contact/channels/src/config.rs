//! The region's contact settings, from Spin variables. Every variable is
//! checked on every request, and a malformed one is a `500` naming it and
//! saying what is wrong, so an operator sees at once what to fix.

use crate::channel::Channel;
use crate::schedule::{Calendar, Closure, Holiday, Week, parse_closures, parse_holidays};
use api_conventions::Problem;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::json;

/// One live channel's hours: the team's, and a language's own where it differs.
#[derive(Debug)]
pub struct ChannelHours {
    pub team: Week,
    pub by_language: Vec<(&'static str, Week)>,
}

impl ChannelHours {
    fn week_for(&self, lang: &str) -> &Week {
        self.by_language
            .iter()
            .find(|(l, _)| *l == lang)
            .map_or(&self.team, |(_, week)| week)
    }
}

#[derive(Debug)]
pub struct Config {
    pub region: String,
    pub tz_name: String,
    pub tz: TimeZone,
    pub chat: ChannelHours,
    pub phone: ChannelHours,
    pub holidays: Vec<Holiday>,
    pub closures: Vec<Closure>,
    /// Live channels open only while an agent who speaks the language is online.
    pub presence_required: bool,
}

/// A `500` for a malformed variable, naming it.
fn malformed(variable: &str, why: impl std::fmt::Display) -> Problem {
    Problem::new(
        500,
        "Internal Server Error",
        format!("The variable `{variable}` is malformed: {why}. An operator must correct it (see the README's Variables)."),
    )
    .with_extension("variable", json!(variable))
}

impl Config {
    /// Reads and checks the variables; `get` returns a variable's value,
    /// `None` when unset. The time zone is good for `now` and after.
    pub fn load(get: impl Fn(&str) -> Option<String>, now: Timestamp) -> Result<Self, Problem> {
        let text = |name: &str| get(name).unwrap_or_default();
        let tz_name = text("timezone").trim().to_string();
        let tz = crate::zones::by_name(&tz_name, now).map_err(|_| {
            malformed(
                "timezone",
                format!("{tz_name:?} is not an IANA time zone like Europe/Amsterdam"),
            )
        })?;
        let presence_required = match text("presence_required").trim() {
            "true" => true,
            "false" | "" => false,
            other => {
                return Err(malformed(
                    "presence_required",
                    format!("{other:?} is neither true nor false"),
                ));
            }
        };
        Ok(Config {
            region: text("region").trim().to_string(),
            tz_name,
            tz,
            chat: channel_hours(
                Channel::Chat,
                &text("chat_hours"),
                &text("chat_hours_by_language"),
            )?,
            phone: channel_hours(
                Channel::Phone,
                &text("phone_hours"),
                &text("phone_hours_by_language"),
            )?,
            holidays: parse_holidays(&text("holidays")).map_err(|e| malformed("holidays", e))?,
            closures: parse_closures(&text("closures")).map_err(|e| malformed("closures", e))?,
            presence_required,
        })
    }

    /// When `channel` is open for `lang`; `None` for email, which never closes.
    pub fn calendar(&self, channel: Channel, lang: &str) -> Option<Calendar<'_>> {
        let hours = match channel {
            Channel::Chat => &self.chat,
            Channel::Phone => &self.phone,
            Channel::Email => return None,
        };
        Some(Calendar {
            week: hours.week_for(lang),
            holidays: &self.holidays,
            closures: &self.closures,
            channel,
            tz: &self.tz,
        })
    }
}

/// `<channel>_hours` and `<channel>_hours_by_language`:
/// `zh,pl: mon-fri 09:00-17:00 | pt: mon-fri 10:00-16:00; sat 10:00-14:00`.
fn channel_hours(channel: Channel, team: &str, by_language: &str) -> Result<ChannelHours, Problem> {
    // The names are only needed to say which variable is malformed.
    let team = Week::parse(team)
        .map_err(|e| malformed(&format!("{}_hours", channel.as_str()), e))?;
    let mut languages: Vec<(&'static str, Week)> = Vec::new();
    for entry in by_language
        .split('|')
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let bad =
            |why: String| malformed(&format!("{}_hours_by_language", channel.as_str()), why);
        let (langs, hours) = entry
            .split_once(':')
            .filter(|(langs, _)| {
                langs
                    .chars()
                    .all(|c| c.is_ascii_alphabetic() || c == ',' || c == ' ')
            })
            .ok_or_else(|| {
                bad(format!(
                    "`{entry}` needs languages, a colon and hours, like `zh: mon-fri 09:00-17:00`"
                ))
            })?;
        let week = Week::parse(hours).map_err(|e| bad(format!("{langs}: {e}")))?;
        for lang in langs.split(',').map(str::trim) {
            let code = channel
                .languages()
                .iter()
                .copied()
                .find(|l| *l == lang)
                .ok_or_else(|| {
                    bad(format!(
                        "{} is not offered in `{lang}`; it is in {}",
                        channel.as_str(),
                        channel.languages().join(", ")
                    ))
                })?;
            if languages.iter().any(|(l, _)| *l == code) {
                return Err(bad(format!("`{code}` is given twice")));
            }
            languages.push((code, week.clone()));
        }
    }
    Ok(ChannelHours {
        team,
        by_language: languages,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Loads the variables `get` gives, as of the tests' week (November 2026).
    pub fn load(get: impl Fn(&str) -> Option<String>) -> Result<Config, Problem> {
        Config::load(get, "2026-11-23T00:00:00Z".parse().unwrap())
    }

    /// The defaults of `spin.toml`.
    pub fn defaults(name: &str) -> Option<String> {
        let value = match name {
            "region" => "eu-west",
            "timezone" => "Europe/Amsterdam",
            "chat_hours" => "mon-fri 08:00-20:00; sat 09:00-17:00",
            "phone_hours" => "mon-fri 09:00-17:00",
            "presence_required" => "false",
            _ => "",
        };
        Some(value.to_string())
    }

    fn with(name: &'static str, value: &'static str) -> impl Fn(&str) -> Option<String> {
        move |n: &str| {
            if n == name {
                Some(value.to_string())
            } else {
                defaults(n)
            }
        }
    }

    #[test]
    fn the_defaults_load() {
        let config = load(defaults).unwrap();
        assert_eq!(config.tz_name, "Europe/Amsterdam");
        assert!(!config.presence_required);
        assert!(
            config.chat.by_language.is_empty()
                && config.holidays.is_empty()
                && config.closures.is_empty()
        );
    }

    #[test]
    fn each_malformed_variable_is_a_500_naming_it() {
        for (name, value, says) in [
            ("timezone", "Europe/Atlantis", "not an IANA time zone"),
            (
                "chat_hours",
                "weekdays 09:00-17:00",
                "`weekdays` is not a day",
            ),
            ("phone_hours", "", "empty"),
            (
                "chat_hours_by_language",
                "zh mon-fri 09:00-17:00",
                "needs languages, a colon and hours",
            ),
            (
                "phone_hours_by_language",
                "zh: mon-fri 09:00-17:00",
                "phone is not offered in `zh`",
            ),
            (
                "chat_hours_by_language",
                "de: mon 09:00-10:00 | de: tue 09:00-10:00",
                "given twice",
            ),
            ("holidays", "christmas", "not a date"),
            ("closures", "2026-12-24 morning", "not a time range"),
            ("presence_required", "yes", "neither true nor false"),
        ] {
            let problem = load(with(name, value)).unwrap_err();
            assert_eq!(problem.status, 500, "{name}");
            assert_eq!(problem.extensions["variable"], name);
            assert!(
                problem.detail.contains(name) && problem.detail.contains(says),
                "{name}: {}",
                problem.detail
            );
        }
    }

    #[test]
    fn a_language_with_its_own_hours_uses_them_and_the_others_the_team_hours() {
        let config = load(with(
            "chat_hours_by_language",
            "zh, pl: mon-fri 02:00-10:00",
        ))
        .unwrap();
        // Monday 2026-11-23 at 07:00 in Amsterdam: the team has not started, the zh desk has.
        let early: Timestamp = "2026-11-23T06:00:00Z".parse().unwrap();
        assert!(
            config
                .calendar(Channel::Chat, "zh")
                .unwrap()
                .status(early)
                .is_ok()
        );
        assert!(
            config
                .calendar(Channel::Chat, "pl")
                .unwrap()
                .status(early)
                .is_ok()
        );
        assert!(
            config
                .calendar(Channel::Chat, "it")
                .unwrap()
                .status(early)
                .is_err()
        );
        assert!(config.calendar(Channel::Email, "it").is_none());
    }

    #[test]
    fn a_closure_of_one_channel_leaves_the_other_open() {
        let config = load(with("closures", "phone 2026-11-23 09:00-12:00")).unwrap();
        let ten: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        assert!(
            config
                .calendar(Channel::Phone, "en")
                .unwrap()
                .status(ten)
                .is_err()
        );
        assert!(
            config
                .calendar(Channel::Chat, "en")
                .unwrap()
                .status(ten)
                .is_ok()
        );
    }
}
