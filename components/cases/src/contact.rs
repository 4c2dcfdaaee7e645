//! What `contact` says about the channels (`GET /api/contact-options`,
//! DESIGN.md): `{options:[{channel, available, recommended, languages,
//! next_available_at, estimated_wait_minutes}], recommended}`. A case is
//! opened only by a channel `contact` offers at that moment in its language.

use api_conventions::Problem;
use case_records::Channel;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Options {
    options: Vec<Value>,
}

/// The fields of an option this component needs; the rest is passed on as is.
#[derive(Deserialize)]
struct ChannelOption {
    channel: String,
    available: bool,
    #[serde(default)]
    languages: Vec<String>,
    /// RFC 3339 with the region's offset, e.g. `2026-11-25T08:00:00+01:00`.
    next_available_at: Option<String>,
}

/// Unix seconds of an RFC 3339 time.
pub fn unix_seconds(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

fn bad_gateway(detail: impl Into<String>) -> Problem {
    Problem::new(502, "Bad Gateway", detail)
}

/// Reads `contact`'s answer: each option raw and as this component needs it.
fn parse(status: u16, body: &[u8]) -> Result<Vec<(Value, ChannelOption)>, Problem> {
    if status == 400 {
        // `contact` refused a value this request passed on (a `topic` that is
        // no help-center topic): the caller's to fix, not a gateway failure.
        let refused: Value = serde_json::from_slice(body).unwrap_or_default();
        if let Some(field) = refused["field"].as_str() {
            return Err(Problem::invalid_field(
                field,
                refused["detail"]
                    .as_str()
                    .unwrap_or("This value is not accepted."),
            ));
        }
    }
    if status != 200 {
        return Err(bad_gateway(format!(
            "Could not check which contact channels are open (contact answered {status}); try again shortly."
        )));
    }
    let options: Options = serde_json::from_slice(body).map_err(|e| {
        bad_gateway(format!(
            "Could not read which contact channels are open: {e}."
        ))
    })?;
    options
        .options
        .into_iter()
        .map(|raw| {
            let option = ChannelOption::deserialize(&raw)
                .map_err(|e| bad_gateway(format!("Could not read a contact option: {e}.")))?;
            Ok((raw, option))
        })
        .collect()
}

/// `Ok` when `channel` is open now in `lang`; else `409` with the options that are.
pub fn check_open(status: u16, body: &[u8], channel: Channel, lang: &str) -> Result<(), Problem> {
    let options = parse(status, body)?;
    let open_in_lang = |o: &ChannelOption| o.available && o.languages.iter().any(|l| l == lang);
    if options
        .iter()
        .any(|(_, o)| o.channel == channel.as_str() && open_in_lang(o))
    {
        return Ok(());
    }
    let open: Vec<Value> = options
        .into_iter()
        .filter(|(_, o)| open_in_lang(o))
        .map(|(raw, _)| raw)
        .collect();
    Err(Problem::new(
        409,
        "Conflict",
        format!(
            "{} is not open right now in this language; choose one of the channels in `options`.",
            channel.as_str()
        ),
    )
    .with_extension("options", Value::Array(open)))
}

/// Whether a phone callback at `slot` can be booked: the phone line speaks
/// `lang`, and `slot` is no earlier than the line is open (now, when it is
/// open; else its next opening).
pub fn phone_open_at(
    status: u16,
    body: &[u8],
    lang: &str,
    slot: i64,
    now: i64,
) -> Result<bool, Problem> {
    let options = parse(status, body)?;
    let Some((_, phone)) = options
        .iter()
        .find(|(_, o)| o.channel == Channel::Phone.as_str())
    else {
        return Ok(false);
    };
    if !phone.languages.iter().any(|l| l == lang) {
        return Ok(false);
    }
    let opens = if phone.available {
        Some(now)
    } else {
        phone.next_available_at.as_deref().and_then(unix_seconds)
    };
    Ok(opens.is_some_and(|opens| slot >= opens))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(chat_open: bool) -> Vec<u8> {
        json!({
            "options": [
                {"channel": "chat", "available": chat_open, "recommended": chat_open, "languages": ["en", "it"], "next_available_at": if chat_open { Value::Null } else { json!("1970-01-01T02:23:20+01:00") }, "estimated_wait_minutes": 3},
                {"channel": "phone", "available": false, "recommended": false, "languages": ["en", "it"], "next_available_at": "1970-01-01T02:23:20+01:00", "estimated_wait_minutes": null},
                {"channel": "email", "available": true, "recommended": !chat_open, "languages": ["en", "it", "pl"], "next_available_at": null, "estimated_wait_minutes": null},
            ],
            "recommended": "email",
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn an_open_channel_in_the_language_passes() {
        assert!(check_open(200, &answer(true), Channel::Chat, "it").is_ok());
        assert!(check_open(200, &answer(false), Channel::Email, "pl").is_ok());
    }

    #[test]
    fn a_closed_channel_is_409_listing_the_open_ones() {
        let problem = check_open(200, &answer(false), Channel::Chat, "it").unwrap_err();
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
            check_open(200, &answer(true), Channel::Chat, "pl")
                .unwrap_err()
                .status,
            409
        );
    }

    #[test]
    fn a_value_contact_refuses_is_a_400_naming_it() {
        let refused = json!({"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "`topic` is not a help-center topic id.", "field": "topic"});
        let problem =
            check_open(400, refused.to_string().as_bytes(), Channel::Chat, "it").unwrap_err();
        assert_eq!(
            (problem.status, problem.extensions["field"].as_str()),
            (400, Some("topic"))
        );
        assert_eq!(
            check_open(400, b"{}", Channel::Chat, "it")
                .unwrap_err()
                .status,
            502
        );
    }

    #[test]
    fn contact_failing_is_a_502() {
        assert_eq!(
            check_open(500, b"{}", Channel::Email, "en")
                .unwrap_err()
                .status,
            502
        );
        assert_eq!(
            check_open(200, b"nope", Channel::Email, "en")
                .unwrap_err()
                .status,
            502
        );
    }

    #[test]
    fn a_callback_is_booked_from_the_phone_lines_next_opening() {
        assert!(!phone_open_at(200, &answer(false), "it", 4999, 1000).unwrap());
        assert!(phone_open_at(200, &answer(false), "it", 5000, 1000).unwrap());
        assert!(!phone_open_at(200, &answer(false), "pl", 6000, 1000).unwrap());
    }
}
