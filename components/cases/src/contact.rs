//! What `contact` offers decides which cases may open: a case is opened only
//! by a channel offered at that moment in its language, and a phone callback
//! only for a time the phone line is open. The offer is computed in-process
//! by `contact-channels`, the same code `GET /api/contact-options` runs.

use api_conventions::Problem;
use case_records::Channel;
use contact_channels::options::ChannelOption;

fn open_in(option: &ChannelOption, lang: &str) -> bool {
    option.available && option.languages.contains(&lang)
}

/// `Ok` when `channel` is open now in `lang`; else `409` with the options that are.
pub fn check_open(offered: &[ChannelOption], channel: Channel, lang: &str) -> Result<(), Problem> {
    if offered
        .iter()
        .any(|o| o.channel == channel.as_str() && open_in(o, lang))
    {
        return Ok(());
    }
    let open: Vec<&ChannelOption> = offered.iter().filter(|o| open_in(o, lang)).collect();
    Err(Problem::new(
        409,
        "Conflict",
        format!(
            "{} is not open right now in this language; choose one of the channels in `options`.",
            channel.as_str()
        ),
    )
    .with_extension("options", serde_json::to_value(open).unwrap_or_default()))
}

/// Whether a phone callback at `slot` can be booked: the phone line speaks
/// `lang`, and `slot` is no earlier than the line is open (now, when it is
/// open; else its next opening).
pub fn phone_open_at(offered: &[ChannelOption], lang: &str, slot: i64, now: i64) -> bool {
    let Some(phone) = offered
        .iter()
        .find(|o| o.channel == Channel::Phone.as_str())
    else {
        return false;
    };
    if !phone.languages.contains(&lang) {
        return false;
    }
    let opens = if phone.available {
        Some(now)
    } else {
        phone.opens_at.map(|t| t.as_second())
    };
    opens.is_some_and(|opens| slot >= opens)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPOKEN: &[&str] = &["en", "it"];
    const ALL: &[&str] = &["en", "it", "pl"];

    fn option(channel: Channel, languages: &'static [&'static str], available: bool) -> ChannelOption {
        let opens_at = (!available).then(|| jiff::Timestamp::from_second(5000).unwrap());
        ChannelOption {
            channel: channel.as_str(),
            available,
            recommended: false,
            languages,
            open_in: if available { languages.to_vec() } else { Vec::new() },
            unavailable_reason: (!available).then_some("outside_hours"),
            next_available_at: opens_at.map(|t| t.to_string()),
            opens_at,
            estimated_wait_minutes: None,
            reason: None,
        }
    }

    fn offered(chat_open: bool) -> Vec<ChannelOption> {
        vec![
            option(Channel::Chat, SPOKEN, chat_open),
            option(Channel::Phone, SPOKEN, false),
            option(Channel::Email, ALL, true),
        ]
    }

    #[test]
    fn an_open_channel_in_the_language_passes() {
        assert!(check_open(&offered(true), Channel::Chat, "it").is_ok());
        assert!(check_open(&offered(false), Channel::Email, "pl").is_ok());
    }

    #[test]
    fn a_closed_channel_is_409_listing_the_open_ones() {
        let problem = check_open(&offered(false), Channel::Chat, "it").unwrap_err();
        assert_eq!(problem.status, 409);
        let open: Vec<&str> = problem.extensions["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["channel"].as_str().unwrap())
            .collect();
        assert_eq!(open, ["email"]);
        // Open, but not in that language.
        assert_eq!(
            check_open(&offered(true), Channel::Chat, "pl")
                .unwrap_err()
                .status,
            409
        );
    }

    #[test]
    fn a_callback_is_booked_from_the_phone_lines_next_opening() {
        assert!(!phone_open_at(&offered(false), "it", 4999, 1000));
        assert!(phone_open_at(&offered(false), "it", 5000, 1000));
        assert!(!phone_open_at(&offered(false), "pl", 6000, 1000));
        assert!(!phone_open_at(&[], "it", 6000, 1000));
    }
}
