//! Case records: what `cases` keeps in the `cases` store, and the little
//! other components may read of it. `contact` reads how many cases by a
//! channel are open ([`open_cases`]) to estimate the wait.
//!
//! Spin's key-value API has no transactions, so every record that two
//! requests can write at once is written with `wasi:keyvalue/atomics` (see
//! [`writer::AtomicKeyValue`]): changes to a case and idempotency keys by
//! compare-and-swap; messages and case lists in slots claimed by an atomic
//! increment (a new case and its list entries then in one batch); the
//! open-case counters by increments. Only `cases` writes (the `writer`
//! feature).

use conversations::Conversation;
use key_value::{KeyValue, StoreError};
use marketplace::{Money, OrderFacts};
use serde::{Deserialize, Serialize};

#[cfg(feature = "writer")]
pub mod writer;

/// The store `cases` writes.
pub const STORE: &str = "cases";

/// How people reach the team (DESIGN.md, step 5); the names `contact` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Chat,
    Phone,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Chat, Channel::Phone];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Chat => "chat",
            Channel::Phone => "phone",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// Chat and phone: someone waits on the line, so their open cases are counted.
    pub fn is_live(self) -> bool {
        self != Channel::Email
    }
}

/// Where a case is in its life. Open, in review and the two waiting states
/// count as open ([`Status::is_open`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    InReview,
    WaitingOnBuyer,
    WaitingOnSeller,
    Resolved,
    Closed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Open,
        Status::InReview,
        Status::WaitingOnBuyer,
        Status::WaitingOnSeller,
        Status::Resolved,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InReview => "in_review",
            Status::WaitingOnBuyer => "waiting_on_buyer",
            Status::WaitingOnSeller => "waiting_on_seller",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Not yet resolved or closed: the team still owes an answer.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed)
    }
}

/// How a person relates to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    Buyer,
    Seller,
    Agent,
}

/// One line of a case's append-only history: who did what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub by: String,
    pub role: PartyRole,
    /// `opened`, `status_changed`, `callback_requested`, `resolved`.
    pub action: String,
    pub from: Option<Status>,
    pub to: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A phone callback the caller asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    /// E.164, e.g. `+31201234567`.
    pub phone: String,
    /// When the call should start, Unix seconds.
    pub slot: i64,
    pub requested_at: i64,
    pub requested_by: String,
}

/// What a law-enforcement referral may be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralCategory {
    Counterfeit,
    Fraud,
}

/// One decision of a resolution; several may combine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    PartialRefund {
        amount: Money,
    },
    FullRefund {
        amount: Money,
    },
    OrderCancellation,
    AccountRestriction {
        user_id: String,
        reason: String,
        duration_days: u32,
    },
    AccountSuspension {
        user_id: String,
        reason: String,
        duration_days: u32,
    },
    LawEnforcementReferral {
        category: ReferralCategory,
        evidence: Vec<String>,
    },
}

/// The outcome of a case, and what the parties are told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub actions: Vec<Action>,
    /// The agent's explanation to the parties.
    pub summary: String,
    pub by: String,
    pub at: i64,
    /// The outcome in the case's language, with where to go next.
    pub notice: Notice,
}

/// What a resolved case tells its parties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub lang: String,
    pub outcome: String,
    /// That approved external dispute-resolution bodies exist, and where the
    /// ACM lists them.
    pub external_dispute_resolution: String,
    pub external_dispute_resolution_url: String,
}

/// A case: its parties, what it is about, where it stands and its history.
/// Messages live beside it, one record each (see [`Message`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: String,
    pub region: String,
    pub status: Status,
    pub channel: Channel,
    pub lang: String,
    pub topic: String,
    pub description: String,
    pub opened_by: String,
    /// The order's buyer; the opener when there is no order.
    pub buyer_id: String,
    /// The order's seller, when there is an order.
    pub seller_id: Option<String>,
    /// The order as it was when the case opened.
    pub order: Option<OrderFacts>,
    /// The AI conversation the case came from.
    pub conversation: Option<Conversation>,
    pub created_at: i64,
    pub updated_at: i64,
    pub callback: Option<Callback>,
    pub resolution: Option<Resolution>,
    pub history: Vec<HistoryEntry>,
}

/// How `user_id` relates to a case between these parties, if they are one.
fn party_role(buyer_id: &str, seller_id: Option<&str>, user_id: &str) -> Option<PartyRole> {
    if buyer_id == user_id {
        Some(PartyRole::Buyer)
    } else if seller_id == Some(user_id) {
        Some(PartyRole::Seller)
    } else {
        None
    }
}

impl Case {
    /// How `user_id` relates to the case, if they are a party to it.
    pub fn party_role(&self, user_id: &str) -> Option<PartyRole> {
        party_role(&self.buyer_id, self.seller_id.as_deref(), user_id)
    }

    pub fn order_id(&self) -> Option<&str> {
        self.order.as_ref().map(|f| f.order.id.as_str())
    }
}

/// One message on a case, in the order it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// 1, 2, 3...: the position in the case's conversation.
    pub seq: u64,
    pub author_id: String,
    pub author_role: PartyRole,
    /// The channel it came by.
    pub channel: Channel,
    pub body: String,
    pub at: i64,
}

/// What lists show of a case, and all the message routes need of it, read
/// from its record without the rest (the order's facts, the conversation,
/// the history): a walk of the agents' queue reads thousands of records
/// (5,000 chat cases with their conversations: 130 ms instead of 200 ms).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Listing {
    pub id: String,
    pub region: String,
    pub status: Status,
    pub channel: Channel,
    pub lang: String,
    pub topic: String,
    pub buyer_id: String,
    pub seller_id: Option<String>,
    order: Option<ListedOrder>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The order's id, from a case's snapshot of the order's facts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct ListedOrder {
    order: ListedOrderId,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct ListedOrderId {
    id: String,
}

impl Listing {
    pub fn of(case: &Case) -> Self {
        Listing {
            id: case.id.clone(),
            region: case.region.clone(),
            status: case.status,
            channel: case.channel,
            lang: case.lang.clone(),
            topic: case.topic.clone(),
            buyer_id: case.buyer_id.clone(),
            seller_id: case.seller_id.clone(),
            order: case.order_id().map(|id| ListedOrder {
                order: ListedOrderId { id: id.to_string() },
            }),
            created_at: case.created_at,
            updated_at: case.updated_at,
        }
    }

    /// As [`Case::party_role`].
    pub fn party_role(&self, user_id: &str) -> Option<PartyRole> {
        party_role(&self.buyer_id, self.seller_id.as_deref(), user_id)
    }

    pub fn order_id(&self) -> Option<&str> {
        self.order.as_ref().map(|o| o.order.id.as_str())
    }
}

/// The listing of case `id`, whoever asks (callers decide who may see it).
pub fn listing(store: &impl KeyValue, id: &str) -> Result<Option<Listing>, StoreError> {
    if !is_plausible_id(id) {
        return Ok(None);
    }
    store.get_json(&case_key(id))
}

// The keys, in one place: nobody else spells them.
fn case_key(id: &str) -> String {
    format!("case:{id}")
}
/// A case's messages, in slots claimed like an index's (see
/// `writer::append_message` and [`messages`]). Named apart from the
/// `case:{id}:messages` logs of earlier versions, whose slots were claimed
/// another way, so that this version never overwrites what they wrote.
fn messages_log(id: &str) -> String {
    format!("case:{id}:message")
}
/// Every case, in the order it entered the agents' queue: when it opened,
/// and again when it is reopened (see `writer::insert_case`,
/// `writer::update_case` and `writer::queue`). An index of `writer::QueueEntry`s,
/// which only `cases` reads.
#[cfg(feature = "writer")]
const ALL_CASES_INDEX: &str = "cases";
/// The first position of [`ALL_CASES_INDEX`] that may hold an open case
/// (see `writer::queue`).
#[cfg(feature = "writer")]
const QUEUE_START_KEY: &str = "cases:queue-start";
/// The cases a user is buyer or seller of: an index (named apart from the
/// `cases-of:` logs of earlier versions, as [`messages_log`] is).
fn party_cases_index(user_id: &str) -> String {
    format!("party-cases:{user_id}")
}
fn open_count_key(channel: &str) -> String {
    format!("open-count:{channel}")
}
fn slot_key(log: &str, seq: u64) -> String {
    format!("{log}:{seq}")
}
/// How many positions of an index have been claimed.
fn index_count_key(index: &str) -> String {
    format!("{index}:count")
}

/// Case ids are a region prefix and random letters and digits (`EU-7K3M-Q9TX-2HDP-4RVA`).
pub fn is_plausible_id(id: &str) -> bool {
    (8..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// How many cases by the live `channel` (`chat`, `phone`) are open (not
/// resolved or closed): what `contact` estimates the wait from. Email cases
/// are not counted (nobody waits on the line), so for `email` this is 0.
pub fn open_cases(store: &impl KeyValue, channel: &str) -> Result<u64, StoreError> {
    count(store, &open_count_key(channel))
}

/// The case `id`, whoever asks (callers decide who may see it).
pub fn case(store: &impl KeyValue, id: &str) -> Result<Option<Case>, StoreError> {
    if !is_plausible_id(id) {
        return Ok(None);
    }
    store.get_json(&case_key(id))
}

/// How long a writer may be between two of its writes: readers wait that
/// long before they pass what it left half done. A claimed message or queue
/// position is written a moment after it is claimed (one whose writer died
/// stays empty for good), and a reopened case is stored open a moment after
/// it is listed again. A minute is far longer than a healthy request, and
/// short enough for a conversation to go on.
pub const IN_FLIGHT_GRACE_SECS: i64 = 60;

/// The messages of case `id` after position `after`, oldest first, at most
/// `limit`, as of `now`.
///
/// A claimed slot that is still empty stops the list: its message may be
/// being written, and a poller that passed it would never see it. It is
/// passed only once a later message is [`IN_FLIGHT_GRACE_SECS`] old:
/// that slot was claimed earlier still, so its writer is gone.
pub fn messages(
    store: &impl KeyValue,
    id: &str,
    after: u64,
    limit: usize,
    now: i64,
) -> Result<Vec<Message>, StoreError> {
    let log = messages_log(id);
    let claimed = claimed_positions(store, &log)?;
    let mut messages = Vec::new();
    let mut seq = after;
    while messages.len() < limit && seq < claimed {
        seq += 1;
        if let Some(message) = store.get_json(&slot_key(&log, seq))? {
            messages.push(message);
            continue;
        }
        match next_written(store, &log, seq, claimed)? {
            Some((later, message)) if message.at <= now - IN_FLIGHT_GRACE_SECS => {
                seq = later;
                messages.push(message);
            }
            _ => break,
        }
    }
    Ok(messages)
}

/// The first message written after slot `seq` of `log`, and its slot.
fn next_written(
    store: &impl KeyValue,
    log: &str,
    seq: u64,
    claimed: u64,
) -> Result<Option<(u64, Message)>, StoreError> {
    for later in seq + 1..=claimed {
        if let Some(message) = store.get_json(&slot_key(log, later))? {
            return Ok(Some((later, message)));
        }
    }
    Ok(None)
}

/// How many positions of an index have been claimed.
fn claimed_positions(store: &impl KeyValue, index: &str) -> Result<u64, StoreError> {
    count(store, &index_count_key(index))
}

/// The counter at `key` as a count. A counter can only dip below zero if a
/// decrement was repeated; never report that.
fn count(store: &impl KeyValue, key: &str) -> Result<u64, StoreError> {
    Ok(store.get_counter(key)?.max(0) as u64)
}

/// One page of the cases a user is a party to, newest first.
#[derive(Debug, Default)]
pub struct PartyCases {
    pub cases: Vec<Listing>,
    /// How many cases they have been listed for, on every page.
    pub total: u64,
    /// What to ask `before` for the next, older page; `None` on the last.
    pub next_before: Option<u64>,
}

/// The cases `user_id` is buyer or seller of, newest first: at most
/// `limit`, from the positions of their index before `before` (from the
/// newest when `None`). Only the positions of the page are read. A position
/// claimed by a writer that has not written it (yet, or ever) is skipped:
/// an index lists records stored before they were listed.
pub fn cases_of(
    store: &impl KeyValue,
    user_id: &str,
    before: Option<u64>,
    limit: usize,
) -> Result<PartyCases, StoreError> {
    let index = party_cases_index(user_id);
    let total = claimed_positions(store, &index)?;
    let mut position = before.map_or(total, |before| before.saturating_sub(1).min(total));
    let mut cases = Vec::new();
    while position > 0 && cases.len() < limit {
        if let Some(id) = store.get_json::<String>(&slot_key(&index, position))?
            && let Some(listed) = listing(store, &id)?
        {
            cases.push(listed);
        }
        position -= 1;
    }
    Ok(PartyCases {
        cases,
        total,
        next_before: (position > 0).then_some(position + 1),
    })
}
