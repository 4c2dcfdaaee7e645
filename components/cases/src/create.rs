//! `POST /api/cases`: opening a case, once per click.
//!
//! Creating is split in two around the one thing that is not plain logic,
//! asking `contact` whether the channel is open: [`begin`] checks the
//! `Idempotency-Key`, the body, the order and the conversation; then the
//! caller checks the channel; then [`finish`] reserves the key with an
//! insert-if-absent (naming the id the case will have) and stores the case.
//! Nothing is written before the last step, so a refused request changes
//! nothing.
//!
//! `Idempotency-Key` (the IETF httpapi draft): keys are per user; the same
//! key and body again get the case the first request created (`201`, with
//! `Idempotent-Replayed: true`); the same key with another body is `422`;
//! while the first request is still in flight, `409`. Keys are kept 24 hours.

use crate::api::{case_body, personal};
use api_conventions::{ApiResponse, ApiResult, Problem};
use case_records::writer::{
    self, AtomicKeyValue, IdempotencyPolicy, IdempotencyRecord, Reservation,
};
use case_records::{Case, Channel, HistoryEntry, PartyRole, Status};
use contact_channels::options::Circumstances;
use contact_channels::recommend::known_topic;
use conversations::Conversation;
use key_value::KeyValue;
use marketplace::{OrderFacts, OrderStanding};
use serde::Deserialize;
use sessions::User;
use sha2::{Digest, Sha256};

/// Keys are remembered 24 hours; a key whose case has not appeared a minute
/// after it was reserved died with its request (the host's request deadline
/// is 30 s), and a retry may take it over.
pub const IDEMPOTENCY: IdempotencyPolicy = IdempotencyPolicy {
    keep_secs: 24 * 3600,
    lease_secs: 60,
};

const MAX_DESCRIPTION_CHARS: usize = 5000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCase {
    conversation_id: Option<String>,
    order_id: Option<String>,
    topic: String,
    channel: String,
    description: String,
    lang: Option<String>,
}

/// An `Idempotency-Key`, hashed: what the store keeps of it.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    key_hash: String,
    body_hash: String,
}

/// A validated request, ready to become a case once its channel is confirmed open.
#[derive(Debug, Clone)]
pub struct Draft {
    pub caller: User,
    pub idempotency: Option<IdempotencyKey>,
    pub topic: String,
    pub channel: Channel,
    pub lang: &'static str,
    pub description: String,
    pub order: Option<OrderFacts>,
    pub conversation: Option<Conversation>,
}

impl Draft {
    /// What the contact options depend on, from what [`begin`] has read:
    /// the same situation the page asked about.
    pub fn circumstances(&self) -> Circumstances {
        Circumstances {
            topic: Some(self.topic.clone()),
            order: self.order.as_ref().map(|facts| OrderStanding::of(&facts.order)),
        }
    }
}

/// What [`begin`] decided.
#[derive(Debug)]
pub enum Begin {
    /// A retry of a finished request: its answer, again.
    Replay(ApiResponse),
    Proceed(Box<Draft>),
}

fn hex_sha256(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(&Sha256::digest(bytes))
}

fn idempotency_key(header: Option<&str>, body: &[u8]) -> Result<Option<IdempotencyKey>, Problem> {
    let Some(key) = header else { return Ok(None) };
    // The draft makes it a structured-header string: accept it quoted or bare.
    let key = key.trim();
    let key = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .unwrap_or(key);
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Problem::invalid_field(
            "Idempotency-Key",
            "`Idempotency-Key` must be 1 to 255 visible ASCII characters, e.g. a UUID.",
        ));
    }
    Ok(Some(IdempotencyKey {
        key_hash: hex_sha256(key.as_bytes()),
        body_hash: hex_sha256(body),
    }))
}

/// What an earlier request with the same key means for this one.
fn answer_existing(
    store: &impl KeyValue,
    caller: &User,
    key: &IdempotencyKey,
    record: &IdempotencyRecord,
) -> ApiResult {
    if record.body_hash != key.body_hash {
        return Err(Problem::new(
            422,
            "Unprocessable Content",
            "This Idempotency-Key was used for a different request; use a new key for a new case.",
        ));
    }
    let in_flight = || {
        Problem::new(409, "Conflict", "The first request with this Idempotency-Key is still being processed; retry in a moment.")
            .with_header("retry-after", "1")
    };
    let case = case_records::case(store, &record.case_id)?.ok_or_else(in_flight)?;
    Ok(created(&case, caller).with_header("idempotent-replayed", "true"))
}

fn created(case: &Case, caller: &User) -> ApiResponse {
    personal(201, &case_body(case, caller))
        .with_header("location", format!("/api/cases/{}", case.id))
}

/// Everything about a new case that needs no writing: the key, the body,
/// the order and the conversation (`404` when not the caller's).
#[allow(clippy::too_many_arguments)]
pub fn begin(
    store: &impl KeyValue,
    market: &impl KeyValue,
    conversations_store: &impl KeyValue,
    caller: &User,
    body: &[u8],
    idempotency_header: Option<&str>,
    accept_language: Option<&str>,
    now: i64,
) -> Result<Begin, Problem> {
    let idempotency = idempotency_key(idempotency_header, body)?;
    if let Some(key) = &idempotency
        && let Some(record) = writer::idempotency_record(store, &caller.id, &key.key_hash)?
        && writer::is_live(store, &record, now, IDEMPOTENCY)?
    {
        return answer_existing(store, caller, key, &record).map(Begin::Replay);
    }

    let request: NewCase = api_conventions::parse_json(body)?;
    // Cases are counted and routed by topic: only the KB's topics, whatever the channel.
    if known_topic(&request.topic).is_none() {
        return Err(Problem::invalid_field(
            "topic",
            "`topic` must be a help-center topic id such as `item-not-received`.",
        ));
    }
    let channel = Channel::parse(&request.channel).ok_or_else(|| {
        Problem::invalid_field("channel", "`channel` must be one of email, chat, phone.")
    })?;
    let description = request.description.trim().to_string();
    if description.is_empty() || description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Problem::invalid_field(
            "description",
            format!(
                "Describe the problem in `description` (1 to {MAX_DESCRIPTION_CHARS} characters)."
            ),
        ));
    }
    let lang = api_conventions::negotiate_lang(
        request.lang.as_deref(),
        accept_language,
        Some(&caller.lang),
    );
    if let Some(asked) = lang.unsupported {
        return Err(Problem::invalid_field(
            "lang",
            format!(
                "The team does not work in {asked:?}; use one of {}.",
                api_conventions::LANGUAGES.join(", ")
            ),
        ));
    }

    let conversation = match &request.conversation_id {
        Some(id) => Some(
            conversations::read(conversations_store, caller, id)?.ok_or_else(Problem::not_found)?,
        ),
        None => None,
    };
    // A conversation about an order brings its order along.
    let order_id = request
        .order_id
        .or_else(|| conversation.as_ref().and_then(|c| c.order_id.clone()));
    let order = match order_id {
        Some(id) => {
            Some(marketplace::order_facts(market, caller, &id)?.ok_or_else(Problem::not_found)?)
        }
        None => None,
    };
    Ok(Begin::Proceed(Box::new(Draft {
        caller: caller.clone(),
        idempotency,
        topic: request.topic,
        channel,
        lang: lang.code,
        description,
        order,
        conversation,
    })))
}

/// Stores the case of a checked draft: `201` with the case. `new_id` makes
/// case ids (see [`crate::ids::new_case_id`]).
pub fn finish(
    store: &impl AtomicKeyValue,
    draft: Draft,
    region: &str,
    now: i64,
    mut new_id: impl FnMut() -> Result<String, String>,
) -> ApiResult {
    let caller = &draft.caller;
    let mut fresh_id = || {
        new_id().map_err(|e| Problem::unavailable(format!("Cannot make a case id right now: {e}.")))
    };
    let mut case = new_case(&draft, region, now, fresh_id()?);
    if let Some(key) = &draft.idempotency {
        let record = IdempotencyRecord {
            body_hash: key.body_hash.clone(),
            created_at: now,
            case_id: case.id.clone(),
        };
        if let Reservation::Existing(held) =
            writer::reserve_idempotency_key(store, &caller.id, &key.key_hash, &record, IDEMPOTENCY)?
        {
            return answer_existing(store, caller, key, &held);
        }
    }
    let stored = insert(store, &draft, &mut case, &mut fresh_id);
    if let (Err(_), Some(key)) = (&stored, &draft.idempotency) {
        // Best effort: had the release failed too, the lease frees the key.
        drop(writer::release_idempotency_key(
            store,
            &caller.id,
            &key.key_hash,
        ));
    }
    stored.map(|()| created(&case, caller))
}

/// Stores `case`; on the (80-bit) chance that its id is taken, under a fresh one.
fn insert(
    store: &impl AtomicKeyValue,
    draft: &Draft,
    case: &mut Case,
    fresh_id: &mut impl FnMut() -> Result<String, Problem>,
) -> Result<(), Problem> {
    for _ in 0..5 {
        if writer::insert_case(store, case)? {
            return Ok(());
        }
        case.id = fresh_id()?;
        if let Some(key) = &draft.idempotency {
            let record = IdempotencyRecord {
                body_hash: key.body_hash.clone(),
                created_at: case.created_at,
                case_id: case.id.clone(),
            };
            writer::repoint_idempotency_key(store, &draft.caller.id, &key.key_hash, &record)?;
        }
    }
    Err(Problem::unavailable(
        "Cannot find a free case id right now; try again.",
    ))
}

fn new_case(draft: &Draft, region: &str, now: i64, id: String) -> Case {
    let caller = &draft.caller;
    let (buyer_id, seller_id) = match &draft.order {
        Some(facts) => (
            facts.order.buyer_id.clone(),
            Some(facts.order.seller_id.clone()),
        ),
        None => (caller.id.clone(), None),
    };
    let role = if buyer_id == caller.id {
        PartyRole::Buyer
    } else if seller_id.as_deref() == Some(caller.id.as_str()) {
        PartyRole::Seller
    } else {
        PartyRole::Agent
    };
    Case {
        id,
        region: region.to_string(),
        status: Status::Open,
        channel: draft.channel,
        lang: draft.lang.to_string(),
        topic: draft.topic.clone(),
        description: draft.description.clone(),
        opened_by: caller.id.clone(),
        buyer_id,
        seller_id,
        order: draft.order.clone(),
        conversation: draft.conversation.clone(),
        created_at: now,
        updated_at: now,
        callback: None,
        resolution: None,
        history: vec![HistoryEntry {
            at: now,
            by: caller.id.clone(),
            role,
            action: "opened".into(),
            from: None,
            to: Some(Status::Open),
            note: None,
        }],
    }
}
