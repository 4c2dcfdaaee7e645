//! `GET /api/contact-options`: how the caller can reach the team now, for
//! their situation, in their language, and which way is best.

use crate::channel::Channel;
use crate::config::Config;
use crate::presence::{self, Presence};
use crate::recommend::{Reason, Situation, known_topic};
use crate::schedule::Closed;
use crate::texts::text;
use api_conventions::{ApiResponse, ApiResult, Lang, Problem, negotiate_lang};
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use key_value::KeyValue;
use marketplace::OrderStanding;
use serde::Serialize;
use sessions::User;

/// Minutes of an agent's time one open chat case takes, for the wait estimate.
pub const MINUTES_PER_OPEN_CASE: u64 = 5;

/// Minutes until an agent is free: the open cases shared among the agents
/// who can take this one, [`MINUTES_PER_OPEN_CASE`] each, rounded up.
fn estimated_wait(open_cases: u64, agents: u64) -> u64 {
    open_cases
        .saturating_mul(MINUTES_PER_OPEN_CASE)
        .div_ceil(agents.max(1))
}

/// The stores the answer may read.
pub struct Stores<S> {
    pub marketplace: S,
    pub conversations: S,
    pub presence: S,
    pub cases: S,
}

impl<S> Stores<S> {
    /// Each store from `open`, given its label.
    pub fn open_with(open: impl Fn(&'static str) -> S) -> Self {
        Stores {
            marketplace: open(marketplace::STORE),
            conversations: open(conversations::STORE),
            presence: open(presence::STORE),
            cases: open(case_records::STORE),
        }
    }
}

/// What the route is asked for; `None` is not given.
#[derive(Debug, Default, PartialEq, Eq)]
struct Query {
    conversation_id: Option<String>,
    order_id: Option<String>,
    topic: Option<String>,
    lang: Option<String>,
    /// The caller's IANA time zone, for `next_available_at`.
    tz: Option<String>,
}

/// The route's query, each parameter at most once; blank is absent.
fn parse_query(raw: &str) -> Result<Query, Problem> {
    let mut query = Query::default();
    for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let slot = match name.as_ref() {
            "conversation_id" => &mut query.conversation_id,
            "order_id" => &mut query.order_id,
            "topic" => &mut query.topic,
            "lang" => &mut query.lang,
            "tz" => &mut query.tz,
            _ => continue,
        };
        if slot.is_some() {
            return Err(Problem::invalid_field(
                &name,
                format!("Give `{name}` once."),
            ));
        }
        let value = value.trim();
        if !value.is_empty() {
            *slot = Some(value.to_string());
        }
    }
    Ok(query)
}

/// One way to reach the team, as offered to the caller.
#[derive(Debug, Serialize)]
pub struct ChannelOption {
    pub channel: &'static str,
    /// Open now in the caller's language.
    pub available: bool,
    pub recommended: bool,
    /// Every language the channel is offered in.
    pub languages: &'static [&'static str],
    /// The languages it is open in now.
    pub open_in: Vec<&'static str>,
    /// Why it is not available: `outside_hours`, `holiday`, `closure`, `no_agent_online`.
    pub unavailable_reason: Option<&'static str>,
    /// When it opens next by its hours (in `time_zone`); `null` when open, or
    /// when it opens on no day within a year.
    pub next_available_at: Option<String>,
    /// `next_available_at` as an instant, for the callers in-process.
    #[serde(skip)]
    pub opens_at: Option<Timestamp>,
    pub estimated_wait_minutes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
struct NotOffered {
    channel: &'static str,
    languages: &'static [&'static str],
    reason: String,
}

/// The answer of `GET /api/contact-options`.
#[derive(Debug, Serialize)]
pub struct ContactOptions {
    /// The channels that speak the caller's language, best first.
    pub options: Vec<ChannelOption>,
    recommended: &'static str,
    reason: String,
    message_seller_first: bool,
    seller_first_reason: Option<String>,
    not_offered: Vec<NotOffered>,
    situation: &'static str,
    topic: Option<String>,
    order_id: Option<String>,
    lang: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang_unsupported: Option<String>,
    region: String,
    time_zone: String,
    now: String,
    presence_required: bool,
}

/// RFC 3339 with the zone's offset at that instant.
fn rfc3339(at: Timestamp, tz: &TimeZone) -> String {
    at.display_with_offset(tz.to_offset(at)).to_string()
}

/// What `presence` says about a live channel in a language.
struct Staffing<'a> {
    agents: Option<&'a [Presence]>,
}

impl Staffing<'_> {
    /// Agents online who speak `lang`; `None` when presence is not in use.
    fn speakers(&self, lang: &str) -> Option<u64> {
        self.agents
            .map(|agents| agents.iter().filter(|a| a.speaks(lang)).count() as u64)
    }
}

/// Why a channel is not available now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unavailable {
    /// Its hours say so.
    Closed(Closed),
    /// Presence is required and no agent who speaks the language is online.
    NoAgentOnline,
}

impl Unavailable {
    fn as_str(self) -> &'static str {
        match self {
            Unavailable::Closed(closed) => closed.as_str(),
            Unavailable::NoAgentOnline => "no_agent_online",
        }
    }
}

/// Whether a channel is open for a language at `local`, the region's wall-clock time now.
fn open_now(
    config: &Config,
    staffing: &Staffing,
    channel: Channel,
    lang: &str,
    local: DateTime,
) -> Result<(), Unavailable> {
    if let Some(calendar) = config.calendar(channel, lang) {
        calendar.check(local).map_err(Unavailable::Closed)?;
    }
    match staffing.speakers(lang) {
        Some(0) if channel.is_live() => Err(Unavailable::NoAgentOnline),
        _ => Ok(()),
    }
}

/// When the channel's hours open next for `lang`; presence cannot be foreseen.
fn next_opening(
    config: &Config,
    channel: Channel,
    lang: &str,
    now: Timestamp,
) -> Option<Timestamp> {
    config.calendar(channel, lang)?.next_opening(now)
}

/// `GET /api/contact-options?conversation_id=&order_id=&topic=&lang=&tz=`.
pub fn contact_options(
    stores: &Stores<impl KeyValue>,
    config: &Config,
    caller: &User,
    raw_query: &str,
    accept_language: Option<&str>,
    now: i64,
) -> ApiResult {
    let query = parse_query(raw_query)?;
    let body = options(stores, config, caller, &query, accept_language, now)?;
    Ok(ApiResponse::json(200, &body).with_header("cache-control", "private, no-store"))
}

/// How `caller` can reach the team at `now` about `query`'s situation:
/// `400` for a malformed `tz` or `topic`, `404` for a conversation or order
/// that is not theirs.
fn options(
    stores: &Stores<impl KeyValue>,
    config: &Config,
    caller: &User,
    query: &Query,
    accept_language: Option<&str>,
    now: i64,
) -> Result<ContactOptions, Problem> {
    let callers_zone = match &query.tz {
        Some(name) => Some(crate::zones::by_name(name, instant(now)?).map_err(|_| {
            let shown: String = name.chars().take(64).collect();
            Problem::invalid_field("tz", format!("`{shown}` is not an IANA time zone; send one like Europe/Rome or America/New_York."))
        })?),
        None => None,
    };
    let topic = match query.topic.as_deref() {
        Some(t) => Some(known_topic(t).ok_or_else(|| {
            Problem::invalid_field(
                "topic",
                "`topic` is not a help-center topic id (e.g. item-not-received, account-security).",
            )
        })?),
        None => None,
    };
    let lang = negotiate_lang(query.lang.as_deref(), accept_language, Some(&caller.lang));
    let circumstances = circumstances(stores, caller, query.conversation_id.as_deref(), query.order_id.as_deref(), topic)?;
    let shown_in = query.tz.as_deref().zip(callers_zone.as_ref());
    offer(stores, config, caller, &circumstances, lang, shown_in, now)
}

/// What the offer depends on besides the hour and the language: what the
/// contact is about.
#[derive(Debug)]
pub struct Circumstances {
    /// A help-center topic id.
    pub topic: Option<String>,
    /// The order it is about, if the caller may see it.
    pub order: Option<OrderStanding>,
}

/// The circumstances of a conversation and an order of `caller`'s (`404`
/// when either is not theirs); `topic` overrides the conversation's.
fn circumstances(
    stores: &Stores<impl KeyValue>,
    caller: &User,
    conversation_id: Option<&str>,
    order_id: Option<&str>,
    topic: Option<&str>,
) -> Result<Circumstances, Problem> {
    let conversation = match conversation_id {
        Some(id) => Some(
            conversations::read(&stores.conversations, caller, id)?
                .ok_or_else(Problem::not_found)?,
        ),
        None => None,
    };
    let order = match (
        order_id,
        conversation.as_ref().and_then(|c| c.order_id.as_deref()),
    ) {
        (Some(id), _) => Some(
            marketplace::standing_for(&stores.marketplace, caller, id)?
                .ok_or_else(Problem::not_found)?,
        ),
        // The conversation's order may since have become invisible; it then just does not count.
        (None, Some(id)) => marketplace::standing_for(&stores.marketplace, caller, id)?,
        (None, None) => None,
    };
    let topic = topic.map(str::to_string).or_else(|| {
        conversation
            .as_ref()
            .and_then(|c| c.topic().map(str::to_string))
    });
    Ok(Circumstances { topic, order })
}

fn instant(now: i64) -> Result<Timestamp, Problem> {
    Timestamp::from_second(now)
        .map_err(|_| Problem::new(500, "Internal Server Error", "The clock is out of range."))
}

/// The offer to `caller` at `now` in these circumstances and `lang`, with
/// its times in `shown_in` (a zone's name and rules; the region's when
/// `None`). Only presence and the open cases are read here: a caller that
/// already holds the order and the topic passes them in.
pub fn offer(
    stores: &Stores<impl KeyValue>,
    config: &Config,
    caller: &User,
    circumstances: &Circumstances,
    lang: Lang,
    shown_in: Option<(&str, &TimeZone)>,
    now: i64,
) -> Result<ContactOptions, Problem> {
    let at = instant(now)?;
    let (tz_name, tz) = shown_in.unwrap_or((&config.tz_name, &config.tz));
    let Circumstances { topic, order } = circumstances;
    let situation = Situation::of(topic.as_deref(), order.is_some());
    // Only the buyer messages the seller, and never instead of reporting fraud or a safety problem.
    let message_seller_first = situation != Situation::Urgent
        && order
            .as_ref()
            .is_some_and(|o| o.buyer_id == caller.id && o.seller_first(now));

    let agents = if config.presence_required {
        Some(presence::online(&stores.presence, now)?)
    } else {
        None
    };
    let staffing = Staffing {
        agents: agents.as_deref(),
    };
    let local = config.tz.to_datetime(at);

    let mut offered = Vec::new();
    let mut not_offered = Vec::new();
    for channel in situation.preference() {
        if !channel.speaks(lang.code) {
            not_offered.push(NotOffered {
                channel: channel.as_str(),
                languages: channel.languages(),
                reason: text(Reason::PhoneNotInLanguage, lang.code),
            });
            continue;
        }
        let unavailable = open_now(config, &staffing, channel, lang.code, local).err();
        let available = unavailable.is_none();
        let next = match unavailable {
            Some(Unavailable::Closed(_)) => next_opening(config, channel, lang.code, at),
            _ => None,
        };
        let estimated_wait_minutes = match staffing.speakers(lang.code) {
            Some(agents) if available && channel.is_live() && agents > 0 => Some(estimated_wait(
                case_records::open_cases(&stores.cases, channel.as_str())?,
                agents,
            )),
            _ => None,
        };
        let open_in = channel
            .languages()
            .iter()
            .copied()
            .filter(|l| open_now(config, &staffing, channel, l, local).is_ok())
            .collect();
        offered.push(ChannelOption {
            channel: channel.as_str(),
            available,
            recommended: false,
            languages: channel.languages(),
            open_in,
            unavailable_reason: unavailable.map(Unavailable::as_str),
            next_available_at: next.map(|t| rfc3339(t, tz)),
            opens_at: next,
            estimated_wait_minutes,
            reason: None,
        });
    }

    let is_available = |c: Channel| {
        offered
            .iter()
            .any(|o| o.channel == c.as_str() && o.available)
    };
    let (recommended, reason) = situation.recommend(is_available);
    let reason = text(reason, lang.code);
    for option in offered
        .iter_mut()
        .filter(|o| o.channel == recommended.as_str())
    {
        option.recommended = true;
        option.reason = Some(reason.clone());
    }
    Ok(ContactOptions {
        options: offered,
        recommended: recommended.as_str(),
        reason,
        message_seller_first,
        seller_first_reason: message_seller_first.then(|| text(Reason::SellerFirst, lang.code)),
        not_offered,
        situation: situation.as_str(),
        topic: topic.clone(),
        order_id: order.as_ref().map(|o| o.id.clone()),
        lang: lang.code,
        lang_unsupported: lang.unsupported,
        region: config.region.clone(),
        time_zone: tz_name.to_string(),
        now: rfc3339(at, tz),
        presence_required: config.presence_required,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::{defaults, load};
    use key_value::MemoryStore;
    use serde_json::Value;
    use sessions::Role;

    fn stores() -> Stores<MemoryStore> {
        Stores {
            marketplace: MemoryStore::default(),
            conversations: MemoryStore::default(),
            presence: MemoryStore::default(),
            cases: MemoryStore::default(),
        }
    }

    fn user(id: &str, lang: &str, roles: Vec<Role>, languages: &[&str]) -> User {
        User {
            id: id.into(),
            name: id.into(),
            email: format!("{id}@example.com"),
            roles,
            lang: lang.into(),
            languages: languages.iter().map(|l| l.to_string()).collect(),
        }
    }

    fn anna() -> User {
        user("u-anna", "it", vec![Role::Buyer], &[])
    }

    /// Monday 2026-11-23, 10:00 in Amsterdam.
    fn monday_ten() -> i64 {
        "2026-11-23T09:00:00Z"
            .parse::<Timestamp>()
            .unwrap()
            .as_second()
    }

    fn ask(
        stores: &Stores<MemoryStore>,
        config: &Config,
        caller: &User,
        query: &str,
        now: i64,
    ) -> Result<Value, Problem> {
        contact_options(stores, config, caller, query, None, now).map(|r| r.json_body())
    }

    fn option<'a>(body: &'a Value, channel: &str) -> &'a Value {
        body["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["channel"] == channel)
            .unwrap_or(&Value::Null)
    }

    #[test]
    fn query_parameters_are_decoded_and_given_once() {
        let query = parse_query("tz=America%2FNew_York&topic=&lang=de&x=1").unwrap();
        assert_eq!(query.tz.as_deref(), Some("America/New_York"));
        assert_eq!(query.topic, None);
        assert_eq!(
            parse_query("lang=de&lang=it").unwrap_err().extensions["field"],
            "lang"
        );
    }

    #[test]
    fn the_wait_is_the_open_cases_shared_among_the_agents_online() {
        assert_eq!(estimated_wait(0, 2), 0);
        assert_eq!(estimated_wait(3, 1), 15);
        assert_eq!(estimated_wait(3, 2), 8);
        assert_eq!(estimated_wait(u64::MAX, 0), u64::MAX);
    }

    #[test]
    fn bad_tz_and_topic_are_400_naming_them() {
        let config = load(defaults).unwrap();
        let err = ask(
            &stores(),
            &config,
            &anna(),
            "tz=Mars%2FOlympus",
            monday_ten(),
        )
        .unwrap_err();
        assert_eq!(
            (err.status, err.extensions["field"].as_str()),
            (400, Some("tz"))
        );
        let err = ask(&stores(), &config, &anna(), "topic=weather", monday_ten()).unwrap_err();
        assert_eq!(
            (err.status, err.extensions["field"].as_str()),
            (400, Some("topic"))
        );
    }

    #[test]
    fn unknown_orders_and_conversations_are_404() {
        let config = load(defaults).unwrap();
        for query in [
            "order_id=ord-NOPE",
            "conversation_id=c-0123456789abcdef0123456789abcdef",
            "order_id=..%2F",
        ] {
            assert_eq!(
                ask(&stores(), &config, &anna(), query, monday_ten())
                    .unwrap_err()
                    .status,
                404,
                "{query}"
            );
        }
    }

    #[test]
    fn inside_hours_every_channel_is_open_and_a_general_question_gets_email() {
        let config = load(defaults).unwrap();
        let body = ask(&stores(), &config, &anna(), "", monday_ten()).unwrap();
        assert_eq!(body["recommended"], "email");
        assert_eq!(body["lang"], "it");
        assert_eq!(body["now"], "2026-11-23T10:00:00+01:00");
        assert_eq!(body["reason"], text(Reason::GeneralEmail, "it"));
        for channel in ["email", "chat", "phone"] {
            assert_eq!(option(&body, channel)["available"], true, "{channel}");
        }
        assert_eq!(option(&body, "email")["recommended"], true);
        assert_eq!(
            option(&body, "chat")["estimated_wait_minutes"],
            Value::Null,
            "no presence, no estimate"
        );
    }

    #[test]
    fn at_night_live_channels_say_when_they_open_in_the_callers_time_zone() {
        let config = load(defaults).unwrap();
        let night = monday_ten() + 12 * 3600; // 22:00 in Amsterdam
        let body = ask(
            &stores(),
            &config,
            &anna(),
            "topic=account-security&tz=America%2FNew_York",
            night,
        )
        .unwrap();
        assert_eq!(body["recommended"], "email");
        assert_eq!(body["reason"], text(Reason::UrgentEmail, "it"));
        assert_eq!(
            option(&body, "phone")["unavailable_reason"],
            "outside_hours"
        );
        assert_eq!(
            option(&body, "phone")["next_available_at"],
            "2026-11-24T03:00:00-05:00"
        );
        assert_eq!(
            option(&body, "chat")["next_available_at"],
            "2026-11-24T02:00:00-05:00"
        );
        assert_eq!(option(&body, "email")["available"], true);
        assert_eq!(body["time_zone"], "America/New_York");
    }

    #[test]
    fn chinese_and_polish_are_never_offered_phone_and_are_told_why() {
        let config = load(defaults).unwrap();
        for lang in ["zh", "pl"] {
            let body = ask(
                &stores(),
                &config,
                &anna(),
                &format!("topic=fraud-and-phishing&lang={lang}"),
                monday_ten(),
            )
            .unwrap();
            assert_eq!(option(&body, "phone"), &Value::Null, "{lang}");
            assert_eq!(body["recommended"], "chat");
            assert_eq!(body["not_offered"][0]["channel"], "phone");
            assert_eq!(
                body["not_offered"][0]["reason"],
                text(Reason::PhoneNotInLanguage, lang)
            );
        }
    }

    #[test]
    fn a_buyer_within_the_sellers_reply_window_is_told_to_message_the_seller_first() {
        let (config, stores) = (load(defaults).unwrap(), stores());
        marketplace::writer::ensure_seeded(&stores.marketplace, monday_ten()).unwrap();
        // Shipped, and Anna has not written to the seller yet.
        let body = ask(
            &stores,
            &config,
            &anna(),
            "order_id=ord-T5WQ2",
            monday_ten(),
        )
        .unwrap();
        assert_eq!(
            (
                body["message_seller_first"].as_bool(),
                body["situation"].as_str()
            ),
            (Some(true), Some("order"))
        );
        assert_eq!(body["seller_first_reason"], text(Reason::SellerFirst, "it"));
        assert_eq!(body["recommended"], "chat");
        // The overdue parcel: she wrote four days ago and heard nothing.
        let body = ask(
            &stores,
            &config,
            &anna(),
            "order_id=ord-K8D5V&topic=item-not-received",
            monday_ten(),
        )
        .unwrap();
        assert_eq!(body["message_seller_first"], false);
        // Fraud is reported to the team straight away.
        let body = ask(
            &stores,
            &config,
            &anna(),
            "order_id=ord-T5WQ2&topic=fraud-and-phishing",
            monday_ten(),
        )
        .unwrap();
        assert_eq!(
            (
                body["message_seller_first"].as_bool(),
                body["recommended"].as_str()
            ),
            (Some(false), Some("phone"))
        );
        // Marco's order is not Anna's.
        assert_eq!(
            ask(
                &stores,
                &config,
                &anna(),
                "order_id=ord-W4H6S",
                monday_ten()
            )
            .unwrap_err()
            .status,
            404
        );
    }

    #[test]
    fn an_offer_for_an_order_in_hand_is_what_the_route_answers_about_it() {
        let (config, stores) = (load(defaults).unwrap(), stores());
        marketplace::writer::ensure_seeded(&stores.marketplace, monday_ten()).unwrap();
        let facts = marketplace::order_facts(&stores.marketplace, &anna(), "ord-T5WQ2")
            .unwrap()
            .unwrap();
        let circumstances = Circumstances {
            topic: Some("item-not-received".into()),
            order: Some(OrderStanding::of(&facts.order)),
        };
        let lang = negotiate_lang(Some("it"), None, None);
        let offered = offer(&stores, &config, &anna(), &circumstances, lang, None, monday_ten()).unwrap();
        let asked = ask(
            &stores,
            &config,
            &anna(),
            "order_id=ord-T5WQ2&topic=item-not-received&lang=it",
            monday_ten(),
        )
        .unwrap();
        assert_eq!(serde_json::to_value(&offered).unwrap(), asked);
        assert_eq!(asked["message_seller_first"], true);
    }

    #[test]
    fn with_presence_required_chat_opens_only_for_the_languages_of_online_agents() {
        let config = load(|n: &str| {
            if n == "presence_required" {
                Some("true".into())
            } else {
                defaults(n)
            }
        })
        .unwrap();
        let stores = stores();
        let body = ask(
            &stores,
            &config,
            &anna(),
            "topic=item-not-received",
            monday_ten(),
        )
        .unwrap();
        assert_eq!(option(&body, "chat")["available"], false);
        assert_eq!(
            option(&body, "chat")["unavailable_reason"],
            "no_agent_online"
        );
        assert_eq!(body["recommended"], "email");

        let agent = user("u-agent", "en", vec![Role::Agent], &["en", "de"]);
        presence::set(
            &stores.presence,
            &agent,
            Some(vec!["en".into(), "de".into()]),
            monday_ten(),
        )
        .unwrap();
        let it = ask(
            &stores,
            &config,
            &anna(),
            "topic=item-not-received",
            monday_ten(),
        )
        .unwrap();
        assert_eq!(
            option(&it, "chat")["available"],
            false,
            "nobody online speaks Italian"
        );
        assert_eq!(
            option(&it, "chat")["open_in"],
            serde_json::json!(["en", "de"])
        );
        let de = ask(
            &stores,
            &config,
            &anna(),
            "topic=item-not-received&lang=de",
            monday_ten(),
        )
        .unwrap();
        assert_eq!(option(&de, "chat")["available"], true);
        assert_eq!(
            option(&de, "chat")["estimated_wait_minutes"],
            0,
            "no open chat cases"
        );
        assert_eq!(de["recommended"], "chat");
    }
}
