//! What is known about the order or item a question is about, said in the
//! user's language. Only facts the caller may see reach this module: the
//! `marketplace` reader returns nothing for anyone else's order.

use crate::phrases::{fill, phrases};
use marketplace::{Item, Member, Money, OrderFacts, OrderState};

/// Month names as a date says them (Polish: the genitive, "23 listopada").
const MONTHS: [(&str, [&str; 12]); 8] = [
    ("en", ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]),
    ("es", ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"]),
    ("it", ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"]),
    ("fr", ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]),
    ("nl", ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"]),
    ("de", ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"]),
    ("pt", ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"]),
    ("pl", ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"]),
];

/// `1795428000` → "23 November 2026", as `lang` writes a date in a sentence
/// ("23. November 2026", "2026年11月23日"); the day is UTC's, as the
/// marketplace records it.
pub fn date(lang: &str, unix: i64) -> String {
    let Ok(day) = jiff::Timestamp::from_second(unix).map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date()) else {
        return String::new();
    };
    let (d, y) = (day.day(), day.year());
    if lang == "zh" {
        return format!("{y}年{}月{d}日", day.month());
    }
    let months = MONTHS.iter().find(|(code, _)| *code == lang).map_or(&MONTHS[0].1, |(_, months)| months);
    let month = months[day.month() as usize - 1];
    match lang {
        "es" | "pt" => format!("{d} de {month} de {y}"),
        "de" => format!("{d}. {month} {y}"),
        "fr" if d == 1 => format!("1er {month} {y}"),
        _ => format!("{d} {month} {y}"),
    }
}

/// `4570 EUR` minor units → "45.70 EUR", or "45,70 EUR" where `lang` writes
/// a decimal comma, grouped by thousands as `lang` groups them; the way the
/// knowledge base writes amounts (in Chinese, "45.70 欧元").
pub fn money(lang: &str, m: &Money) -> String {
    let (decimal, group) = match lang {
        "en" | "zh" => ('.', ","),
        "fr" | "pl" => (',', "\u{a0}"),
        _ => (',', "."),
    };
    let abs = m.amount.unsigned_abs();
    let units = (abs / 100).to_string();
    let mut number = String::from(if m.amount < 0 { "-" } else { "" });
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            number.push_str(group);
        }
        number.push(digit);
    }
    let currency = if lang == "zh" && m.currency == "EUR" { "欧元" } else { m.currency.as_str() };
    format!("{number}{decimal}{:02} {currency}", abs % 100)
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
    let date = |unix: i64| date(lang, unix);
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
        ("total", money(lang, &order.total)),
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
            ("price", &money(lang, &item.price)),
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
    fn dates_read_as_each_language_writes_them() {
        let day = 1_795_428_000; // 2026-11-23
        let said: Vec<String> = ["en", "es", "it", "fr", "nl", "de", "pt", "pl", "zh"].iter().map(|l| date(l, day)).collect();
        assert_eq!(
            said,
            [
                "23 November 2026",
                "23 de noviembre de 2026",
                "23 novembre 2026",
                "23 novembre 2026",
                "23 november 2026",
                "23. November 2026",
                "23 de novembro de 2026",
                "23 listopada 2026",
                "2026年11月23日",
            ]
        );
        assert_eq!(date("fr", 1_793_534_400), "1er novembre 2026");
    }

    #[test]
    fn money_reads_as_the_knowledge_base_writes_it() {
        assert_eq!(money("en", &Money::eur(4570)), "45.70 EUR");
        assert_eq!(money("it", &Money::eur(5)), "0,05 EUR");
        assert_eq!(money("de", &Money::eur(123_456_789)), "1.234.567,89 EUR");
        assert_eq!(money("fr", &Money::eur(123_456)), "1\u{a0}234,56 EUR");
        assert_eq!(money("en", &Money::eur(-100_000)), "-1,000.00 EUR");
        assert_eq!(money("zh", &Money::eur(4570)), "45.70 欧元");
    }
}
