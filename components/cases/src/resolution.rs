//! `POST /api/cases/{id}/resolution` (agents only): the marketplace's
//! decision on a case, checked against written rules before anything is
//! recorded, and the notice the parties get.
//!
//! The rules: a partial refund is more than zero and less than the order
//! total, in its currency; a full refund refunds the total; neither for an
//! order that was never paid or is already refunded, and not both at once;
//! an order is cancelled only before delivery; an account restriction or
//! suspension is of a party to the case, with a reason and a duration;
//! a referral to law enforcement needs a counterfeit or fraud category and
//! the evidence listed. Several may combine, each kind once. A broken rule
//! is `422` naming the action (`field`: `actions[i].amount`).

use crate::api::{Notification, case_body, notification, personal, visible_case};
use api_conventions::{ApiResponse, Problem, parse_json};
use case_records::writer::{self, AtomicKeyValue};
use case_records::{
    Action, Case, HistoryEntry, Listing, Notice, PartyRole, ReferralCategory, Resolution, Status,
};
use key_value::KeyValue;
use marketplace::{Money, Order, OrderState, PaymentStatus};
use serde::Deserialize;
use sessions::User;

/// Where the parties find the approved dispute-resolution bodies: the ACM
/// lists them (the EU's ODR platform closed in 2025).
pub const ACM_URL: &str = "https://www.acm.nl/";

const MAX_TEXT_CHARS: usize = 5000;
const MAX_DURATION_DAYS: u32 = 3650;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolutionRequest {
    actions: Vec<ActionRequest>,
    summary: String,
}

/// An action as sent: every field optional, so that a missing one is
/// reported as the rule it breaks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionRequest {
    #[serde(rename = "type")]
    kind: String,
    amount: Option<Money>,
    user_id: Option<String>,
    reason: Option<String>,
    duration_days: Option<u32>,
    category: Option<String>,
    evidence: Option<Vec<String>>,
}

fn broken(field: String, detail: impl Into<String>) -> Problem {
    Problem::new(422, "Unprocessable Content", detail)
        .with_extension("field", serde_json::json!(field))
}

fn text(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.chars().count() <= MAX_TEXT_CHARS)
        .map(str::to_string)
}

fn was_paid(order: &Order) -> bool {
    matches!(
        order.payment.status,
        PaymentStatus::Held | PaymentStatus::Released
    )
}

/// Checks one action against the case and the order as it is now.
fn check_action(
    i: usize,
    request: &ActionRequest,
    case: &Case,
    order: Option<&Order>,
) -> Result<Action, Problem> {
    let field = |name: &str| format!("actions[{i}].{name}");
    let needs_order = || {
        order.ok_or_else(|| {
            broken(
                field("type"),
                format!("`{}` needs a case about an order.", request.kind),
            )
        })
    };
    match request.kind.as_str() {
        "partial_refund" | "full_refund" => {
            let order = needs_order()?;
            if !was_paid(order) {
                return Err(broken(
                    field("type"),
                    format!(
                        "Order {} has no payment to refund ({}).",
                        order.id,
                        order.state.as_str()
                    ),
                ));
            }
            if request.kind == "full_refund" {
                return Ok(Action::FullRefund {
                    amount: order.total.clone(),
                });
            }
            let amount = request
                .amount
                .clone()
                .ok_or_else(|| broken(field("amount"), "A partial refund needs an `amount`."))?;
            if amount.currency != order.total.currency {
                return Err(broken(
                    field("amount"),
                    format!(
                        "The refund must be in the order's currency, {}.",
                        order.total.currency
                    ),
                ));
            }
            if amount.amount <= 0 || amount.amount >= order.total.amount {
                return Err(broken(
                    field("amount"),
                    format!(
                        "A partial refund is more than 0 and less than the order total ({} minor units of {}); for the whole total use `full_refund`.",
                        order.total.amount, order.total.currency
                    ),
                ));
            }
            Ok(Action::PartialRefund { amount })
        }
        "order_cancellation" => {
            let order = needs_order()?;
            let delivered = order
                .shipment
                .as_ref()
                .is_some_and(|s| s.delivered_at.is_some());
            match order.state {
                OrderState::AwaitingPayment | OrderState::Paid | OrderState::Shipped
                    if !delivered =>
                {
                    Ok(Action::OrderCancellation)
                }
                state => Err(broken(
                    field("type"),
                    format!(
                        "Order {} is {}: an order can only be cancelled before delivery.",
                        order.id,
                        state.as_str()
                    ),
                )),
            }
        }
        "account_restriction" | "account_suspension" => {
            let user_id = request.user_id.clone().unwrap_or_default();
            if user_id != case.buyer_id && case.seller_id.as_deref() != Some(user_id.as_str()) {
                return Err(broken(
                    field("user_id"),
                    "`user_id` must be the buyer or the seller of this case.",
                ));
            }
            let reason = text(request.reason.as_deref()).ok_or_else(|| {
                broken(field("reason"), "Give the `reason` the party will be told.")
            })?;
            let duration_days = request
                .duration_days
                .filter(|d| (1..=MAX_DURATION_DAYS).contains(d))
                .ok_or_else(|| {
                    broken(
                        field("duration_days"),
                        format!("`duration_days` must be 1 to {MAX_DURATION_DAYS}."),
                    )
                })?;
            Ok(if request.kind == "account_restriction" {
                Action::AccountRestriction {
                    user_id,
                    reason,
                    duration_days,
                }
            } else {
                Action::AccountSuspension {
                    user_id,
                    reason,
                    duration_days,
                }
            })
        }
        "law_enforcement_referral" => {
            let category = match request.category.as_deref() {
                Some("counterfeit") => ReferralCategory::Counterfeit,
                Some("fraud") => ReferralCategory::Fraud,
                _ => {
                    return Err(broken(
                        field("category"),
                        "A referral to law enforcement needs `category`: counterfeit or fraud.",
                    ));
                }
            };
            let evidence: Vec<String> = request
                .evidence
                .iter()
                .flatten()
                .filter_map(|e| text(Some(e)))
                .collect();
            if evidence.is_empty()
                || evidence.len() != request.evidence.as_ref().map_or(0, Vec::len)
            {
                return Err(broken(
                    field("evidence"),
                    "List the `evidence` (each item a non-empty text).",
                ));
            }
            Ok(Action::LawEnforcementReferral { category, evidence })
        }
        other => Err(broken(
            field("type"),
            format!(
                "{other:?} is not a resolution: use partial_refund, full_refund, order_cancellation, account_restriction, account_suspension or law_enforcement_referral."
            ),
        )),
    }
}

/// Actions that cannot stand together.
fn check_combination(actions: &[Action]) -> Result<(), Problem> {
    let kind = |a: &Action| std::mem::discriminant(a);
    for (i, a) in actions.iter().enumerate() {
        let same_kind_again = actions[..i].iter().any(|b| {
            kind(a) == kind(b)
                && match (a, b) {
                    // One restriction or suspension per party.
                    (
                        Action::AccountRestriction { user_id: x, .. },
                        Action::AccountRestriction { user_id: y, .. },
                    )
                    | (
                        Action::AccountSuspension { user_id: x, .. },
                        Action::AccountSuspension { user_id: y, .. },
                    ) => x == y,
                    _ => true,
                }
        });
        if same_kind_again {
            return Err(broken(
                format!("actions[{i}]"),
                "Each kind of action is given once (once per party for accounts).",
            ));
        }
    }
    let refunds = actions
        .iter()
        .filter(|a| matches!(a, Action::PartialRefund { .. } | Action::FullRefund { .. }))
        .count();
    if refunds > 1 {
        return Err(broken(
            "actions".into(),
            "A partial refund and a full refund do not combine.",
        ));
    }
    Ok(())
}

/// The notice in the case's language: the outcome, and that approved
/// external dispute-resolution bodies exist, listed by the ACM.
pub fn notice(case_id: &str, lang: &str, summary: &str) -> Notice {
    let (outcome, adr) = match lang {
        "it" => (
            "Il caso {id} è stato risolto. Decisione del team:",
            "Se non sei d'accordo, puoi rivolgerti a un organismo approvato di risoluzione alternativa delle controversie: l'Autorità olandese per i consumatori e i mercati (ACM) ne pubblica l'elenco.",
        ),
        "nl" => (
            "Zaak {id} is afgehandeld. Besluit van het team:",
            "Ben je het er niet mee eens, dan kun je terecht bij een erkende geschilleninstantie: de Autoriteit Consument & Markt (ACM) publiceert de lijst.",
        ),
        "de" => (
            "Der Fall {id} ist abgeschlossen. Entscheidung des Teams:",
            "Wenn Sie nicht einverstanden sind, können Sie sich an eine anerkannte Streitbeilegungsstelle wenden: Die niederländische Behörde für Verbraucher und Märkte (ACM) führt die Liste.",
        ),
        "fr" => (
            "Le dossier {id} est résolu. Décision de l'équipe :",
            "Si vous n'êtes pas d'accord, vous pouvez saisir un organisme agréé de règlement extrajudiciaire des litiges : l'Autorité néerlandaise des consommateurs et des marchés (ACM) en publie la liste.",
        ),
        "es" => (
            "El caso {id} está resuelto. Decisión del equipo:",
            "Si no está de acuerdo, puede acudir a un organismo acreditado de resolución alternativa de litigios: la Autoridad neerlandesa de Consumidores y Mercados (ACM) publica la lista.",
        ),
        "pt" => (
            "O caso {id} foi resolvido. Decisão da equipa:",
            "Se não concordar, pode recorrer a uma entidade aprovada de resolução alternativa de litígios: a Autoridade neerlandesa para os Consumidores e Mercados (ACM) publica a lista.",
        ),
        "pl" => (
            "Sprawa {id} została rozstrzygnięta. Decyzja zespołu:",
            "Jeśli się nie zgadzasz, możesz zwrócić się do zatwierdzonego podmiotu alternatywnego rozwiązywania sporów: ich listę publikuje holenderski Urząd ds. Konsumentów i Rynków (ACM).",
        ),
        "zh" => (
            "案件 {id} 已处理完毕。团队的决定：",
            "如不同意，您可以向经认可的替代性争议解决机构求助：荷兰消费者与市场管理局（ACM）公布了这些机构的名单。",
        ),
        _ => (
            "Case {id} is resolved. The team's decision:",
            "If you disagree, you can turn to an approved alternative dispute-resolution body: the Netherlands Authority for Consumers and Markets (ACM) lists them.",
        ),
    };
    Notice {
        lang: lang.to_string(),
        outcome: format!("{} {summary}", outcome.replace("{id}", case_id)),
        external_dispute_resolution: adr.to_string(),
        external_dispute_resolution_url: ACM_URL.to_string(),
    }
}

/// `POST /api/cases/{id}/resolution` `{actions:[{type, ...}], summary}` ->
/// `200` the resolved case. `market` is the marketplace store, read for the
/// order as it is now (falling back to the case's snapshot).
pub fn resolve(
    store: &impl AtomicKeyValue,
    market: &impl KeyValue,
    caller: &User,
    id: &str,
    body: &[u8],
    now: i64,
) -> Result<(ApiResponse, Option<Notification>), Problem> {
    let (case, role) = visible_case(store, caller, id)?;
    if role != PartyRole::Agent {
        return Err(Problem::new(
            403,
            "Forbidden",
            "Only the support team can resolve a case; write a message on the case instead.",
        ));
    }
    let request: ResolutionRequest = parse_json(body)?;
    let summary = text(Some(&request.summary)).ok_or_else(|| {
        Problem::invalid_field(
            "summary",
            format!("Explain the decision in `summary` (1 to {MAX_TEXT_CHARS} characters)."),
        )
    })?;
    let order = match case.order_id() {
        Some(order_id) => marketplace::order_facts(market, caller, order_id)?
            .map(|f| f.order)
            .or_else(|| case.order.as_ref().map(|f| f.order.clone())),
        None => None,
    };
    let actions = request
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| check_action(i, a, &case, order.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    check_combination(&actions)?;

    let resolution = Resolution {
        actions,
        notice: notice(&case.id, &case.lang, &summary),
        summary,
        by: caller.id.clone(),
        at: now,
    };
    let resolved = writer::update_case(store, &case.id, |case| {
        if !case.status.is_open() {
            return Err(Problem::new(
                409,
                "Conflict",
                format!("This case is already {}.", case.status.as_str()),
            ));
        }
        case.history.push(HistoryEntry {
            at: now,
            by: caller.id.clone(),
            role: PartyRole::Agent,
            action: "resolved".into(),
            from: Some(case.status),
            to: Some(Status::Resolved),
            note: None,
        });
        case.status = Status::Resolved;
        case.resolution = Some(resolution.clone());
        case.updated_at = now;
        Ok(())
    })?
    .ok_or_else(Problem::not_found)?;
    let note = notification(&Listing::of(&resolved), "case.resolved", &caller.id, now);
    Ok((personal(200, &case_body(&resolved, caller)), note))
}
