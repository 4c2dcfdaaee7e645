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

/// Conversation ids are `c-` and 32 lowercase hex digits.
pub fn is_plausible_id(id: &str) -> bool {
    id.len() == 34 && id.starts_with("c-") && id[2..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
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
/// `Store::get_keys`): what reports read. Other records' keys are skipped.
pub fn listed<'a>(
    store: &'a impl KeyValue,
    keys: &'a [String],
) -> impl Iterator<Item = Result<Conversation, StoreError>> + 'a {
    keys.iter()
        .filter(|k| k.strip_prefix("conversation:").is_some_and(is_plausible_id))
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
        let mut ids: Vec<String> = listed(&store, &store.keys()).map(|c| c.unwrap().id).collect();
        ids.sort();
        assert_eq!(ids, [a, b]);
    }

    #[test]
    fn implausible_ids_are_never_looked_up() {
        let store = MemoryStore::default();
        writer::write(&store, &conversation("c-x", "u-anna")).unwrap();
        assert_eq!(read(&store, &user("u-anna"), "c-x").unwrap(), None);
        assert!(!is_plausible_id("c-../../etc"));
    }
}
