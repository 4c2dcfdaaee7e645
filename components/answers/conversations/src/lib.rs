//! Conversations: what a user asked the help center and what it answered.
//!
//! `answers` records every exchange here (the `writer` feature), with the
//! "did this help?" feedback on it. `contact` reads a conversation to fit its
//! recommendation to the topic, and `cases` attaches it to the case it opens.
//! A conversation belongs to the user who started it: [`read`] returns
//! nothing for anyone else, so callers answer `404`.

use key_value::{KeyValue, StoreError};
use serde::{Deserialize, Serialize};
use sessions::User;

/// The store `answers` writes and `contact` and `cases` read.
pub const STORE: &str = "conversations";

/// A source the answer used: a KB article in a language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub id: String,
    pub title: String,
    pub lang: String,
}

/// Whether the answer helped, as the user said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Helpful {
    Yes,
    No,
}

/// One question and its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub question: String,
    pub answer: String,
    /// The language the answer is in.
    pub lang: String,
    /// The KB topic the answer is mostly about; `None` when nothing matched.
    pub topic: Option<String>,
    pub sources: Vec<SourceRef>,
    /// 0.0 to 1.0: how sure retrieval was.
    pub confidence: f32,
    pub message_seller: bool,
    pub talk_to_team: bool,
    /// `true` when a language model phrased the answer.
    pub generated: bool,
    pub at: i64,
    #[serde(default)]
    pub feedback: Option<Helpful>,
}

/// A conversation: the exchanges of one user about one subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub user_id: String,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub item_id: Option<String>,
    pub created_at: i64,
    pub exchanges: Vec<Exchange>,
}

impl Conversation {
    /// The topic of the latest exchange that had one.
    pub fn topic(&self) -> Option<&str> {
        self.exchanges.iter().rev().find_map(|e| e.topic.as_deref())
    }

    /// The language of the latest exchange.
    pub fn lang(&self) -> Option<&str> {
        self.exchanges.last().map(|e| e.lang.as_str())
    }
}

/// How long after it starts a conversation takes follow-up questions. So
/// a conversation's exchanges all fall within this of its start, and a
/// report of the last days reads only the conversations started then
/// (see [`listed_since`]).
pub const FOLLOW_UP_SECS: i64 = 7 * 86_400;

/// A new conversation's id: `c-`, its start in Unix seconds as 8 hex digits
/// (so that reports can tell it without reading it), and `random_hex`, 32
/// random hex digits that make it unguessable.
pub fn new_id(started_at: i64, random_hex: &str) -> String {
    format!("c-{:08x}{random_hex}", started_at.clamp(0, i64::from(u32::MAX)))
}

/// Conversation ids are `c-` and 40 lowercase hex digits ([`new_id`]), or
/// 32 random ones (earlier versions, whose start is not in the id).
pub fn is_plausible_id(id: &str) -> bool {
    id.strip_prefix("c-").is_some_and(|hex| {
        matches!(hex.len(), 32 | 40) && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// When the conversation `id` started, if its id says (see [`new_id`]).
fn started_at(id: &str) -> Option<i64> {
    let hex = id.strip_prefix("c-").filter(|hex| hex.len() == 40)?;
    u32::from_str_radix(&hex[..8], 16).ok().map(i64::from)
}

fn key(id: &str) -> String {
    format!("conversation:{id}")
}

/// The caller's conversation `id`; `None` when it does not exist or is someone else's.
pub fn read(store: &impl KeyValue, caller: &User, id: &str) -> Result<Option<Conversation>, StoreError> {
    if !is_plausible_id(id) {
        return Ok(None);
    }
    Ok(store.get_json::<Conversation>(&key(id))?.filter(|c| c.user_id == caller.id))
}

/// The conversations among `keys`, a store's whole key list (Spin's
/// `Store::get_keys`), that may hold an exchange made at `since` or later:
/// what reports read. Only those whose id says they started before
/// `since - FOLLOW_UP_SECS` are skipped unread, so a report's reads grow
/// with the questions of its days, not with every question ever asked.
/// Other records' keys are skipped.
pub fn listed_since<'a>(
    store: &'a impl KeyValue,
    keys: &'a [String],
    since: i64,
) -> impl Iterator<Item = Result<Conversation, StoreError>> + 'a {
    keys.iter()
        .filter(move |k| {
            k.strip_prefix("conversation:")
                .filter(|id| is_plausible_id(id))
                .is_some_and(|id| started_at(id).is_none_or(|start| start >= since - FOLLOW_UP_SECS))
        })
        .filter_map(move |k| store.get_json::<Conversation>(k).transpose())
}

/// Writing conversations: `answers` only.
#[cfg(feature = "writer")]
pub mod writer {
    use super::*;

    pub fn write(store: &impl KeyValue, conversation: &Conversation) -> Result<(), StoreError> {
        store.set_json(&key(&conversation.id), conversation)
    }
}

#[cfg(all(test, feature = "writer"))]
mod tests {
    use super::*;
    use key_value::MemoryStore;
    use sessions::Role;

    fn user(id: &str) -> User {
        User { id: id.into(), name: id.into(), email: format!("{id}@example.com"), roles: vec![Role::Buyer], lang: "en".into(), languages: vec![] }
    }

    fn conversation(id: &str, owner: &str) -> Conversation {
        Conversation { id: id.into(), user_id: owner.into(), order_id: None, item_id: None, created_at: 1, exchanges: vec![] }
    }

    #[test]
    fn a_conversation_is_read_back_by_its_owner_only() {
        let store = MemoryStore::default();
        let id = "c-0123456789abcdef0123456789abcdef";
        writer::write(&store, &conversation(id, "u-anna")).unwrap();
        assert_eq!(read(&store, &user("u-anna"), id).unwrap().unwrap().id, id);
        assert_eq!(read(&store, &user("u-marco"), id).unwrap(), None);
    }

    #[test]
    fn every_conversation_is_listed_and_nothing_else() {
        let store = MemoryStore::default();
        let (a, b) = ("c-0123456789abcdef0123456789abcdef", "c-fedcba9876543210fedcba9876543210");
        writer::write(&store, &conversation(a, "u-anna")).unwrap();
        writer::write(&store, &conversation(b, "u-marco")).unwrap();
        store.set("rate:u-anna", b"3").unwrap();
        let mut ids: Vec<String> = listed_since(&store, &store.keys(), 0).map(|c| c.unwrap().id).collect();
        ids.sort();
        assert_eq!(ids, [a, b]);
    }

    #[test]
    fn a_report_skips_conversations_that_ended_before_its_days_unread() {
        let store = MemoryStore::default();
        let since = 100 * 86_400;
        let random = "0123456789abcdef0123456789abcdef";
        let too_early = new_id(since - FOLLOW_UP_SECS - 1, random);
        let still_open_then = new_id(since - FOLLOW_UP_SECS, random);
        let earlier_version = "c-fedcba9876543210fedcba9876543210";
        for id in [&too_early, &still_open_then, earlier_version] {
            writer::write(&store, &conversation(id, "u-anna")).unwrap();
        }
        // A record listed but unreadable would fail the report: it is never read.
        store.set(&key(&too_early), b"not json").unwrap();
        let mut ids: Vec<String> = listed_since(&store, &store.keys(), since).map(|c| c.unwrap().id).collect();
        ids.sort();
        assert_eq!(ids, [still_open_then.as_str(), earlier_version]);
        assert!(is_plausible_id(&too_early) && too_early.len() == 42);
        assert_eq!(started_at(&still_open_then), Some(since - FOLLOW_UP_SECS));
    }

    #[test]
    fn implausible_ids_are_never_looked_up() {
        let store = MemoryStore::default();
        writer::write(&store, &conversation("c-x", "u-anna")).unwrap();
        assert_eq!(read(&store, &user("u-anna"), "c-x").unwrap(), None);
        assert!(!is_plausible_id("c-../../etc"));
    }
}
