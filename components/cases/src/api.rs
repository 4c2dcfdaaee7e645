//! The routes on an existing case and the agents' queue: plain functions
//! over the `cases` store, the caller and the current time.
//!
//! A case is seen by its buyer, the seller of its order, and agents; for
//! anyone else every case id, existing or not, is the same `404`. A party
//! asking for what only agents may do (change the status, resolve) is told
//! `403`: they know the case exists, so nothing leaks.

use api_conventions::{ApiResponse, ApiResult, Problem, number_param, parse_json, query_pairs};
use case_records::writer::{self, AtomicKeyValue};
use case_records::{Callback, Case, Channel, HistoryEntry, Listing, Message, PartyRole, Resolution, Status};
use conversations::Conversation;
use key_value::KeyValue;
use marketplace::OrderFacts;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sessions::{Role, User};

const MAX_MESSAGE_CHARS: usize = 10_000;
pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 500;

/// Personal data: never cached by a shared cache.
pub fn personal(status: u16, body: &impl Serialize) -> ApiResponse {
    ApiResponse::json(status, body).with_header("cache-control", "private, no-store")
}

/// How `caller` relates to a case they are `party` to, or not: a party
/// first, else an agent; `None` for anyone else.
fn role_of(party: Option<PartyRole>, caller: &User) -> Option<PartyRole> {
    party.or(caller.has_role(Role::Agent).then_some(PartyRole::Agent))
}

/// How `caller` relates to `case` (see [`role_of`]).
pub fn viewer_role(case: &Case, caller: &User) -> Option<PartyRole> {
    role_of(case.party_role(&caller.id), caller)
}

/// The case `id` if `caller` may see it, with how they relate to it; else `404`.
pub fn visible_case(
    store: &impl KeyValue,
    caller: &User,
    id: &str,
) -> Result<(Case, PartyRole), Problem> {
    let case = case_records::case(store, id)?.ok_or_else(Problem::not_found)?;
    let role = viewer_role(&case, caller).ok_or_else(Problem::not_found)?;
    Ok((case, role))
}

/// As [`visible_case`], reading only the case's [`Listing`]: the message
/// routes, which a live chat polls every few seconds, need no more of it
/// than that, and a case that carries its conversation and order is
/// several kilobytes.
fn visible_listing(
    store: &impl KeyValue,
    caller: &User,
    id: &str,
) -> Result<(Listing, PartyRole), Problem> {
    let case = case_records::listing(store, id)?.ok_or_else(Problem::not_found)?;
    let role = role_of(case.party_role(&caller.id), caller).ok_or_else(Problem::not_found)?;
    Ok((case, role))
}

fn agents_only(what: &str) -> Problem {
    Problem::new(
        403,
        "Forbidden",
        format!("Only the support team can {what}; write a message on the case instead."),
    )
}

/// A case as `caller` sees it: its own fields, and how the caller relates
/// to it. The AI conversation and the callback number are the opener's
/// (and the agents'): the other party sees no conversation and only the
/// callback's slot. Serialised straight from the case, without a copy.
#[derive(Serialize)]
pub struct CaseBody<'a> {
    id: &'a str,
    region: &'a str,
    status: Status,
    channel: Channel,
    lang: &'a str,
    topic: &'a str,
    description: &'a str,
    opened_by: &'a str,
    buyer_id: &'a str,
    seller_id: Option<&'a str>,
    order: Option<&'a OrderFacts>,
    conversation: Option<&'a Conversation>,
    callback: Option<CallbackView<'a>>,
    resolution: Option<&'a Resolution>,
    history: &'a [HistoryEntry],
    created_at: i64,
    updated_at: i64,
    caller_role: Option<PartyRole>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum CallbackView<'a> {
    Whole(&'a Callback),
    SlotOnly { slot: i64 },
}

pub fn case_body<'a>(case: &'a Case, caller: &User) -> CaseBody<'a> {
    let role = viewer_role(case, caller);
    let own = role == Some(PartyRole::Agent) || case.opened_by == caller.id;
    CaseBody {
        id: &case.id,
        region: &case.region,
        status: case.status,
        channel: case.channel,
        lang: &case.lang,
        topic: &case.topic,
        description: &case.description,
        opened_by: &case.opened_by,
        buyer_id: &case.buyer_id,
        seller_id: case.seller_id.as_deref(),
        order: case.order.as_ref(),
        conversation: case.conversation.as_ref().filter(|_| own),
        callback: case.callback.as_ref().map(|c| {
            if own {
                CallbackView::Whole(c)
            } else {
                CallbackView::SlotOnly { slot: c.slot }
            }
        }),
        resolution: case.resolution.as_ref(),
        history: &case.history,
        created_at: case.created_at,
        updated_at: case.updated_at,
        caller_role: role,
    }
}

/// A case in a list.
fn summary(case: &Listing, now: i64) -> Value {
    json!({
        "id": case.id,
        "status": case.status,
        "channel": case.channel,
        "lang": case.lang,
        "topic": case.topic,
        "order_id": case.order_id(),
        "buyer_id": case.buyer_id,
        "seller_id": case.seller_id,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "age_minutes": (now - case.created_at).max(0) / 60,
    })
}

/// `GET /api/cases?before=N&limit=M`: the cases the caller is buyer or
/// seller of, newest first, a page at a time: `next_before` is what to ask
/// `before` for the next, older page (`null` on the last).
pub fn list_cases(store: &impl KeyValue, caller: &User, raw_query: &str, now: i64) -> ApiResult {
    let mut before = None;
    let mut limit = DEFAULT_PAGE;
    for (name, value) in query_pairs(raw_query, &["before", "limit"])? {
        match name {
            "before" => before = Some(number_param("before", value, 1u64, u64::MAX / 2)?),
            _ => limit = number_param("limit", value, 1usize, MAX_PAGE)?,
        }
    }
    let page = case_records::cases_of(store, &caller.id, before, limit)?;
    let list: Vec<Value> = page
        .cases
        .iter()
        .filter(|c| c.party_role(&caller.id).is_some())
        .map(|c| summary(c, now))
        .collect();
    Ok(personal(
        200,
        &json!({ "cases": list, "total": page.total, "next_before": page.next_before }),
    ))
}

/// `GET /api/cases/{id}`.
pub fn get_case(store: &impl KeyValue, caller: &User, id: &str) -> ApiResult {
    let (case, _) = visible_case(store, caller, id)?;
    Ok(personal(200, &case_body(&case, caller)))
}

/// What went out of the help center when something happened on an email
/// case: who to tell and what happened, never what another party wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// `case.message` or `case.resolved`.
    pub event: &'static str,
    pub case_id: String,
    pub region: String,
    pub status: Status,
    /// User ids of the parties to tell (never the one who acted).
    pub recipients: Vec<String>,
    pub lang: String,
    pub at: i64,
}

/// The notification for an event on an email case, if anybody is to be told.
pub fn notification(
    case: &Listing,
    event: &'static str,
    actor_id: &str,
    at: i64,
) -> Option<Notification> {
    if case.channel != Channel::Email {
        return None;
    }
    let recipients: Vec<String> = std::iter::once(&case.buyer_id)
        .chain(case.seller_id.as_ref())
        .filter(|id| *id != actor_id)
        .cloned()
        .collect();
    (!recipients.is_empty()).then(|| Notification {
        event,
        case_id: case.id.clone(),
        region: case.region.clone(),
        status: case.status,
        recipients,
        lang: case.lang.clone(),
        at,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMessage {
    body: String,
    /// The channel it came by; the case's own by default (an agent may note a phone call).
    channel: Option<String>,
}

/// `POST /api/cases/{id}/messages` `{body, channel?}` -> `201` the message.
pub fn post_message(
    store: &impl AtomicKeyValue,
    caller: &User,
    id: &str,
    body: &[u8],
    now: i64,
) -> Result<(ApiResponse, Option<Notification>), Problem> {
    let (case, role) = visible_listing(store, caller, id)?;
    let request: NewMessage = parse_json(body)?;
    let text = request.body.trim();
    if text.is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Problem::invalid_field(
            "body",
            format!("`body` must be 1 to {MAX_MESSAGE_CHARS} characters."),
        ));
    }
    let channel = match request.channel.as_deref() {
        None => case.channel,
        Some(name) => Channel::parse(name).ok_or_else(|| {
            Problem::invalid_field("channel", "`channel` must be one of email, chat, phone.")
        })?,
    };
    if case.status == Status::Closed {
        return Err(Problem::new(
            409,
            "Conflict",
            "This case is closed; open a new case if you still need help.",
        ));
    }
    let mut message = Message {
        seq: 0,
        author_id: caller.id.clone(),
        author_role: role,
        channel,
        body: text.to_string(),
        at: now,
    };
    // The case moves first: if storing the message then fails, the retry finds
    // the case in review and posts the message once (the other way round, it
    // posted it twice, and without a retry the case kept waiting on a reply
    // it had).
    if awaited_reply(case.status, role) {
        back_to_review(store, &case.id, caller, role, now)?;
    }
    writer::append_message(store, &case.id, &mut message)?;
    let response = personal(201, &message).with_header(
        "location",
        format!("/api/cases/{}/messages?after={}", case.id, message.seq - 1),
    );
    Ok((
        response,
        notification(&case, "case.message", &caller.id, now),
    ))
}

/// Whether a message from `role` is the reply a case in `status` waits for.
fn awaited_reply(status: Status, role: PartyRole) -> bool {
    matches!(
        (status, role),
        (Status::WaitingOnBuyer, PartyRole::Buyer) | (Status::WaitingOnSeller, PartyRole::Seller)
    )
}

/// The party the team waited on has answered: the case is the team's again.
fn back_to_review(
    store: &impl AtomicKeyValue,
    id: &str,
    caller: &User,
    role: PartyRole,
    now: i64,
) -> Result<(), Problem> {
    writer::update_case(store, id, |case| {
        // Checked again on the case as it is now: an agent may have moved it meanwhile.
        if awaited_reply(case.status, role) {
            case.history.push(HistoryEntry {
                at: now,
                by: caller.id.clone(),
                role,
                action: "status_changed".into(),
                from: Some(case.status),
                to: Some(Status::InReview),
                note: Some("reply received".into()),
            });
            case.status = Status::InReview;
            case.updated_at = now;
        }
        Ok::<(), Problem>(())
    })?;
    Ok(())
}

/// `GET /api/cases/{id}/messages?after=N&limit=M`: the messages after
/// position `N` (0: from the start), oldest first. A page polls with the
/// last `seq` it has; `next_after` is what to ask with next time.
pub fn list_messages(
    store: &impl KeyValue,
    caller: &User,
    id: &str,
    raw_query: &str,
    now: i64,
) -> ApiResult {
    let (case, _) = visible_listing(store, caller, id)?;
    let mut after = 0;
    let mut limit = DEFAULT_PAGE;
    for (name, value) in query_pairs(raw_query, &["after", "limit"])? {
        match name {
            "after" => after = number_param("after", value, 0u64, u64::MAX / 2)?,
            _ => limit = number_param("limit", value, 1usize, MAX_PAGE)?,
        }
    }
    let messages = case_records::messages(store, &case.id, after, limit, now)?;
    let next_after = messages.last().map_or(after, |m| m.seq);
    Ok(personal(
        200,
        &json!({ "messages": messages, "next_after": next_after, "status": case.status }),
    ))
}

/// The lifecycle: which status may follow which. `resolved` comes only
/// with a resolution (`POST /api/cases/{id}/resolution`).
pub fn can_move(from: Status, to: Status) -> bool {
    use Status::*;
    match from {
        Open | InReview | WaitingOnBuyer | WaitingOnSeller => {
            matches!(to, InReview | WaitingOnBuyer | WaitingOnSeller) && from != to
        }
        // A resolved case may be reopened for review, or closed.
        Resolved => matches!(to, InReview | Closed),
        Closed => false,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusChange {
    status: String,
    note: Option<String>,
}

/// `POST /api/cases/{id}/status` `{status, note?}` (agents) -> `200` the case.
pub fn set_status(
    store: &impl AtomicKeyValue,
    caller: &User,
    id: &str,
    body: &[u8],
    now: i64,
) -> ApiResult {
    let (case, role) = visible_case(store, caller, id)?;
    if role != PartyRole::Agent {
        return Err(agents_only("change a case's status"));
    }
    let request: StatusChange = parse_json(body)?;
    let to = Status::parse(&request.status).ok_or_else(|| {
        let all: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
        Problem::invalid_field(
            "status",
            format!("`status` must be one of {}.", all.join(", ")),
        )
    })?;
    if to == Status::Resolved {
        return Err(Problem::new(
            422,
            "Unprocessable Content",
            "A case is resolved with its resolution: POST /api/cases/{id}/resolution.",
        ));
    }
    if to == Status::WaitingOnSeller && case.seller_id.is_none() {
        return Err(Problem::new(
            422,
            "Unprocessable Content",
            "This case is not about an order, so there is no seller to wait on.",
        ));
    }
    let note = request
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let updated = writer::update_case(store, &case.id, |case| {
        if !can_move(case.status, to) {
            let allowed: Vec<&str> = Status::ALL
                .into_iter()
                .filter(|s| can_move(case.status, *s))
                .map(Status::as_str)
                .collect();
            return Err(Problem::new(
                409,
                "Conflict",
                format!(
                    "A case that is {} cannot become {}.",
                    case.status.as_str(),
                    to.as_str()
                ),
            )
            .with_extension("allowed", json!(allowed)));
        }
        case.history.push(HistoryEntry {
            at: now,
            by: caller.id.clone(),
            role: PartyRole::Agent,
            action: "status_changed".into(),
            from: Some(case.status),
            to: Some(to),
            note: note.clone(),
        });
        case.status = to;
        case.updated_at = now;
        Ok(())
    })?
    .ok_or_else(Problem::not_found)?;
    Ok(personal(200, &case_body(&updated, caller)))
}

/// How far ahead a callback may be booked.
pub const CALLBACK_HORIZON_SECS: i64 = 14 * 24 * 3600;

/// E.164: `+`, a country code not starting with 0, at most 15 digits in all.
pub fn is_e164(phone: &str) -> bool {
    phone.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallbackRequest {
    phone: String,
    slot: Slot,
}

/// When a callback should start: Unix seconds, or RFC 3339 with an offset
/// (as `contact`'s `next_available_at`).
#[derive(Deserialize)]
#[serde(untagged)]
enum Slot {
    Unix(i64),
    Text(String),
}

/// `POST /api/cases/{id}/callback` `{phone, slot}` -> `200` the case. The
/// case must be by phone; `phone_open(slot)` says whether the phone line is
/// open at that time (see [`crate::contact::phone_open_at`]).
pub fn request_callback(
    store: &impl AtomicKeyValue,
    caller: &User,
    id: &str,
    body: &[u8],
    now: i64,
    phone_open: impl Fn(i64) -> bool,
) -> ApiResult {
    let (case, role) = visible_case(store, caller, id)?;
    let request: CallbackRequest = parse_json(body)?;
    let phone: String = request
        .phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    if !is_e164(&phone) {
        return Err(Problem::invalid_field(
            "phone",
            "`phone` must be an international number in E.164 form, e.g. +31201234567.",
        ));
    }
    let slot = match &request.slot {
        Slot::Unix(seconds) => Some(*seconds),
        Slot::Text(text) => text.parse::<jiff::Timestamp>().ok().map(|t| t.as_second()),
    }
    .filter(|slot| (now..=now + CALLBACK_HORIZON_SECS).contains(slot))
    .ok_or_else(|| {
        Problem::invalid_field(
            "slot",
            "`slot` must be a time from now to 14 days ahead (Unix seconds or RFC 3339).",
        )
    })?;
    if case.channel != Channel::Phone {
        return Err(Problem::new(
            409,
            "Conflict",
            format!(
                "This case is by {}; callbacks are for phone cases.",
                case.channel.as_str()
            ),
        ));
    }
    if !case.status.is_open() {
        return Err(Problem::new(
            409,
            "Conflict",
            "This case is no longer open.",
        ));
    }
    if !phone_open(slot) {
        return Err(Problem::invalid_field(
            "slot",
            "The phone line is closed at that time; pick a slot within phone hours.",
        ));
    }
    let updated = writer::update_case(store, &case.id, |case| {
        case.callback = Some(Callback {
            phone: phone.clone(),
            slot,
            requested_at: now,
            requested_by: caller.id.clone(),
        });
        case.history.push(HistoryEntry {
            at: now,
            by: caller.id.clone(),
            role,
            action: "callback_requested".into(),
            from: None,
            to: None,
            note: None,
        });
        case.updated_at = now;
        Ok::<(), Problem>(())
    })?
    .ok_or_else(Problem::not_found)?;
    Ok(personal(200, &case_body(&updated, caller)))
}

/// `GET /api/agent/queue?status=&lang=&channel=&min_age_minutes=&after=&limit=`
/// (agents only; `404` for others): open cases by default, oldest first by
/// when they entered the queue. One request reads at most
/// [`writer::QUEUE_SCAN`] entries: `total` counts the matches among them,
/// and `next_after`, when not `null`, is where to go on.
pub fn queue(store: &impl AtomicKeyValue, caller: &User, raw_query: &str, now: i64) -> ApiResult {
    if !caller.has_role(Role::Agent) {
        return Err(Problem::not_found());
    }
    let mut status: Option<Status> = None;
    let mut lang: Option<&str> = None;
    let mut channel: Option<Channel> = None;
    let mut min_age_minutes = 0i64;
    let mut limit = DEFAULT_PAGE;
    let mut after = 0;
    for (name, value) in query_pairs(
        raw_query,
        &["status", "lang", "channel", "min_age_minutes", "after", "limit"],
    )? {
        match name {
            "status" => {
                status = Some(Status::parse(value).ok_or_else(|| {
                    Problem::invalid_field("status", "`status` is not a case status.")
                })?)
            }
            "lang" => {
                lang = Some(
                    api_conventions::LANGUAGES
                        .iter()
                        .copied()
                        .find(|l| *l == value)
                        .ok_or_else(|| {
                            Problem::invalid_field(
                                "lang",
                                format!(
                                    "`lang` must be one of {}.",
                                    api_conventions::LANGUAGES.join(", ")
                                ),
                            )
                        })?,
                )
            }
            "channel" => {
                channel = Some(Channel::parse(value).ok_or_else(|| {
                    Problem::invalid_field(
                        "channel",
                        "`channel` must be one of email, chat, phone.",
                    )
                })?)
            }
            "min_age_minutes" => {
                min_age_minutes = number_param("min_age_minutes", value, 0i64, 10_000_000)?
            }
            "after" => after = number_param("after", value, 0u64, u64::MAX / 2)?,
            _ => limit = number_param("limit", value, 1usize, MAX_PAGE)?,
        }
    }
    let only_open = status.is_none_or(Status::is_open);
    let page = writer::queue(store, after, only_open, limit, now, |case| {
        status.map_or(case.status.is_open(), |s| case.status == s)
            && lang.is_none_or(|l| case.lang == l)
            && channel.is_none_or(|c| case.channel == c)
            && now - case.created_at >= min_age_minutes * 60
    })?;
    let list: Vec<Value> = page.cases.iter().map(|c| summary(c, now)).collect();
    Ok(personal(
        200,
        &json!({ "cases": list, "total": page.total, "next_after": page.next_after }),
    ))
}
