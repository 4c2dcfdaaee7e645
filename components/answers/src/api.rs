//! The answers API over plain stores, so that it is tested natively:
//! `POST /api/answers`, `GET /api/answers/{conversation_id}` and
//! `POST /api/answers/{conversation_id}/feedback`.

use crate::answer::{Draft, Subject, TeamReason, draft, unsupported_notice};
use crate::generate;
use api_conventions::{ApiResponse, ApiResult, Lang, Problem, negotiate_lang, parse_json};
use conversations::{Conversation, Exchange, Helpful, SourceRef};
use key_value::KeyValue;
use knowledge_base::search::Index;
use serde::{Deserialize, Serialize};
use sessions::User;

/// Longer questions are refused: nobody types more, and retrieval and the
/// model's prompt stay small.
pub const MAX_QUESTION_CHARS: usize = 2000;

/// A conversation holds at most this many exchanges; then a new one starts.
pub const MAX_EXCHANGES: usize = 50;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    pub question: String,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub item_id: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
}

#[derive(Debug, Serialize)]
struct Suggestions {
    message_seller: bool,
    talk_to_team: bool,
    /// Why the team is suggested, when it is.
    talk_to_team_reason: Option<TeamReason>,
}

#[derive(Debug, Serialize)]
struct AnswerBody {
    /// `null` for anonymous callers: their questions are answered, not kept.
    conversation_id: Option<String>,
    answer: String,
    lang: &'static str,
    /// The language asked for when it is not supported (the answer is in `en`).
    requested_lang: Option<String>,
    sources: Vec<SourceRef>,
    topic: Option<&'static str>,
    confidence: f32,
    /// Whether a language model phrased the answer.
    generated: bool,
    suggestions: Suggestions,
    order_id: Option<String>,
    item_id: Option<String>,
}

/// What the component provides around the logic: time, ids, the model.
pub trait Env {
    fn now(&self) -> i64;
    /// A fresh conversation id (`c-` and 32 hex digits) or fence nonce.
    fn random_hex(&self, bytes: usize) -> Result<String, Problem>;
    /// The model's text for the prompt `prompt` makes (only called when
    /// there is a model), or `None` when there is no model or it failed.
    fn generate(&self, prompt: impl FnOnce() -> String) -> Option<String>;
}

/// The stores the answers API reads and writes.
pub struct Stores<'a, M: KeyValue, C: KeyValue> {
    pub marketplace: &'a M,
    pub conversations: &'a C,
}

fn check_question(question: &str) -> Result<&str, Problem> {
    let question = question.trim();
    if question.is_empty() {
        return Err(Problem::invalid_field("question", "The question is empty: write what you need help with."));
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(Problem::invalid_field(
            "question",
            format!("The question is longer than {MAX_QUESTION_CHARS} characters: shorten it to what you need help with."),
        ));
    }
    if question.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(Problem::invalid_field("question", "The question contains control characters: send plain text."));
    }
    Ok(question)
}

/// `POST /api/answers`.
pub fn ask<M: KeyValue, C: KeyValue>(
    stores: &Stores<M, C>,
    index: &Index,
    env: &impl Env,
    caller: Option<&User>,
    accept_language: Option<&str>,
    body: &[u8],
) -> ApiResult {
    let request: AskRequest = parse_json(body)?;
    let question = check_question(&request.question)?;
    if request.order_id.is_some() && request.item_id.is_some() {
        return Err(Problem::invalid_field("item_id", "Ask about one order or one item, not both: leave out item_id or order_id."));
    }
    let wants_personal = request.order_id.is_some() || request.item_id.is_some() || request.conversation_id.is_some();
    let caller = match caller {
        Some(caller) => Some(caller),
        None if wants_personal => {
            return Err(Problem::unauthorized("Sign in to ask about an order, an item or an earlier conversation."));
        }
        None => None,
    };
    let now = env.now();
    let lang: Lang = negotiate_lang(request.lang.as_deref(), accept_language, caller.map(|c| c.lang.as_str()));

    let mut conversation = match (&request.conversation_id, caller) {
        (Some(id), Some(caller)) => Some(conversations::read(stores.conversations, caller, id)?.ok_or_else(Problem::not_found)?),
        _ => None,
    };
    if conversation.as_ref().is_some_and(|c| c.exchanges.len() >= MAX_EXCHANGES) {
        return Err(Problem::new(
            409,
            "Conflict",
            format!("This conversation has {MAX_EXCHANGES} questions already: leave out conversation_id to start a new one."),
        ));
    }
    if conversation.as_ref().is_some_and(|c| now - c.created_at >= conversations::FOLLOW_UP_SECS) {
        return Err(Problem::new(
            409,
            "Conflict",
            format!(
                "This conversation started more than {} days ago: leave out conversation_id to start a new one.",
                conversations::FOLLOW_UP_SECS / 86_400
            ),
        ));
    }
    // A follow-up is about the conversation's order or item unless it names another.
    let order_id = request.order_id.clone().or_else(|| conversation.as_ref().and_then(|c| c.order_id.clone()));
    let item_id = match &order_id {
        Some(_) => None,
        None => request.item_id.clone().or_else(|| conversation.as_ref().and_then(|c| c.item_id.clone())),
    };

    let order_facts = match (&order_id, caller) {
        (Some(id), Some(caller)) => Some(marketplace::order_facts(stores.marketplace, caller, id)?.ok_or_else(Problem::not_found)?),
        _ => None,
    };
    let item = match (&item_id, caller) {
        (Some(id), Some(caller)) => {
            let item = marketplace::item_for(stores.marketplace, caller, id)?.ok_or_else(Problem::not_found)?;
            let seller = marketplace::member(stores.marketplace, &item.seller_id)?;
            Some((item, seller))
        }
        _ => None,
    };
    let subject = match (&order_facts, &item) {
        (Some(facts), _) => Subject::Order(facts),
        (None, Some((item, seller))) => Subject::Item(item, seller.as_ref()),
        _ => Subject::General,
    };

    let draft = draft(index, question, lang.code, &subject, now);
    let (mut answer, generated) = phrase(env, question, lang.code, &draft, order_id.as_deref())?;
    if let Some(asked) = &lang.unsupported {
        answer = format!("{}\n\n{answer}", unsupported_notice(asked));
    }

    let conversation_id = match caller {
        Some(caller) => {
            let exchange = Exchange {
                question: question.to_string(),
                answer: answer.clone(),
                lang: lang.code.to_string(),
                topic: draft.topic.map(str::to_string),
                sources: draft.sources.clone(),
                confidence: draft.confidence,
                message_seller: draft.message_seller,
                talk_to_team: draft.talk_to_team,
                generated,
                at: now,
                feedback: None,
            };
            let conversation = match conversation.as_mut() {
                Some(conversation) => {
                    conversation.order_id = order_id.clone();
                    conversation.item_id = item_id.clone();
                    conversation
                }
                None => conversation.insert(Conversation {
                    id: conversations::new_id(now, &env.random_hex(16)?),
                    user_id: caller.id.clone(),
                    order_id: order_id.clone(),
                    item_id: item_id.clone(),
                    created_at: now,
                    exchanges: Vec::new(),
                }),
            };
            conversation.exchanges.push(exchange);
            conversations::writer::write(stores.conversations, conversation)?;
            Some(conversation.id.clone())
        }
        None => None,
    };

    Ok(ApiResponse::json(
        200,
        &AnswerBody {
            conversation_id,
            answer,
            lang: lang.code,
            requested_lang: lang.unsupported.clone(),
            sources: draft.sources.clone(),
            topic: draft.topic,
            confidence: (draft.confidence * 100.0).round() / 100.0,
            generated,
            suggestions: Suggestions {
                message_seller: draft.message_seller,
                talk_to_team: draft.talk_to_team,
                talk_to_team_reason: draft.team_reason,
            },
            order_id,
            item_id,
        },
    ))
}

/// The answer's wording: the model's when it gives a usable one, else the
/// composed passages. Nothing to phrase (no article) means no model call.
fn phrase(env: &impl Env, question: &str, lang: &str, draft: &Draft, order_id: Option<&str>) -> Result<(String, bool), Problem> {
    if draft.passages.is_empty() {
        return Ok((draft.composed.clone(), false));
    }
    let nonce = env.random_hex(8)?;
    let generated = env
        .generate(|| generate::prompt(question, lang, draft, &nonce))
        .and_then(|output| generate::accept(&output, lang, &nonce, order_id));
    Ok(match generated {
        // The model words the article; the decisions stay the draft's own sentences.
        Some(text) => (with_facts(draft, text), true),
        None => (draft.composed.clone(), false),
    })
}

fn with_facts(draft: &Draft, generated: String) -> String {
    match &draft.facts {
        Some(facts) if !generated.contains(facts.as_str()) => format!("{facts}\n\n{generated}"),
        _ => generated,
    }
}

/// `GET /api/answers/{conversation_id}`: the caller's conversation.
pub fn conversation(store: &impl KeyValue, caller: &User, id: &str) -> ApiResult {
    let conversation = conversations::read(store, caller, id)?.ok_or_else(Problem::not_found)?;
    Ok(ApiResponse::json(200, &conversation))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedbackRequest {
    helpful: bool,
    /// Which exchange, counted from 0; the latest when left out.
    #[serde(default)]
    exchange: Option<usize>,
}

/// `POST /api/answers/{conversation_id}/feedback`: "did this help?".
pub fn feedback(store: &impl KeyValue, caller: &User, id: &str, body: &[u8]) -> ApiResult {
    let request: FeedbackRequest = parse_json(body)?;
    let mut conversation = conversations::read(store, caller, id)?.ok_or_else(Problem::not_found)?;
    let last = conversation.exchanges.len().saturating_sub(1);
    let index = request.exchange.unwrap_or(last);
    let exchange = conversation.exchanges.get_mut(index).ok_or_else(|| {
        Problem::invalid_field("exchange", format!("This conversation has exchanges 0 to {last}; {index} is not one of them."))
    })?;
    exchange.feedback = Some(if request.helpful { Helpful::Yes } else { Helpful::No });
    conversations::writer::write(store, &conversation)?;
    Ok(ApiResponse::no_content())
}
