//! What is known about the order or item a question is about, said in the
//! user's language. Only facts the caller may see reach this module: the
//! `marketplace` reader returns nothing for anyone else's order.

use crate::phrases::{fill, phrases};
use marketplace::{Item, Member, Money, OrderFacts, OrderState};

/// `1795428000` → `2026-11-23` (UTC).
pub fn date(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map(|t| t.strftime("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// `4500 EUR` minor units → `45.00 EUR`.
pub fn money(m: &Money) -> String {
    let sign = if m.amount < 0 { "-" } else { "" };
    let abs = m.amount.unsigned_abs();
    format!("{sign}{}.{:02} {}", abs / 100, abs % 100, m.currency)
}

fn name(member: Option<&Member>, fallback: &str) -> String {
    member.map(|m| m.name.clone()).unwrap_or_else(|| fallback.to_string())
}

/// The sentences about one order, in `lang`, at time `now`.
pub fn order_text(lang: &str, facts: &OrderFacts, now: i64) -> String {
    let p = phrases(lang);
    let order = &facts.order;
    let item = facts.item.as_ref().map(|i| i.title.clone()).unwrap_or_else(|| order.item_id.clone());
    let shipment = order.shipment.as_ref();
    let values = [
        ("order", order.id.clone()),
        ("item", item),
        ("seller", name(facts.seller.as_ref(), &order.seller_id)),
        ("paid", order.payment.paid_at.map(date).unwrap_or_default()),
        ("shipped", shipment.map(|s| date(s.shipped_at)).unwrap_or_default()),
        ("carrier", shipment.map(|s| s.carrier.clone()).unwrap_or_default()),
        ("tracking", shipment.map(|s| s.tracking_number.clone()).unwrap_or_default()),
        ("eta", shipment.map(|s| date(s.estimated_delivery_at)).unwrap_or_default()),
        ("delivered", shipment.and_then(|s| s.delivered_at).map(date).unwrap_or_default()),
        ("cancelled", order.cancelled_at.map(date).unwrap_or_default()),
        ("refunded", order.refunded_at.map(date).unwrap_or_default()),
        ("total", money(&order.total)),
        ("until", order.buyer_protection_until.map(date).unwrap_or_default()),
    ];
    let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let template = match order.state {
        OrderState::AwaitingPayment => p.awaiting_payment,
        OrderState::Paid => p.paid,
        OrderState::Shipped if order.delivery_overdue(now) => p.shipped_overdue,
        OrderState::Shipped => p.shipped,
        OrderState::Delivered => p.delivered,
        OrderState::Cancelled => p.cancelled,
        OrderState::Refunded => p.refunded,
    };
    let mut text = fill(template, &values);
    let protected = order.buyer_protection_until.is_some_and(|until| until > now);
    if order.state == OrderState::Delivered && protected {
        text.push(' ');
        text.push_str(&fill(p.protection_until, &values));
    }
    text
}

/// The sentence about an item the caller viewed or bought.
pub fn item_text(lang: &str, item: &Item, seller: Option<&Member>) -> String {
    fill(
        phrases(lang).item,
        &[
            ("item", &item.title),
            ("seller", &name(seller, &item.seller_id)),
            ("price", &money(&item.price)),
            ("description", &item.description),
        ],
    )
}

/// The topic an order's state most often raises, for a question that says
/// little ("where is it?").
pub fn state_topic(facts: &OrderFacts, now: i64) -> &'static str {
    let order = &facts.order;
    match order.state {
        OrderState::AwaitingPayment => "payment-failed",
        OrderState::Paid => "shipping-times",
        OrderState::Shipped if order.delivery_overdue(now) => "item-not-received",
        OrderState::Shipped => "tracking",
        OrderState::Delivered => "returns",
        OrderState::Cancelled => "order-cancellation",
        OrderState::Refunded => "refunds",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_money_read_plainly() {
        assert_eq!(date(1_795_428_000), "2026-11-23");
        assert_eq!(money(&Money::eur(4570)), "45.70 EUR");
        assert_eq!(money(&Money::eur(5)), "0.05 EUR");
    }
}
