//! `GET /api/answers/report?days=30` (agents): how often the answers helped,
//! per topic and language, from every exchange of the last `days` days and
//! the "did this help?" feedback on it. Only the conversations started in
//! those days, or a follow-up period before, are read. A topic or language where few rated
//! answers helped is where the knowledge base needs work; questions with no
//! topic are what it does not cover.

use api_conventions::{ApiResponse, ApiResult, Problem, number_param, query_pairs};
use conversations::{Conversation, Exchange, Helpful};
use key_value::{KeyValue, StoreError};
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use sessions::{Role, User};
use std::collections::BTreeMap;

const DEFAULT_DAYS: i64 = 30;
const MAX_DAYS: i64 = 366;

/// The counts of one topic and language, or of all.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Tally {
    pub questions: u64,
    /// Exchanges the asker said helped or did not.
    pub rated: u64,
    pub helpful: u64,
    /// Answers that offered the team (`talk_to_team`).
    pub team_offered: u64,
}

impl Tally {
    fn add(&mut self, exchange: &Exchange) {
        self.questions += 1;
        self.rated += u64::from(exchange.feedback.is_some());
        self.helpful += u64::from(exchange.feedback == Some(Helpful::Yes));
        self.team_offered += u64::from(exchange.talk_to_team);
    }

    /// `helpful / rated`: the share of rated answers that did without the
    /// team; `None` while none is rated.
    pub fn helped_share(&self) -> Option<f64> {
        (self.rated > 0).then(|| self.helpful as f64 / self.rated as f64)
    }
}

/// The counts, and the share they give (`helped_share`, `null` while none is rated).
impl Serialize for Tally {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Tally", 5)?;
        out.serialize_field("questions", &self.questions)?;
        out.serialize_field("rated", &self.rated)?;
        out.serialize_field("helpful", &self.helpful)?;
        out.serialize_field("team_offered", &self.team_offered)?;
        out.serialize_field("helped_share", &self.helped_share())?;
        out.end()
    }
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Row {
    /// `None`: the question matched no topic.
    pub topic: Option<String>,
    pub lang: String,
    #[serde(flatten)]
    pub tally: Tally,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Report {
    /// Unix seconds: exchanges from then on are counted.
    pub since: i64,
    /// By topic (unmatched questions last), then language.
    pub rows: Vec<Row>,
    pub totals: Tally,
}

/// Counts the exchanges of `conversations` made at `since` or later.
pub fn tally(
    conversations: impl IntoIterator<Item = Result<Conversation, StoreError>>,
    since: i64,
) -> Result<Report, StoreError> {
    // `(None, _)` sorts first; the key below puts it last.
    let mut by_topic: BTreeMap<(bool, Option<String>, String), Tally> = BTreeMap::new();
    let mut totals = Tally::default();
    for conversation in conversations {
        for exchange in conversation?.exchanges.iter().filter(|e| e.at >= since) {
            by_topic
                .entry((exchange.topic.is_none(), exchange.topic.clone(), exchange.lang.clone()))
                .or_default()
                .add(exchange);
            totals.add(exchange);
        }
    }
    let rows = by_topic
        .into_iter()
        .map(|((_, topic, lang), tally)| Row { topic, lang, tally })
        .collect();
    Ok(Report { since, rows, totals })
}

/// The route: agents only (anyone else `404`, as for the cases queue).
/// `store_keys` lists the `conversations` store's keys, only for an agent.
pub fn report(
    store: &impl KeyValue,
    store_keys: impl FnOnce() -> Result<Vec<String>, StoreError>,
    caller: &User,
    raw_query: &str,
    now: i64,
) -> ApiResult {
    if !caller.has_role(Role::Agent) {
        return Err(Problem::not_found());
    }
    let mut days = DEFAULT_DAYS;
    for (_, value) in query_pairs(raw_query, &["days"])? {
        days = number_param("days", value, 1, MAX_DAYS)?;
    }
    let keys = store_keys()?;
    let since = now - days * 86_400;
    Ok(ApiResponse::json(200, &tally(conversations::listed_since(store, &keys, since), since)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use key_value::MemoryStore;

    fn exchange(topic: Option<&str>, lang: &str, at: i64, feedback: Option<Helpful>, talk_to_team: bool) -> Exchange {
        Exchange {
            question: "?".into(),
            answer: "!".into(),
            lang: lang.into(),
            topic: topic.map(String::from),
            sources: vec![],
            confidence: 0.5,
            message_seller: false,
            talk_to_team,
            generated: false,
            at,
            feedback,
        }
    }

    fn conversation(exchanges: Vec<Exchange>) -> Result<Conversation, StoreError> {
        Ok(Conversation {
            id: "c-0123456789abcdef0123456789abcdef".into(),
            user_id: "u-anna".into(),
            order_id: None,
            item_id: None,
            created_at: 0,
            exchanges,
        })
    }

    fn user(role: Role) -> User {
        User { id: "u".into(), name: "U".into(), email: "u@example.com".into(), roles: vec![role], lang: "en".into(), languages: vec![] }
    }

    #[test]
    fn counts_per_topic_and_language_with_the_share_that_helped() {
        let conversations = vec![
            conversation(vec![
                exchange(Some("item-not-received"), "it", 100, Some(Helpful::Yes), false),
                exchange(Some("item-not-received"), "it", 200, Some(Helpful::No), true),
            ]),
            conversation(vec![
                exchange(None, "en", 300, None, true),
                exchange(Some("item-not-received"), "it", 400, None, false),
                exchange(Some("fees"), "de", 500, Some(Helpful::Yes), false),
            ]),
        ];
        let report = tally(conversations, 0).unwrap();
        let rows: Vec<_> = report
            .rows
            .iter()
            .map(|r| {
                let t = r.tally;
                (r.topic.as_deref(), r.lang.as_str(), t.questions, t.rated, t.helpful, t.team_offered, t.helped_share())
            })
            .collect();
        assert_eq!(
            rows,
            [
                (Some("fees"), "de", 1, 1, 1, 0, Some(1.0)),
                (Some("item-not-received"), "it", 3, 2, 1, 1, Some(0.5)),
                (None, "en", 1, 0, 0, 1, None),
            ]
        );
        assert_eq!((report.totals.questions, report.totals.rated, report.totals.helpful), (5, 3, 2));
    }

    #[test]
    fn only_exchanges_of_the_window_count() {
        let conversations = vec![conversation(vec![
            exchange(Some("fees"), "de", 100, Some(Helpful::No), false),
            exchange(Some("fees"), "de", 200, Some(Helpful::Yes), false),
        ])];
        let report = tally(conversations, 150).unwrap();
        assert_eq!(report.totals.questions, 1);
        assert_eq!(report.totals.helped_share(), Some(1.0));
    }

    #[test]
    fn an_unreadable_conversation_fails_the_report_instead_of_hiding() {
        let conversations = vec![conversation(vec![]), Err(StoreError("the record is unreadable".into()))];
        assert!(tally(conversations, 0).is_err());
    }

    #[test]
    fn agents_only_and_days_in_range() {
        let store = MemoryStore::default();
        let now = 10 * 86_400;
        let run = |role, query| report(&store, || Ok(store.keys()), &user(role), query, now);
        let never_listed = || -> Result<Vec<String>, StoreError> { panic!("a buyer's request listed the store") };
        assert_eq!(report(&store, never_listed, &user(Role::Buyer), "", now).unwrap_err().status, 404);
        assert_eq!(run(Role::Agent, "days=7").unwrap().json_body()["since"], 3 * 86_400);
        assert_eq!(run(Role::Agent, "").unwrap().json_body()["since"], now - 30 * 86_400);
        for bad in ["days=0", "days=367", "days=week", "days=1&days=2"] {
            assert_eq!(run(Role::Agent, bad).unwrap_err().status, 400, "{bad}");
        }
    }

    #[test]
    fn the_route_reads_the_stored_conversations() {
        let store = MemoryStore::default();
        let mut stored = conversation(vec![exchange(Some("fees"), "de", 100, Some(Helpful::Yes), false)]).unwrap();
        conversations::writer::write(&store, &stored).unwrap();
        stored.id = "c-fedcba9876543210fedcba9876543210".into();
        conversations::writer::write(&store, &stored).unwrap();
        let body = report(&store, || Ok(store.keys()), &user(Role::Agent), "", 1000).unwrap().json_body();
        assert_eq!(body["rows"][0]["topic"], "fees");
        assert_eq!(body["rows"][0]["questions"], 2);
        assert_eq!(body["totals"]["helped_share"], 1.0);
    }
}
