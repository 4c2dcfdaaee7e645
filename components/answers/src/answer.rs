//! An answer without a model: the best article's passages, the order's or
//! item's facts, and what to do next (message the seller, talk to the team)
//! as structured fields decided here, never read out of generated text.

use crate::grounding::{item_text, order_text, state_topic};
use crate::phrases::{fill, phrases};
use conversations::SourceRef;
use knowledge_base::search::{Doc, Index};
use marketplace::{Item, Member, OrderFacts, OrderState};
use serde::Serialize;

/// Below this retrieval confidence the answer says it is unsure and suggests the team.
pub const LOW_CONFIDENCE: f32 = 0.3;

/// Topics a person must handle, whatever the article says.
const NEEDS_PERSON: [&str; 4] = ["fraud-and-phishing", "account-suspension", "disputes-and-cases", "counterfeit-report"];

/// Topics the seller can usually fix faster than the team.
const SELLER_CAN_FIX: [&str; 8] = [
    "item-not-received",
    "item-damaged",
    "item-not-as-described",
    "returns",
    "tracking",
    "shipping-times",
    "order-cancellation",
    "change-address",
];

/// Ways of asking for a human in the nine languages (folded, lowercase).
const ASKS_FOR_PERSON: [&str; 30] = [
    "human", "real person", "talk to someone", "speak to someone", "an agent", "operator",
    "persona", "humano", "hablar con alguien",
    "operatore", "parlare con qualcuno", "una persona",
    "conseiller", "parler a quelqu", "humain",
    "medewerker", "echt persoon", "iemand spreken",
    "mitarbeiter", "mensch", "echte person",
    "人工", "真人", "客服人员",
    "atendente", "falar com alguem", "pessoa real",
    "konsultant", "czlowiek", "porozmawiac z kims",
];

/// Why the team is suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamReason {
    /// Retrieval is unsure: nothing, or nothing clear, matched.
    LowConfidence,
    /// Fraud, account suspension, disputes, counterfeits: a person decides.
    NeedsPerson,
    /// The user asked for a person.
    AskedForPerson,
    /// The seller had their two days and the problem is still there.
    SellerDidNotAnswer,
}

/// What the question is about besides its words.
pub enum Subject<'a> {
    General,
    Order(&'a OrderFacts),
    Item(&'a Item, Option<&'a Member>),
}

/// An answer before it is phrased: the passages it rests on, and the decisions.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub topic: Option<&'static str>,
    pub confidence: f32,
    pub sources: Vec<SourceRef>,
    /// The passages used, article by article: `(title, text)`.
    pub passages: Vec<(String, String)>,
    /// What is known about the order or item, in the answer's language.
    pub facts: Option<String>,
    pub message_seller: bool,
    pub talk_to_team: bool,
    pub team_reason: Option<TeamReason>,
    /// The answer composed from the above, used when no model phrases it.
    pub composed: String,
}

fn folded(text: &str) -> String {
    knowledge_base::analysis::fold(&text.to_lowercase()).replace(['\'', '’'], " ")
}

pub fn asks_for_person(question: &str) -> bool {
    let text = folded(question);
    ASKS_FOR_PERSON.iter().any(|phrase| contains_words(text.as_bytes(), phrase.as_bytes()))
}

/// Whether `phrase` (not empty) occurs in `text` as whole words: "persona"
/// is not found in "personal data". Chinese has no spaces, so a phrase edge
/// that is not an ASCII letter or digit needs no boundary. Trying each
/// position is cheaper than `str::contains`, which prepares a two-way search
/// for each of the thirty phrases of every question.
fn contains_words(text: &[u8], phrase: &[u8]) -> bool {
    let is_word = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    let (first, last) = (phrase.first(), phrase.last());
    text.windows(phrase.len()).enumerate().any(|(at, window)| {
        window[0] == phrase[0]
            && window == phrase
            && !(is_word(first) && at > 0 && is_word(text.get(at - 1)))
            && !(is_word(last) && is_word(text.get(at + phrase.len())))
    })
}

/// The article's introduction and the section closest to the question's
/// terms `wanted` (the first section, which is what to do, when nothing is closer).
fn passages(doc: &Doc, wanted: &[String]) -> String {
    let best = doc
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| (s.overlap(wanted), std::cmp::Reverse(i), s))
        .max_by_key(|(overlap, order, _)| (*overlap, *order))
        .map(|(_, _, s)| s);
    let mut text = doc.intro.to_string();
    if let Some(section) = best {
        text.push_str(&format!("\n\n{}\n{}", section.heading, section.text));
    }
    text
}

/// Decides and composes the answer to `question` about `subject`, in `lang`.
pub fn draft(index: &Index, question: &str, lang: &'static str, subject: &Subject, now: i64) -> Draft {
    let found = index.search(question, lang);
    let order = match subject {
        Subject::Order(facts) => Some(*facts),
        _ => None,
    };
    let mut confidence = found.confidence;
    let mut topic = found.hits.first().map(|h| h.topic);
    // A question about an order that says little ("where is it?") is about
    // what the order's state raises.
    if let Some(facts) = order
        && confidence < LOW_CONFIDENCE
    {
        topic = Some(state_topic(facts, now));
        confidence = LOW_CONFIDENCE;
    }
    let doc = topic.and_then(|t| index.article(t, lang));
    let p = phrases(lang);

    let facts = match subject {
        Subject::General => None,
        Subject::Order(facts) => Some(order_text(lang, facts, now)),
        Subject::Item(item, seller) => Some(item_text(lang, item, *seller)),
    };
    let seller_first = order.is_none_or(|f| f.order.seller_first(now));
    let message_seller = topic.is_some_and(|t| SELLER_CAN_FIX.contains(&t))
        && seller_first
        && !matches!(order.map(|f| f.order.state), Some(OrderState::Cancelled | OrderState::Refunded));
    let seller_silent = order.is_some_and(|f| f.order.seller_messaged_at.is_some() && !f.order.seller_first(now));
    let team_reason = if asks_for_person(question) {
        Some(TeamReason::AskedForPerson)
    } else if topic.is_some_and(|t| NEEDS_PERSON.contains(&t)) {
        Some(TeamReason::NeedsPerson)
    } else if seller_silent && topic.is_some_and(|t| SELLER_CAN_FIX.contains(&t)) {
        Some(TeamReason::SellerDidNotAnswer)
    } else if confidence < LOW_CONFIDENCE || doc.is_none() {
        Some(TeamReason::LowConfidence)
    } else {
        None
    };

    let mut parts: Vec<String> = Vec::new();
    parts.extend(facts.clone());
    if doc.is_some() && confidence < LOW_CONFIDENCE {
        parts.push(p.not_sure.to_string());
    }
    let mut passages_used = Vec::new();
    let mut sources = Vec::new();
    match doc {
        Some(doc) => {
            // The article is in the language the question was searched in.
            let text = passages(doc, &found.terms);
            parts.push(text.clone());
            passages_used.push((doc.title.to_string(), text));
            sources.push(SourceRef { id: topic.unwrap_or_default().to_string(), title: doc.title.to_string(), lang: doc.lang.to_string() });
        }
        None => parts.push(p.no_match.to_string()),
    }
    if message_seller {
        parts.push(p.message_seller_first.to_string());
    }
    match team_reason {
        Some(TeamReason::NeedsPerson) => parts.push(p.needs_person.to_string()),
        Some(TeamReason::AskedForPerson) => parts.push(p.asked_for_person.to_string()),
        Some(TeamReason::SellerDidNotAnswer) => parts.push(p.seller_silent.to_string()),
        Some(TeamReason::LowConfidence) | None => {}
    }
    Draft {
        topic,
        confidence,
        sources,
        passages: passages_used,
        facts,
        message_seller,
        talk_to_team: team_reason.is_some(),
        team_reason,
        composed: parts.join("\n\n"),
    }
}

/// The notice that the asked language is unsupported, in English.
pub fn unsupported_notice(asked: &str) -> String {
    fill(phrases("en").unsupported_language, &[("asked", asked)])
}
