//! Which channel fits the situation: an account, fraud or safety problem
//! wants a person now (phone, then chat); an order problem wants someone
//! who can look at the order with the user (chat); a general question is
//! answered best in writing (email). Email is always the last resort, as it
//! is always open.

use crate::channel::Channel;

include!(concat!(env!("OUT_DIR"), "/kb_topics.rs"));

/// What the contact is about, as far as the channel goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Situation {
    /// Account takeover, fraud, safety: someone must act now.
    Urgent,
    /// Something wrong with an order: a dispute, a missing or broken item.
    Order,
    General,
}

/// Topics where someone may be losing money or their account right now.
const URGENT_TOPICS: [&str; 3] = [
    "account-security",
    "fraud-and-phishing",
    "counterfeit-report",
];

/// Topics about a dispute over an order.
const ORDER_TOPICS: [&str; 8] = [
    "item-not-received",
    "item-damaged",
    "item-not-as-described",
    "disputes-and-cases",
    "returns",
    "refunds",
    "order-cancellation",
    "buyer-protection",
];

/// A KB topic id as the caller sent it, if the KB has it.
pub fn known_topic(topic: &str) -> Option<&'static str> {
    KB_TOPICS.iter().copied().find(|t| *t == topic)
}

impl Situation {
    /// From the topic; without one, a question about an order is an order problem.
    pub fn of(topic: Option<&str>, about_an_order: bool) -> Self {
        match topic {
            Some(t) if URGENT_TOPICS.contains(&t) => Situation::Urgent,
            Some(t) if ORDER_TOPICS.contains(&t) => Situation::Order,
            Some(_) => Situation::General,
            None if about_an_order => Situation::Order,
            None => Situation::General,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Situation::Urgent => "urgent",
            Situation::Order => "order",
            Situation::General => "general",
        }
    }

    /// Every channel, best first.
    pub fn preference(self) -> [Channel; 3] {
        match self {
            Situation::Urgent => [Channel::Phone, Channel::Chat, Channel::Email],
            Situation::Order => [Channel::Chat, Channel::Email, Channel::Phone],
            Situation::General => [Channel::Email, Channel::Chat, Channel::Phone],
        }
    }

    /// Channels worth recommending, best first: a general question is not
    /// worth a phone call, nor an order problem (it needs the order's details in writing).
    fn recommendable(self, channel: Channel) -> bool {
        self == Situation::Urgent || channel != Channel::Phone
    }

    /// The channel to recommend among those `available` now, and why.
    pub fn recommend(self, available: impl Fn(Channel) -> bool) -> (Channel, Reason) {
        let channel = self
            .preference()
            .into_iter()
            .find(|c| self.recommendable(*c) && (*c == Channel::Email || available(*c)))
            .unwrap_or(Channel::Email);
        let reason = match (self, channel) {
            (Situation::Urgent, Channel::Phone) => Reason::UrgentPhone,
            (Situation::Urgent, Channel::Chat) => Reason::UrgentChat,
            (Situation::Urgent, _) => Reason::UrgentEmail,
            (Situation::Order, Channel::Chat) => Reason::OrderChat,
            (Situation::Order, _) => Reason::OrderEmail,
            (Situation::General, _) => Reason::GeneralEmail,
        };
        (channel, reason)
    }
}

/// A short explanation the page shows; its text is in [`crate::texts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    UrgentPhone,
    UrgentChat,
    UrgentEmail,
    OrderChat,
    OrderEmail,
    GeneralEmail,
    /// Message the seller before the team.
    SellerFirst,
    /// The phone line does not speak the user's language.
    PhoneNotInLanguage,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_named_here_is_in_the_knowledge_base() {
        for topic in URGENT_TOPICS.iter().chain(&ORDER_TOPICS) {
            assert_eq!(known_topic(topic), Some(*topic));
        }
        assert_eq!(KB_TOPICS.len(), 25);
        assert_eq!(known_topic("../etc/passwd"), None);
    }

    #[test]
    fn the_topic_decides_the_situation() {
        assert_eq!(
            Situation::of(Some("account-security"), false),
            Situation::Urgent
        );
        assert_eq!(
            Situation::of(Some("fraud-and-phishing"), true),
            Situation::Urgent
        );
        assert_eq!(
            Situation::of(Some("item-not-received"), true),
            Situation::Order
        );
        assert_eq!(
            Situation::of(Some("payment-methods"), true),
            Situation::General
        );
        assert_eq!(Situation::of(None, true), Situation::Order);
        assert_eq!(Situation::of(None, false), Situation::General);
    }

    #[test]
    fn urgent_problems_go_to_phone_then_chat_then_email() {
        assert_eq!(
            Situation::Urgent.recommend(|_| true),
            (Channel::Phone, Reason::UrgentPhone)
        );
        assert_eq!(
            Situation::Urgent.recommend(|c| c == Channel::Chat),
            (Channel::Chat, Reason::UrgentChat)
        );
        assert_eq!(
            Situation::Urgent.recommend(|_| false),
            (Channel::Email, Reason::UrgentEmail)
        );
    }

    #[test]
    fn order_problems_go_to_chat_and_general_questions_to_email() {
        assert_eq!(
            Situation::Order.recommend(|_| true),
            (Channel::Chat, Reason::OrderChat)
        );
        assert_eq!(
            Situation::Order.recommend(|c| c == Channel::Phone),
            (Channel::Email, Reason::OrderEmail)
        );
        assert_eq!(
            Situation::General.recommend(|_| true),
            (Channel::Email, Reason::GeneralEmail)
        );
    }
}
